"""Workbooks of the bureau's figures (openpyxl, write-only): the current view and a whole year. Each is a stored
job (ReportExport) run by a django-q2 task, written under JUNXIU_PRIVATE_FILES (never MEDIA) and served only by
a view that checks the user; every export and download is written to the access log (ReportAccess)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from django_tenants.utils import get_public_schema_name
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports.filters import Filters, filters_parse
from reports.models import Indicator, ReportAccess, ReportExport, Scorecard
from reports.periods import Period
from reports.roles import BureauRole, bureau_can, bureau_role
from reports.selectors import (
    COLOUR_LABELS,
    SUPPRESSED,
    CentreState,
    Grid,
    centre_states,
    city_cells_hidden,
    city_total,
    facts_grids,
    indicator_map,
    months_of,
    scorecard_current,
    scorecard_results,
    suppress,
)
from tenants.private_files import PRIVATE_FILE_LIFETIME, private_file_delete, private_file_new, private_file_path
from tenants.text import spreadsheet_text

logger = logging.getLogger(__name__)

VIEW = "view"
YEAR = "year"
SCORECARD_PDF = "scorecard-pdf"
CENTRE_PDF = "centre-pdf"
WORKBOOK_KINDS = (VIEW, YEAR)
EXPIRES_AFTER = PRIVATE_FILE_LIFETIME
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Breakdowns whose cells belong to one centre (its rest homes, its reminder rules): listed row by row on their own
# sheet, since as columns they would be one per rest home of the whole city.
LOCAL_BREAKDOWNS = ("rest_home", "rule")

FILLS = {
    "green": PatternFill("solid", fgColor="DCF0DC"),
    "amber": PatternFill("solid", fgColor="FFF1C2"),
    "red": PatternFill("solid", fgColor="FDE0DC"),
    "none": PatternFill("solid", fgColor="ECECEC"),
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")
TOTAL_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Text Excel (or a CSV made from the sheet) could take for a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _value_format(indicator: Indicator) -> str:
    if indicator.kind == Indicator.Kind.RATE:
        return "0.0%"
    if indicator.kind == Indicator.Kind.COUNT:
        return "0"
    if indicator.kind == Indicator.Kind.MEAN:
        return "0.00"
    return "0.0"


def _change_format(indicator: Indicator) -> str:
    if indicator.kind == Indicator.Kind.RATE:
        points = _("pts").replace('"', "")
        return f'+0.0" {points}";-0.0" {points}";0.0" {points}"'
    if indicator.kind == Indicator.Kind.COUNT:
        return "+0;-0;0"
    return "+0.00;-0.00;0.00" if indicator.kind == Indicator.Kind.MEAN else "+0.0;-0.0;0.0"


def _change(indicator: Indicator, now: float | None, before: float | None) -> float | None:
    """The change on last year; for rates in percentage points."""
    if now is None or before is None:
        return None
    return (now - before) * 100 if indicator.kind == Indicator.Kind.RATE else now - before


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: the Asia/Shanghai wall time."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", str(text))[:31]


class _Sheet:
    """A write-only sheet: a frozen, styled header row, column widths, and cells whose text is never a formula."""

    def __init__(self, book: Workbook, title: str, headers: list[str] | None = None, widths: list[float] = ()):
        self.ws: WriteOnlyWorksheet = book.create_sheet(_sheet_title(title))
        for n, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(n)].width = width
        if headers is not None:
            self.ws.freeze_panes = "A2"
            self.ws.append([self.cell(h, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP) for h in headers])

    def cell(self, value, *, fmt: str | None = None, font=None, fill=None, alignment=None):
        """A cell; text is always stored as text (quote-prefixed where it looks like a formula), never evaluated."""
        cell = WriteOnlyCell(self.ws)
        if isinstance(value, str):
            cell.value = spreadsheet_text(value)  # characters XML cannot hold, as Excel writes them
            cell.data_type = "s"
            if value.startswith(FORMULA_START):
                cell.quotePrefix = True
        else:
            cell.value = value
        if fmt:
            cell.number_format = fmt
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        return cell

    def text(self, value, **style):
        """Plain text needs no cell object unless it could be read as a formula."""
        if value is None or (isinstance(value, str) and not value.startswith(FORMULA_START) and not style):
            return spreadsheet_text(value) if value else value
        return self.cell(str(value), **style)

    def append(self, row: list) -> None:
        self.ws.append(row)


@dataclass
class _Data:
    """Everything a workbook shows, read in a handful of queries whatever the number of centres."""

    filters: Filters
    whole_year: bool
    states: list[CentreState]
    indicators: dict[str, Indicator]
    grids: dict[tuple[str, str], Grid]
    before: dict[tuple[str, str], Grid]
    months: list[Period] = field(default_factory=list)
    monthly: dict[tuple[str, str], Grid] = field(default_factory=dict)
    scorecard: Scorecard | None = None
    results: list[dict] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.filters.period

    @property
    def ids(self) -> list[int]:
        return [s.centre.pk for s in self.states]


def _data_read(*, filters: Filters, whole_year: bool) -> _Data:
    period = filters.period
    states = centre_states(period=period, codes=filters.centres or None)
    ids = [s.centre.pk for s in states]
    indicators = indicator_map()
    codes = list(indicators)
    grids = facts_grids(periods=[period], codes=codes, centre_ids=ids, breakdowns=True, indicators=indicators)
    for grid in grids.values():
        suppress(grid, ids)
    before = facts_grids(periods=[period.last_year()], codes=codes, centre_ids=ids, indicators=indicators)
    data = _Data(filters, whole_year, states, indicators, grids, before)
    if whole_year:
        data.months = months_of(period, timezone.localdate())
        data.monthly = facts_grids(
            periods=data.months,
            codes=[i.code for i in indicators.values() if i.headline],
            centre_ids=ids,
            indicators=indicators,
        )
    data.scorecard = scorecard_current(year=period.year)
    if data.scorecard is not None:
        chosen = set(ids)
        data.results = [r for r in scorecard_results(scorecard=data.scorecard) if r["centre"].pk in chosen]
    return data


def _state_note(state: CentreState) -> str:
    notes = []
    if state.retired and state.centre.retired_at:
        notes.append(_("retired") + " " + timezone.localtime(state.centre.retired_at).strftime("%Y-%m-%d"))
    if state.partial:
        notes.append(
            _("started on %(day)s: partial period")
            % {"day": timezone.localtime(state.centre.created_at).strftime("%Y-%m-%d")}
        )
    if state.failed:
        notes.append(_("last refresh failed, showing the last good figures:") + " " + state.error)
    elif state.stale and not state.retired:
        notes.append(_("not refreshed in the last 36 hours"))
    return "；".join(notes)


def _as_of_cell(sheet: _Sheet, state: CentreState):
    if state.as_of is None:
        return sheet.text(_("never computed"))
    return sheet.cell(_local(state.as_of), fmt=DATETIME_FORMAT)


def _cover_sheet(book: Workbook, data: _Data, user) -> None:
    sheet = _Sheet(book, _("About this workbook"), widths=[22, 36, 18, 60])
    title = (
        _("Figures of the district centres, whole year %(year)d")
        if data.whole_year
        else _("Figures of the district centres, %(period)s")
    )
    sheet.append(
        [sheet.cell(title % {"year": data.period.year, "period": data.period.label}, font=Font(bold=True, size=14))]
    )
    centres = (
        "、".join(s.centre.name for s in data.states)
        if data.filters.centres
        else _("All centres (%(count)d)") % {"count": len(data.states)}
    )
    card = "—"
    if data.scorecard is not None:
        card = f"{data.scorecard.title} v{data.scorecard.version} · {data.scorecard.get_status_display()}"
    for label, value in (
        (_("Period"), data.period.label),
        (_("Centres"), centres),
        (_("Made at"), sheet.cell(_local(timezone.now()), fmt=DATETIME_FORMAT)),
        (_("Made by"), user.get_username() if user else ""),
        (_("Yearly evaluation"), card),
        (
            _("How to read it"),
            _(
                "An empty cell has no figure (nothing to count or to divide by). “%(suppressed)s”: fewer than "
                "%(threshold)d people, hidden so that nobody can be recognised. Rates are percentages; changes of "
                "rates are in percentage points."
            )
            % {"suppressed": SUPPRESSED, "threshold": settings.JUNXIU_SMALL_CELL},
        ),
    ):
        sheet.append([sheet.cell(label, font=HEADER_FONT), value if not isinstance(value, str) else sheet.text(value)])
    sheet.append([])
    sheet.append(
        [
            sheet.cell(h, font=HEADER_FONT, fill=HEADER_FILL)
            for h in (_("Code"), _("Centre"), _("Figures as of"), _("Note"))
        ]
    )
    for state in data.states:
        sheet.append(
            [
                state.centre.schema_name,
                sheet.text(state.centre.name),
                _as_of_cell(sheet, state),
                sheet.text(_state_note(state)),
            ]
        )


@dataclass
class _Column:
    header: str
    width: float
    value: Callable[[_Sheet, CentreState | None], object]  # None = the city total


def _area_columns(data: _Data, area: str) -> list[_Column]:
    period, ids = data.period, data.ids
    columns: list[_Column] = []
    for indicator in (i for i in data.indicators.values() if i.area == area):
        grid = data.grids[(period.key, indicator.code)]
        before = data.before[(period.last_year().key, indicator.code)]
        has_total = any((c, "") in grid.cells for c in ids)
        fmt, change_fmt = _value_format(indicator), _change_format(indicator)
        if has_total or not indicator.breakdown:

            def now(sheet, state, grid=grid, fmt=fmt):
                cell = grid.cell(state.centre.pk) if state else city_total(grid, ids)
                return sheet.cell(cell.value, fmt=fmt, font=None if state else TOTAL_FONT)

            def then(sheet, state, before=before, fmt=fmt):
                cell = before.cell(state.centre.pk) if state else city_total(before, ids)
                return sheet.cell(cell.value, fmt=fmt, font=None if state else TOTAL_FONT)

            def change(sheet, state, grid=grid, before=before, indicator=indicator, fmt=change_fmt):
                if state:
                    a, b = grid.cell(state.centre.pk).value, before.cell(state.centre.pk).value
                else:
                    a, b = city_total(grid, ids).value, city_total(before, ids).value
                return sheet.cell(_change(indicator, a, b), fmt=fmt, font=None if state else TOTAL_FONT)

            name = f"{indicator.name}（{indicator.unit}）"
            columns += [
                _Column(name, 14, now),
                _Column(_("%(name)s, same period last year") % {"name": indicator.name}, 14, then),
                _Column(_("%(name)s, change on last year") % {"name": indicator.name}, 12, change),
            ]
        if indicator.breakdown in LOCAL_BREAKDOWNS:
            continue
        city_hidden = city_cells_hidden(grid, ids)
        for key in grid.keys:

            def part(sheet, state, grid=grid, key=key, fmt=fmt, city_hidden=city_hidden):
                if state is None:
                    cell = city_total(grid, ids, key)
                    hidden = key in city_hidden
                    return sheet.cell(SUPPRESSED if hidden else cell.value, fmt=fmt, font=TOTAL_FONT)
                cell = grid.cell(state.centre.pk, key)
                return sheet.cell(SUPPRESSED if cell.suppressed else cell.value, fmt=fmt)

            header = _("%(indicator)s: %(breakdown)s") % {"indicator": indicator.name, "breakdown": grid.labels[key]}
            columns.append(_Column(header, 12, part))
    return columns


def _area_sheet(book: Workbook, data: _Data, area: str, label: str) -> None:
    columns = _area_columns(data, area)
    headers = [_("Code"), _("Centre"), _("Figures as of"), *(c.header for c in columns)]
    sheet = _Sheet(book, label, headers, [12, 22, 17, *(c.width for c in columns)])
    for state in data.states:
        sheet.append(
            [
                state.centre.schema_name,
                sheet.text(state.centre.name),
                _as_of_cell(sheet, state),
                *(c.value(sheet, state) for c in columns),
            ]
        )
    sheet.append([None, sheet.cell(_("City"), font=TOTAL_FONT), None, *(c.value(sheet, None) for c in columns)])


def _local_sheet(book: Workbook, data: _Data) -> None:
    """Rest homes and reminder rules, one row per centre and cell."""
    headers = [_("Code"), _("Centre"), _("Indicator"), _("Unit"), _("Breakdown"), data.period.label]
    sheet = _Sheet(book, _("By rest home and rule"), headers, [12, 22, 24, 8, 30, 14])
    local = [i for i in data.indicators.values() if i.breakdown in LOCAL_BREAKDOWNS]
    for state in data.states:
        for indicator in local:
            grid = data.grids[(data.period.key, indicator.code)]
            fmt = _value_format(indicator)
            for key in grid.keys:
                cell = grid.cells.get((state.centre.pk, key))
                if cell is None:
                    continue
                sheet.append(
                    [
                        state.centre.schema_name,
                        sheet.text(state.centre.name),
                        sheet.text(indicator.name),
                        sheet.text(indicator.unit),
                        sheet.text(cell.label or grid.labels.get(key, key)),
                        sheet.cell(SUPPRESSED if cell.suppressed else cell.value, fmt=fmt),
                    ]
                )


def _monthly_sheet(book: Workbook, data: _Data) -> None:
    """The headline indicators month by month: each centre's, then the city's."""
    headline = [i for i in data.indicators.values() if i.headline]
    headers = [_("Code"), _("Centre"), _("Month"), *(f"{i.name}（{i.unit}）" for i in headline)]
    sheet = _Sheet(book, _("Month by month"), headers, [12, 22, 10, *(14 for _i in headline)])
    ids = data.ids
    for state in [*data.states, None]:
        for month in data.months:
            values = []
            for indicator in headline:
                grid = data.monthly[(month.key, indicator.code)]
                cell = grid.cell(state.centre.pk) if state else city_total(grid, ids)
                values.append(sheet.cell(cell.value, fmt=_value_format(indicator), font=None if state else TOTAL_FONT))
            first = (
                [state.centre.schema_name, sheet.text(state.centre.name)]
                if state
                else [None, sheet.cell(_("City"), font=TOTAL_FONT)]
            )
            sheet.append([*first, sheet.cell(month.start, fmt="yyyy-mm"), *values])


def _scorecard_sheet(book: Workbook, data: _Data) -> None:
    """The year's evaluation: rank, score, each indicator's value and colour, and a bar chart of the scores."""
    card = data.scorecard
    items = list(card.items.select_related("indicator"))
    headers = [_("Rank"), _("Code"), _("Centre"), _("Score"), _("Partial")]
    for item in items:
        headers += [
            f"{item.indicator.name}（{item.indicator.unit}）",
            _("%(name)s, colour") % {"name": item.indicator.name},
        ]
    sheet = _Sheet(book, _("Yearly evaluation"), headers, [8, 12, 22, 10, 8, *(14 for _i in items for _n in (1, 2))])
    for result in data.results:
        row = [
            result["rank"],
            result["centre"].schema_name,
            sheet.text(result["centre"].name),
            sheet.cell(result["score"], fmt="0.0"),
            sheet.text(_("yes") if result["partial"] else ""),
        ]
        for item in items:
            cell = result["cells"].get(item.indicator.code) or {}
            colour = cell.get("colour") or "none"
            row += [
                sheet.cell(cell.get("value"), fmt=_value_format(item.indicator)),
                sheet.cell(str(COLOUR_LABELS.get(colour, colour)), fill=FILLS.get(colour)),
            ]
        sheet.append(row)
    if data.results:
        count = len(data.results)
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = _("Score by centre")
        chart.y_axis.title = _("Score")
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        chart.x_axis.scaling.orientation = "maxMin"  # first rank on top
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend = None
        chart.add_data(Reference(sheet.ws, min_col=4, min_row=1, max_row=count + 1), titles_from_data=True)
        chart.set_categories(Reference(sheet.ws, min_col=3, min_row=2, max_row=count + 1))
        chart.width = 18
        chart.height = max(7.5, 0.55 * count + 2)
        sheet.ws.add_chart(chart, f"{get_column_letter(len(headers) + 2)}2")


def _definitions_sheet(book: Workbook, data: _Data) -> None:
    headers = [
        _("Code"),
        _("Area"),
        _("Name"),
        _("Unit"),
        _("Kind"),
        _("Definition"),
        _("Clause of the standard"),
        _("Higher is better"),
        _("Broken down by"),
    ]
    sheet = _Sheet(book, _("Definitions"), headers, [26, 14, 24, 8, 8, 70, 14, 10, 14])
    better = {True: _("yes"), False: _("no"), None: "—"}
    for i in data.indicators.values():
        sheet.append(
            [
                i.code,
                sheet.text(i.get_area_display()),
                sheet.text(i.name),
                sheet.text(i.unit),
                sheet.text(i.get_kind_display()),
                sheet.cell(i.formula, alignment=WRAP),
                sheet.text(i.clause),
                better[i.higher_is_better],
                i.breakdown,
            ]
        )


def workbook_write(
    *, filters: Filters, whole_year: bool, user, target, progress: Callable[[int], None] = lambda p: None
) -> None:
    """Write the workbook of `filters` (the period and centres of a page) or, whole_year, of every centre's year,
    to `target` (a path or a file object): a cover with the figures' as-of times, one sheet per area, rest homes and
    rules, the months (whole year), the yearly evaluation with its chart, and the definitions."""
    if whole_year:
        filters = Filters(period=Period(filters.period.year))
    data = _data_read(filters=filters, whole_year=whole_year)
    progress(20)
    book = Workbook(write_only=True)
    _cover_sheet(book, data, user)
    for n, (area, label) in enumerate(Indicator.Area.choices, start=1):
        _area_sheet(book, data, area, str(label))
        progress(20 + n * 10)
    _local_sheet(book, data)
    if whole_year:
        _monthly_sheet(book, data)
    progress(85)
    if data.scorecard is not None:
        _scorecard_sheet(book, data)
    _definitions_sheet(book, data)
    progress(90)
    book.save(target)


def _filename(*, kind: str, filters: Filters) -> str:
    if kind == YEAR:
        name = _("Centre figures, whole year %(year)d") % {"year": filters.period.year}
    else:
        name = _("Centre figures, %(period)s") % {"period": filters.period.label}
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", name)[:190] + ".xlsx"


def _describe(*, kind: str, query: str, pk: int | None = None) -> str:
    return f"{kind}{f' #{pk}' if pk else ''} {query or '-'}"[:300]


def report_export_start(*, kind: str, filters: Filters, user) -> ReportExport:
    """Record an export asked for by a bureau user and queue the task that makes it (on the public schema)."""
    if kind not in WORKBOOK_KINDS:
        raise ValidationError(_("Not a kind of export: “%(kind)s”.") % {"kind": kind[:40]})
    if not bureau_can(user, "export"):
        raise ValidationError(_("Your bureau role does not allow exports."))
    if kind == YEAR:
        filters = Filters(period=Period(filters.period.year))
    query = filters.query().lstrip("?")
    with transaction.atomic():
        export = ReportExport.objects.create(
            kind=kind,
            params={"query": query, "language": translation.get_language() or settings.LANGUAGE_CODE},
            filename=_filename(kind=kind, filters=filters),
            created_by=user,
        )
        ReportAccess.objects.create(
            username=user.get_username(), action="export", what=_describe(kind=kind, query=query, pk=export.pk)
        )
        transaction.on_commit(lambda: async_task("reports.exports.report_export_run", export.pk))
    return export


def report_exports_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports older than 24 hours (they can no longer be downloaded); returns how many."""
    cutoff = (now or timezone.now()) - EXPIRES_AFTER
    purged = 0
    for export in ReportExport.objects.filter(created_at__lt=cutoff).exclude(path=""):
        report_export_discard(export=export)
        purged += 1
    return purged


def report_export_discard(*, export: ReportExport) -> None:
    """Delete an export's file (expired); the export stays listed, without a file."""
    private_file_delete(export.path, schema_name=get_public_schema_name())
    ReportExport.objects.filter(pk=export.pk).update(path="")
    export.path = ""


def report_export_run(export_id: int) -> str:
    """Task: make the workbook of a stored export, reporting progress in percent; a failure is kept, in Chinese."""
    connection.set_schema_to_public()
    export = ReportExport.objects.select_related("created_by").filter(pk=export_id).first()
    if export is None or export.status in (ReportExport.Status.DONE, ReportExport.Status.FAILED):
        return export.status if export else "missing"
    ReportExport.objects.filter(pk=export.pk).update(status=ReportExport.Status.RUNNING, progress=1)
    report_exports_purge()
    shown = {"progress": 1}

    def progress(percent: int) -> None:
        if percent > shown["progress"]:
            shown["progress"] = percent
            ReportExport.objects.filter(pk=export.pk).update(progress=percent)

    target, relative = private_file_new(schema_name=get_public_schema_name(), folder="reports", suffix=".xlsx")
    partial = target.with_name(f".{target.name}.part")
    try:
        with translation.override(export.params.get("language") or settings.LANGUAGE_CODE):
            filters = filters_parse(QueryDict(export.params.get("query", "")))
            workbook_write(
                filters=filters,
                whole_year=export.kind == YEAR,
                user=export.created_by,
                target=partial,
                progress=progress,
            )
            os.replace(partial, target)
            ReportExport.objects.filter(pk=export.pk).update(
                status=ReportExport.Status.DONE,
                progress=100,
                path=relative,
                filename=_filename(kind=export.kind, filters=filters),
                finished_at=timezone.now(),
            )
            return ReportExport.Status.DONE
    except Exception as exc:  # kept on the export for its user to read
        logger.exception("export %s failed", export.pk)
        partial.unlink(missing_ok=True)
        with translation.override(export.params.get("language") or settings.LANGUAGE_CODE):
            error = _("The workbook could not be made: %(detail)s") % {"detail": str(exc) or type(exc).__name__}
        ReportExport.objects.filter(pk=export.pk).update(
            status=ReportExport.Status.FAILED, error=error[:2000], finished_at=timezone.now()
        )
        return ReportExport.Status.FAILED


def access_report_export_by_id(*, user, id: int) -> ReportExport | None:
    """A workbook export the user may see: their own, or any for the bureau head; None when missing or not theirs."""
    if not bureau_can(user, "export"):
        return None
    exports = ReportExport.objects.filter(pk=id, kind__in=WORKBOOK_KINDS)
    if bureau_role(user) != BureauRole.HEAD:
        exports = exports.filter(created_by=user)
    return exports.first()


def report_export_expired(*, export: ReportExport, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) - export.created_at > EXPIRES_AFTER


def report_export_file(*, export: ReportExport) -> Path | None:
    """The finished file of an export, if it is still there (and inside the private directory)."""
    if export.status != ReportExport.Status.DONE:
        return None
    return private_file_path(export.path, schema_name=get_public_schema_name())


def report_export_downloaded(*, export: ReportExport, user) -> None:
    """Note a download in the access log."""
    query = export.params.get("query", "")
    ReportAccess.objects.create(
        username=user.get_username(), action="download", what=_describe(kind=export.kind, query=query, pk=export.pk)
    )


def report_pdf_logged(*, kind: str, what: str, user) -> None:
    """Note a PDF made for a user in the access log."""
    ReportAccess.objects.create(username=user.get_username(), action="export", what=_describe(kind=kind, query=what))

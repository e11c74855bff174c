"""The bureau's portal pages: overview, one page per area, a centre's page, definitions, refresh with progress.

Every page is complete without JavaScript: each chart is drawn from the table printed under it (charts.js).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from reports.access import as_of_context, bureau_required, page_context
from reports.filters import Filters, filters_parse
from reports.models import CentreRefresh, Indicator, RefreshRun
from reports.periods import Period, PeriodError
from reports.selectors import (
    SUPPRESSED,
    Cell,
    Grid,
    cell_text,
    centre_figures,
    centre_states,
    change_is_good,
    city_cells_hidden,
    city_total,
    facts_grids,
    format_change,
    format_value,
    indicator_map,
    suppress,
)
from reports.services import refresh_run_start
from tenants.models import Centre

CHARTS = {Indicator.Kind.RATE: "true"}
RUN_GIVEN_UP_AFTER = dt.timedelta(hours=1)


def _filters_or_error(request, template: str):
    try:
        return filters_parse(request.GET), None
    except PeriodError as exc:
        context = {**page_context(request), "error": str(exc)}
        return None, render(request, template, context, status=400)


def _no_data_reason(period: Period) -> str:
    today = timezone.localdate()
    if period.start > today:
        return _("%(period)s has not begun yet: there are no figures for it.") % {"period": period.label}
    return _("There are no figures for %(period)s yet. They are made each night, or by “Refresh”.") % {
        "period": period.label
    }


def _series(indicator: Indicator, grid: Grid, states, key: str = "") -> list[dict]:
    """One row per centre: the display text and the raw value a chart reads (none when suppressed or missing)."""
    rows = []
    for state in states:
        cell = grid.cell(state.centre.pk, key)
        rows.append(
            {
                "state": state,
                "text": cell_text(indicator, cell),
                "raw": "" if cell.suppressed or cell.value is None else cell.value,
                "cell": cell,
            }
        )
    return rows


def _headline_view(indicator, grids, period, states, ids, filters) -> dict:
    """The overview's card and small multiple of one indicator: city value, change on last year, bar by centre."""
    code = indicator.code
    key = ""
    if code == "cadres_total" and (filters.level or filters.kind):
        code, key = ("cadres_level", filters.level) if filters.level else ("cadres_kind", filters.kind)
    grid, before = grids[(period.key, code)], grids[(period.last_year().key, code)]
    now_total, before_total = city_total(grid, ids, key), city_total(before, ids, key)
    hidden = False
    if key:  # one cell of a breakdown: suppressed as on its area page
        suppress(grid, ids)
        suppress(before, ids)
        hidden = key in city_cells_hidden(grid, ids) or key in city_cells_hidden(before, ids)
    return {
        "indicator": indicator,
        "label": grid.labels.get(key, ""),
        "city": SUPPRESSED if hidden else format_value(indicator, now_total.value),
        "before": SUPPRESSED if hidden else format_value(indicator, before_total.value),
        "change": "—" if hidden else format_change(indicator, now_total.value, before_total.value),
        "good": None if hidden else change_is_good(indicator, now_total.value, before_total.value),
        "rows": _series(indicator, grid, states, key),
        "percent": CHARTS.get(indicator.kind, "false"),
    }


@bureau_required()
def overview(request):
    filters, error = _filters_or_error(request, "reports/overview.html")
    if error:
        return error
    period = filters.period
    states = centre_states(period=period, codes=filters.centres)
    ids = [s.centre.pk for s in states]
    indicators = indicator_map()
    headline = [i for i in indicators.values() if i.headline]
    codes = [i.code for i in headline] + ["cadres_level", "cadres_kind"]
    grids = facts_grids(
        periods=[period, period.last_year()],
        codes=codes,
        centre_ids=ids,
        breakdowns=bool(filters.level or filters.kind),
        indicators=indicators,
    )
    has_data = any(grids[(period.key, i.code)].cells for i in headline)
    context = {
        **page_context(request, filters),
        "period": period,
        **as_of_context(states),
        "cards": [_headline_view(i, grids, period, states, ids, filters) for i in headline] if has_data else [],
        "no_data": "" if has_data else _no_data_reason(period),
    }
    return render(request, "reports/overview.html", context)


def _summed(grid: Grid, centre_id: int) -> Cell:
    values = [c.value for (centre, key), c in grid.cells.items() if centre == centre_id and key and c.value is not None]
    return Cell(sum(values)) if values else Cell()


def _area_tables(area: str, filters: Filters, states, ids, indicators) -> list[dict]:
    period = filters.period
    chosen = [i for i in indicators.values() if i.area == area]
    grids = facts_grids(
        periods=[period, period.last_year()],
        codes=[i.code for i in chosen],
        centre_ids=ids,
        breakdowns=True,
        indicators=indicators,
    )
    tables = []
    for indicator in chosen:
        grid, before = grids[(period.key, indicator.code)], grids[(period.last_year().key, indicator.code)]
        suppress(grid, ids)
        rows = []
        summed = indicator.partition and not any((s.centre.pk, "") in grid.cells for s in states)
        for state in states:
            now_cell, old_cell = grid.cell(state.centre.pk), before.cell(state.centre.pk)
            if summed:  # a breakdown that adds up: the centre's total is shown as it is
                now_cell, old_cell = _summed(grid, state.centre.pk), _summed(before, state.centre.pk)
            rows.append(
                {
                    "state": state,
                    "text": format_value(indicator, now_cell.value),
                    "raw": "" if now_cell.value is None else now_cell.value,
                    "cell": now_cell,
                    "before": format_value(indicator, old_cell.value),
                    "change": format_change(indicator, now_cell.value, old_cell.value),
                    "good": change_is_good(indicator, now_cell.value, old_cell.value),
                    "cells": [
                        {
                            "text": cell_text(indicator, grid.cell(state.centre.pk, k)),
                            "raw": ""
                            if grid.cell(state.centre.pk, k).suppressed or grid.cell(state.centre.pk, k).value is None
                            else grid.cell(state.centre.pk, k).value,
                            "cell": grid.cell(state.centre.pk, k),
                        }
                        for k in grid.keys
                    ],
                }
            )
        city, city_before = city_total(grid, ids), city_total(before, ids)
        city_hidden = city_cells_hidden(grid, ids)
        if summed:
            city = Cell(sum(r["cell"].value or 0 for r in rows)) if grid.cells else Cell()
            city_before = Cell(sum(_summed(before, i).value or 0 for i in ids)) if before.cells else Cell()
        tables.append(
            {
                "indicator": indicator,
                "keys": [grid.labels[k] for k in grid.keys],
                "rows": rows,
                "has_total": summed or any((s.centre.pk, "") in grid.cells for s in states),
                "city": format_value(indicator, city.value),
                "city_before": format_value(indicator, city_before.value),
                "city_change": format_change(indicator, city.value, city_before.value),
                "city_cells": [
                    SUPPRESSED if k in city_hidden else format_value(indicator, city_total(grid, ids, k).value)
                    for k in grid.keys
                ],
                "percent": CHARTS.get(indicator.kind, "false"),
                "stacked": bool(indicator.partition and grid.keys),
                "has_data": bool(grid.cells),
            }
        )
    return tables


@bureau_required()
def area(request, area: str):
    if area not in Indicator.Area.values:
        raise Http404
    filters, error = _filters_or_error(request, "reports/area.html")
    if error:
        return error
    states = centre_states(period=filters.period, codes=filters.centres)
    ids = [s.centre.pk for s in states]
    tables = _area_tables(area, filters, states, ids, indicator_map())
    has_data = any(t["has_data"] for t in tables)
    context = {
        **page_context(request, filters),
        "area_code": area,
        "area_label": Indicator.Area(area).label,
        "period": filters.period,
        **as_of_context(states),
        "tables": tables if has_data else [],
        "no_data": "" if has_data else _no_data_reason(filters.period),
    }
    return render(request, "reports/area.html", context)


DIMENSIONS = {
    "rule": gettext_lazy("By reminder rule"),
    "question": gettext_lazy("By question"),
    "room": gettext_lazy("By room type"),
}


def _breakdown_tables(items: list[dict]) -> list[dict]:
    """A centre's breakdowns of one area, one table per dimension: a row per cell, a column per indicator."""
    tables: dict[str, dict] = {}
    for item in items:
        if not item["breakdown"]:
            continue
        dimension = item["indicator"].breakdown
        table = tables.setdefault(dimension, {"columns": [], "labels": [], "cells": {}})
        table["columns"].append(item["indicator"])
        for b in item["breakdown"]:
            if b["label"] not in table["labels"]:
                table["labels"].append(b["label"])
            table["cells"][(item["indicator"].code, b["label"])] = b
    out = []
    for dimension, table in tables.items():
        columns = table["columns"]
        caption = DIMENSIONS.get(dimension) if len(columns) > 1 else f"{columns[0].name}（{columns[0].unit}）"
        rows = [
            {"label": label, "cells": [table["cells"].get((i.code, label)) for i in columns]}
            for label in table["labels"]
        ]
        out.append({"caption": caption, "columns": columns, "rows": rows, "single": len(columns) == 1})
    return out


@bureau_required()
def centre(request, code: str):
    target = get_object_or_404(Centre, schema_name=code, kind=Centre.Kind.CENTRE)
    filters, error = _filters_or_error(request, "reports/centre.html")
    if error:
        return error
    period = filters.period
    figures = centre_figures(centre=target, period=period)
    for section in figures["sections"]:
        section["tables"] = _breakdown_tables(section["items"])
    trends = [
        {
            "indicator": indicator,
            "percent": CHARTS.get(indicator.kind, "false"),
            "rows": [
                {
                    "period": m,
                    "text": format_value(indicator, figures["monthly"][(m.key, indicator.code)]),
                    "raw": ""
                    if figures["monthly"][(m.key, indicator.code)] is None
                    else figures["monthly"][(m.key, indicator.code)],
                }
                for m in figures["months"]
            ],
        }
        for indicator in figures["headline"]
    ]
    context = {
        **page_context(request, filters),
        **figures,
        "target": target,
        "period": period,
        "trends": trends if figures["months"] else [],
        "no_data": _no_data_reason(period),
    }
    return render(request, "reports/centre.html", context)


@bureau_required()
def definitions(request):
    context = {
        **page_context(request),
        "groups": [
            (label, [i for i in indicator_map().values() if i.area == code]) for code, label in Indicator.Area.choices
        ],
    }
    return render(request, "reports/definitions.html", context)


@bureau_required("refresh")
@require_http_methods(["GET", "POST"])
def refresh(request):
    year = timezone.localdate().year
    if request.method == "POST":
        try:
            chosen = int(request.POST.get("year") or year)
        except ValueError:
            chosen = 0
        if not 2000 <= chosen <= year:
            messages.error(request, _("The year must be between 2000 and this year."))
            return redirect("reports:refresh")
        run = refresh_run_start(year=chosen, username=request.user.get_username())
        return redirect("reports:refresh_progress", run_id=run.pk)
    context = {
        **page_context(request),
        "year": year,
        "years": list(range(year, year - 5, -1)),
        "runs": RefreshRun.objects.all()[:10],
        "states": CentreRefresh.objects.filter(year=year).select_related("centre").order_by("centre__schema_name"),
    }
    return render(request, "reports/refresh.html", context)


@bureau_required("refresh")
def refresh_progress(request, run_id: int):
    run = get_object_or_404(RefreshRun, pk=run_id)
    # A centre retired while its task waited is refused by the worker: after an hour the run counts as ended.
    running = run.finished_at is None and timezone.now() - run.started_at < RUN_GIVEN_UP_AFTER
    context = {
        **page_context(request),
        "run": run,
        "running": running,
        "unfinished": not running and not run.finished_at,
    }
    return render(request, "reports/refresh_progress.html", context)

"""Cadre rosters as spreadsheets: the import template, a checked import (dry run, then all-or-nothing commit), export.

The import validates every row the way services.cadre_create / cadre_update do (resident_id_parse, derived birth date,
gender, keyed hash and pinyin keys, full_clean), but writes in bulk: with rest homes, liaisons and existing cadres
loaded once, 10,000 rows need a few queries instead of tens of thousands. Re-importing a person updates them, found
by the keyed hash of the ID number.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from registry.crypto import lookup_hash
from registry.filters import CadreFilterSet
from registry.idcard import resident_id_parse
from registry.models import Cadre, RestHome, Staff
from registry.selectors import (
    FIELD_MASKS,
    HEALTH_FLAGS,
    IDENTITY,
    cadre_visible_queryset,
    can_see_field,
    can_see_personal,
)
from registry.services import PERSONAL_FIELDS, access_log_record, cadre_prepare
from tenants.text import spreadsheet_text, spreadsheet_text_decode, text_is_hostile

MAX_ROWS = 20_000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024  # a zip bomb is refused before openpyxl inflates it
SHEET_TITLE = gettext_lazy("Cadre roster")
HELP_SHEET_TITLE = gettext_lazy("Instructions")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = {"是", "√", "✓", "y", "yes", "true", "1", "有"}
FALSE_WORDS = {"否", "×", "n", "no", "false", "0", "无"}
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$")
DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Words people write for a level or kind besides the labels themselves.
CHOICE_ALIASES = {
    "level": {"军士": "nco", "退休军士": "nco", "团级及以下": "regiment", "团以下": "regiment"},
    "kind": {},
    "gender": {"男性": "M", "女性": "F"},
    "state": {"在册": "active"},
}


@dataclass(frozen=True)
class Column:
    field: str
    kind: str  # text, id, phone, date, bool, choice, rest_home, liaison
    required: bool = False
    keep_if_empty: bool = False  # an empty cell leaves the stored value (derived or defaulted fields)
    label: Promise | None = None
    width: int = 12

    @property
    def header(self) -> str:
        return str(self.label or Cadre._meta.get_field(self.field).verbose_name)

    def headers_known(self) -> set[str]:
        """The header in the current language, in Chinese and in English, so any of them is recognised."""
        names = {self.header}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(self.header)
        return {_header_key(name) for name in names}


COLUMNS: list[Column] = [
    Column("name", "text", required=True, label=gettext_lazy("Full name")),
    Column("id_number", "id", required=True, width=22),
    Column("gender", "choice", keep_if_empty=True),
    Column("birth_date", "date", keep_if_empty=True),
    Column("level", "choice", required=True, width=14),
    Column("kind", "choice", required=True, label=gettext_lazy("Retirement kind")),
    Column("rest_home", "rest_home", width=16),
    Column("liaison", "liaison"),
    Column("phone", "phone", width=16),
    Column("mobile", "phone", width=16),
    Column("address", "text", width=30),
    Column("transfer_in_date", "date"),
    Column("branch", "text"),
    Column("rank", "text"),
    Column("lives_alone", "bool", width=8),
    Column("childless", "bool", width=8),
    Column("bedridden", "bool", width=8),
    Column("disabled", "bool", width=8),
    Column("dementia", "bool", width=8),
    Column("in_care_home", "bool", width=8),
    Column("care_home_name", "text", label=gettext_lazy("Care home name"), width=16),
    Column("party_member", "bool", width=8),
    Column("party_branch", "text", width=16),
    Column("state", "choice", keep_if_empty=True),
    Column("service_needs", "text", width=20),
    Column("notes", "text", width=20),
]
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
CHOICES = {"gender": Cadre.Gender, "level": Cadre.Level, "kind": Cadre.Kind, "state": Cadre.State}
DERIVED = ["id_hash", "mobile_hash", "name_pinyin", "name_initials"]
TEXT_COLUMNS = {"id_number", "phone", "mobile"}  # formatted as text so Excel keeps every digit


def _header_key(text: str) -> str:
    return re.sub(r"[\s*＊]", "", str(text)).replace("（", "(").replace("）", ")").lower()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (Excel row, column letter and header) and what, in words."""

    row: int | None
    column: str
    header: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if not self.column:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)d, column %(column)s (%(header)s): %(message)s") % {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
        }


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    committed: bool = False
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The report as text, one line each: the summary, then every problem."""
        summary = _(
            "%(rows)d rows: %(created)d new, %(updated)d to update, %(unchanged)d unchanged, %(problems)d problems."
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problems": len(self.problems),
        }
        lines = [summary]
        if self.ignored_columns:
            lines.append(_("Columns ignored: %(columns)s") % {"columns": "、".join(self.ignored_columns)})
        lines.extend(str(p) for p in self.problems)
        if self.committed:
            lines.append(_("Imported: nothing else to do."))
        elif self.problems:
            lines.append(_("Nothing was written. Correct the file and try again."))
        return lines


class FileRefused(Exception):
    """The file as a whole cannot be read: wrong format, too large, no sheet or headers."""


# ---------------------------------------------------------------------------------------------------------------
# Template


def _choice_labels(choices) -> list[str]:
    return [str(label) for value, label in choices.choices if value]


def cadre_template_build() -> bytes:
    """The import template: Chinese headers, ID and phone columns as text, drop-downs, and a sheet of instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = str(SHEET_TITLE)
    ws.append([c.header for c in COLUMNS])
    ws.freeze_panes = "A2"
    yes_no = f'"{_("Yes")},{_("No")}"'
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        cells = f"{letter}2:{letter}{MAX_ROWS + 1}"
        if column.field in TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
        if column.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column.kind == "bool":
            validation = DataValidation(type="list", formula1=yes_no, allow_blank=True)
        elif column.kind == "choice":
            validation = DataValidation(
                type="list", formula1='"' + ",".join(_choice_labels(CHOICES[column.field])) + '"', allow_blank=True
            )
        else:
            continue
        ws.add_data_validation(validation)
        validation.add(cells)
    notes = wb.create_sheet(str(HELP_SHEET_TITLE))
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 90
    notes.append([_("Column"), _("How to fill it in")])
    for column in COLUMNS:
        notes.append([column.header, str(_column_help(column))])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _column_help(column: Column) -> str:
    required = _("Required.") + " " if column.required else ""
    if column.kind == "id":
        text = _("18 digits (or 15 for an old number); format the column as text so Excel keeps every digit.")
    elif column.kind == "date":
        text = _("A date such as 1938-05-01, 1938/5/1, 1938年5月1日 or 1938.5.1.")
    elif column.kind == "bool":
        text = _("是 or 否; empty means 否.")
    elif column.kind == "choice":
        text = _("One of: %(values)s.") % {"values": "、".join(_choice_labels(CHOICES[column.field]))}
    elif column.kind == "rest_home":
        text = _("The name of a rest home of this centre, exactly as registered.")
    elif column.kind == "liaison":
        text = _("The name of a staff member of this centre.")
    else:
        text = ""
    if column.keep_if_empty:
        text += " " + _("Empty keeps the value taken from the ID number or already stored.")
    return (required + text).strip()


# ---------------------------------------------------------------------------------------------------------------
# Reading


def _open_rows(source: IO[bytes]) -> tuple[list[Any], Iterator[tuple]]:
    """Check the file is a sane XLSX and return its header row and an iterator over the rest."""
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    if size > MAX_FILE_BYTES:
        raise FileRefused(
            _("The file is too large (%(size)s MB); at most %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": MAX_FILE_BYTES // 1024 // 1024}
        )
    try:
        with zipfile.ZipFile(source) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise FileRefused(_("The file unpacks to too much data to be a cadre roster."))
            if "[Content_Types].xml" not in archive.namelist():
                raise zipfile.BadZipFile
        source.seek(0)
        workbook = load_workbook(source, read_only=True, data_only=True)
    except FileRefused:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileRefused(
            _("This is not an Excel workbook (.xlsx). Save it as .xlsx (Excel 2007 or later) and upload it again.")
        ) from exc
    title = str(SHEET_TITLE)
    titles = [title, *(alternative for alternative in ("干部名册", "Cadre roster") if alternative != title)]
    sheet = next((workbook[t] for t in titles if t in workbook.sheetnames), None)
    if sheet is None and len(workbook.worksheets) == 1:
        sheet = workbook.worksheets[0]
    if sheet is None:
        raise FileRefused(
            _("The workbook has no sheet named “%(name)s”; use the import template.") % {"name": str(SHEET_TITLE)}
        )
    sheet.reset_dimensions()  # declared dimensions are often wrong: read what is there
    # Text as Excel shows it: a control character, a CR or a literal "_x" is written _xHHHH_ in the file.
    rows = (
        tuple(spreadsheet_text_decode(v) if isinstance(v, str) else v for v in row)
        for row in sheet.iter_rows(values_only=True)
    )
    header = next(rows, None)
    if not header or not any(cell not in (None, "") for cell in header):
        raise FileRefused(_("The first row must hold the column headers of the import template; it is empty."))
    return list(header), rows


def _map_headers(header: list[Any], report: ImportReport) -> dict[int, Column]:
    known: dict[str, Column] = {}
    for column in COLUMNS:
        for name in column.headers_known():
            known[name] = column
    mapping: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(header):
        if cell is None or str(cell).strip() == "":
            continue
        column = known.get(_header_key(str(cell)))
        letter = get_column_letter(index + 1)
        if column is None:
            report.ignored_columns.append(f"{letter}（{str(cell).strip()}）")
            continue
        if column.field in seen:
            report.problems.append(
                Problem(
                    1,
                    letter,
                    column.header,
                    _("This column appears twice (also column %(other)s).")
                    % {"other": get_column_letter(seen[column.field] + 1)},
                )
            )
            continue
        seen[column.field] = index
        mapping[index] = column
    missing = [c.header for c in COLUMNS if c.required and c.field not in seen]
    if missing:
        raise FileRefused(
            _("Required columns are missing from the first row: %(columns)s. Use the import template.")
            % {"columns": "、".join(missing)}
        )
    return mapping


def UNSTORABLE_CELL() -> str:  # noqa: N802 - a message, translated when asked for
    return _("This cell contains characters that cannot be stored (such as a NUL character); delete them.")


def UNREADABLE_WORKBOOK() -> str:  # noqa: N802 - a message, translated when asked for
    return _(
        "The workbook contains characters that cannot be processed (such as a NUL character); "
        "delete them and upload it again."
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and text_is_hostile(value):
        raise ValidationError(UNSTORABLE_CELL())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        raise ValidationError(
            _("Excel holds a number here, not a date; format the cell as a date or write it as 1938-05-01.")
        )
    text = str(value).strip()
    match = DATE_TEXT.match(text) or DATE_DIGITS.match(text)
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a date; write it as 1938-05-01, 1938/5/1, 1938年5月1日 or 1938.5.1.")
            % {"value": text[:30]}
        )
    try:
        day = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValidationError(_("The date %(value)s does not exist.") % {"value": text}) from None
    if day.year < 1880:
        raise ValidationError(_("The date %(value)s is impossible.") % {"value": text})
    return day


def _bool(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError(_("Write 是 or 否 (or leave it empty), not “%(value)s”.") % {"value": text[:30]})


class _Lookups:
    """What rows refer to by name, loaded once per import: choices, rest homes and staff of this centre."""

    def __init__(self) -> None:
        self.choices: dict[str, dict[str, str]] = {}
        for name, choices in CHOICES.items():
            words: dict[str, str] = {}
            for value, label in choices.choices:
                if not value:
                    continue
                words[value.lower()] = value
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        words[str(label).lower()] = value
            words.update(CHOICE_ALIASES[name])
            self.choices[name] = words
        self.rest_homes = {home.name: home for home in RestHome.objects.all()}
        self.staff: dict[str, list[Staff]] = {}
        for person in Staff.objects.filter(active=True):
            self.staff.setdefault(person.name, []).append(person)

    def choice(self, name: str, value: Any) -> str:
        text = _text(value)
        if not text:
            return ""
        found = self.choices[name].get(text.lower())
        if found is None:
            raise ValidationError(
                _("Unknown value “%(value)s”; use one of: %(values)s.")
                % {"value": text[:30], "values": "、".join(_choice_labels(CHOICES[name]))}
            )
        return found

    def rest_home(self, value: Any) -> RestHome | None:
        text = _text(value)
        if not text:
            return None
        if text not in self.rest_homes:
            raise ValidationError(_("There is no rest home named “%(name)s” in this centre.") % {"name": text[:50]})
        return self.rest_homes[text]

    def liaison(self, value: Any) -> Staff | None:
        text = _text(value)
        if not text:
            return None
        found = self.staff.get(text, [])
        if not found:
            raise ValidationError(_("There is no staff member named “%(name)s” in this centre.") % {"name": text[:50]})
        if len(found) > 1:
            raise ValidationError(
                _("Several staff members are named “%(name)s”; the liaison cannot be told apart.") % {"name": text}
            )
        return found[0]


def _cell_value(column: Column, value: Any, lookups: _Lookups) -> Any:
    """A cell turned into the field's value, or ValidationError with what is wrong in words."""
    if column.kind == "id":
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValidationError(
                _(
                    "Excel has turned this ID number into a number, which loses digits; "
                    "format the column as text and type the ID number again."
                )
            )
        return _text(value)
    if column.kind == "date":
        return _date(value)
    if column.kind == "bool":
        return _bool(value)
    if column.kind == "choice":
        return lookups.choice(column.field, value)
    if column.kind == "rest_home":
        return lookups.rest_home(value)
    if column.kind == "liaison":
        return lookups.liaison(value)
    return _text(value)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    id_hash: str = ""
    bad: set[str] = field(default_factory=set)  # fields already reported: not validated again
    cadre: Cadre | None = None
    changed: bool = True


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: [str(m) for e in errors for m in e.messages] for name, errors in error.error_dict.items()}
    return {"id_number": [str(m) for m in error.messages]}


def _problem(report: ImportReport, row: int, name: str, message: str, letters: dict[str, str]) -> None:
    """Attach a problem to the column of its field; a derived field (birth date, gender) to the ID number."""
    if name not in letters:
        name = "id_number" if name in ("birth_date", "gender", "id_hash", "__all__") else name
    column = COLUMN_BY_FIELD.get(name)
    report.problems.append(Problem(row, letters.get(name, ""), column.header if column else "", message))


def _rows_read(
    rows: Iterator[tuple], mapping: dict[int, Column], lookups: _Lookups, report: ImportReport
) -> list[_Row]:
    letters = {column.field: get_column_letter(index + 1) for index, column in mapping.items()}
    read: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if not any(cell is not None and cell != "" for cell in cells):
            continue
        if len(read) >= MAX_ROWS:
            raise FileRefused(
                _("The file has more than %(limit)d rows; split it into smaller files.") % {"limit": MAX_ROWS}
            )
        values: dict[str, Any] = {}
        bad: set[str] = set()
        for index, column in mapping.items():
            value = cells[index] if index < len(cells) else None
            try:
                converted = _cell_value(column, value, lookups)
            except ValidationError as error:
                _problem(report, number, column.field, error.messages[0], letters)
                bad.add(column.field)
                continue
            if column.required and converted in ("", None):
                _problem(report, number, column.field, _("This column is required."), letters)
                bad.add(column.field)
                continue
            if column.keep_if_empty and converted in ("", None):
                continue
            values[column.field] = converted
        row = _Row(number, values, bad=bad)
        if "id_number" in values:
            try:
                parsed = resident_id_parse(values["id_number"])
            except ValidationError as error:
                _problem(report, number, "id_number", error.messages[0], letters)
                values.pop("id_number")
            else:
                values["id_number"] = parsed.number
                row.id_hash = lookup_hash(parsed.number)
                if row.id_hash in first_row_of:
                    _problem(
                        report,
                        number,
                        "id_number",
                        _("The same ID number is already on row %(row)d.") % {"row": first_row_of[row.id_hash]},
                        letters,
                    )
                else:
                    first_row_of[row.id_hash] = number
        read.append(row)
    report.rows = len(read)
    return read


def _existing(hashes: list[str]) -> dict[str, Cadre]:
    found: dict[str, Cadre] = {}
    for start in range(0, len(hashes), 2000):
        for cadre in Cadre.objects.filter(id_hash__in=hashes[start : start + 2000]):
            found[cadre.id_hash] = cadre
    return found


def _row_apply(row: _Row, existing: Cadre | None, letters: dict[str, str], report: ImportReport) -> None:
    """services.cadre_prepare for one row, with lookups already done."""
    fields = row.values
    cadre = existing or Cadre()
    attnames = [Cadre._meta.get_field(name).attname for name in (*fields, "birth_date", "gender")]
    before = {name: getattr(cadre, name) for name in attnames} if existing else None
    try:
        # rest home and liaison were found in this centre's tables already, duplicates by hash too
        cadre_prepare(cadre=cadre, fields=fields, skip_clean=["rest_home", "liaison", *row.bad], check_duplicate=False)
    except ValidationError as error:
        for name, messages in _messages(error).items():
            for message in messages:
                _problem(report, row.number, name, message, letters)
        return
    if row.bad:
        return
    row.cadre = cadre
    if before is not None:
        row.changed = any(getattr(cadre, name) != old for name, old in before.items())


def _check(source: IO[bytes], report: ImportReport) -> list[_Row]:
    header, rows = _open_rows(source)
    mapping = _map_headers(header, report)
    letters = {column.field: get_column_letter(index + 1) for index, column in mapping.items()}
    read = _rows_read(rows, mapping, _Lookups(), report)
    existing = _existing([row.id_hash for row in read if row.id_hash])
    for row in read:
        if not row.id_hash:
            continue
        failed_before = len(report.problems)
        _row_apply(row, existing.get(row.id_hash), letters, report)
        if len(report.problems) > failed_before or row.cadre is None:
            continue
        if row.cadre.pk is None:
            report.created += 1
        elif row.changed:
            report.updated += 1
        else:
            report.unchanged += 1
    report.problems.sort(key=lambda p: (p.row or 0, len(p.column), p.column))  # as the eye reads the sheet
    if not read and not report.problems:
        report.problems.append(Problem(None, "", "", _("The sheet has headers but no cadre rows.")))
    return read


def _write(rows: list[_Row]) -> list[int]:
    new = [row.cadre for row in rows if row.cadre is not None and row.cadre.pk is None]
    changed = [row.cadre for row in rows if row.cadre is not None and row.cadre.pk is not None and row.changed]
    Cadre.objects.bulk_create(new, batch_size=1000)
    if changed:
        now = timezone.now()
        for cadre in changed:
            cadre.updated_at = now
        names = {name for row in rows if row.cadre is not None and row.changed for name in row.values}
        names |= {"birth_date", "gender", "id_hash", "mobile_hash", "name_pinyin", "name_initials", "updated_at"}
        Cadre.objects.bulk_update(changed, sorted(names), batch_size=500)
    return [cadre.pk for cadre in (*new, *changed)]


def cadre_import(*, source: IO[bytes], user, commit: bool = False, channel: str = "admin") -> ImportReport:
    """Check a roster file row by row; with commit=True and no problem at all, write every row in one transaction."""
    report = ImportReport()
    try:
        rows = _check(source, report)
    except FileRefused as refused:
        report.problems = [Problem(None, "", "", str(refused))]
        return report
    except ParseError:  # a character XML cannot carry (NUL, a lone surrogate) in the file itself
        report.problems = [Problem(None, "", "", UNREADABLE_WORKBOOK())]
        return report
    if not commit or report.problems:
        return report
    try:
        with transaction.atomic(), pghistory.context(source="cadre_import", channel=channel):
            ids = _write(rows)
            access_log_record(
                user=user,
                action="import",
                channel=channel,
                model="Cadre",
                record_ids=ids,
                fields=[f for f in PERSONAL_FIELDS["Cadre"] if any(f in row.values for row in rows)],
            )
    except IntegrityError:
        report.problems = [
            Problem(None, "", "", _("Someone registered one of these people at the same time; import again."))
        ]
        return report
    report.committed = True
    return report


def command_user(username: str) -> SimpleNamespace:
    """Who an import from the command line is attributed to in the access log, when no centre login is named."""
    return SimpleNamespace(pk=None, username=username, is_authenticated=False)


# ---------------------------------------------------------------------------------------------------------------
# Export


def cell_neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula is prefixed with a quote and stays text; characters a cell
    cannot hold are escaped as Excel escapes them."""
    if not isinstance(value, str):
        return value
    return spreadsheet_text("'" + value if value.startswith(FORMULA_STARTS) else value)


def _export_headers(user) -> list[str]:
    """The columns' headers; the birth date is the age to whom may not see identity data."""
    identity = can_see_personal(user, IDENTITY)
    return [str(_("age")) if c.field == "birth_date" and not identity else c.header for c in COLUMNS]


def _export_getters(user) -> list:
    """One function per column from a cadre to its cell, with labels and masks looked up once, not per row:
    each personal field masked unless this user may see its kind, the birth date as an age, health conditions
    hidden."""
    yes, no = _("Yes"), _("No")
    today = timezone.localdate()
    getters = []
    for column in COLUMNS:
        name = column.field
        if name in FIELD_MASKS:
            mask = FIELD_MASKS[name]
            getters.append(
                (lambda c, n=name: getattr(c, n) or "")
                if can_see_field(user, name)
                else (lambda c, n=name, m=mask: m(getattr(c, n)))
            )
        elif name == "birth_date" and not can_see_personal(user, IDENTITY):
            getters.append(lambda c: c.age_on(today))
        elif column.kind == "bool" and name in HEALTH_FLAGS and not can_see_field(user, name):
            getters.append(lambda c: "******")
        elif column.kind == "bool":
            getters.append(lambda c, n=name: yes if getattr(c, n) else no)
        elif column.kind == "choice":
            labels = {value: str(label) for value, label in CHOICES[name].choices}
            getters.append(lambda c, n=name, labels=labels: labels.get(getattr(c, n), ""))
        elif column.kind in ("rest_home", "liaison"):
            attname = f"{name}_id"
            getters.append(lambda c, n=name, a=attname: getattr(c, n).name if getattr(c, a) else "")
        else:
            getters.append(lambda c, n=name: getattr(c, n))
    return getters


class CadreExportFilterSet(CadreFilterSet):
    channel = "export"


def cadre_export_queryset(*, user, params) -> CadreFilterSet:
    """The filter of the cadre list, applied to what this user may see (and may search by)."""
    return CadreExportFilterSet(data=params, queryset=cadre_visible_queryset(user=user), user=user)


def cadre_export(*, user, params, out: IO[bytes], channel: str = "export") -> int:
    """Write the filtered cadres this user may see to an XLSX (write-only), masked unless permitted; log it."""
    filterset = cadre_export_queryset(user=user, params=params)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(SHEET_TITLE))
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append(_export_headers(user))
    getters = _export_getters(user)
    ids: list[int] = []
    queryset = filterset.qs.select_related("rest_home", "liaison")
    for cadre in queryset.iterator(chunk_size=2000):
        ids.append(cadre.pk)
        # dates get their date format from openpyxl; any text is neutralised
        sheet.append([cell_neutralise(get(cadre)) for get in getters])
    workbook.save(out)
    access_log_record(
        user=user,
        action="export",
        channel=channel,
        model="Cadre",
        record_ids=ids,
        fields=[name for name in PERSONAL_FIELDS["Cadre"] if can_see_field(user, name)],
    )
    return len(ids)

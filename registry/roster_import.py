"""Cadre rosters read from spreadsheets: a checked import (dry run, then all-or-nothing commit).

The import validates every row the way services.cadre_create / cadre_update do (resident_id_parse, derived birth date,
gender, keyed hash and pinyin keys, full_clean), but writes in bulk: with rest homes, liaisons and existing cadres
loaded once, 10,000 rows need a few queries instead of tens of thousands. Re-importing a person updates them, found
by the keyed hash of the ID number.

Rosters come as people have them: the header row is found below title rows, headers are recognised by their aliases
(roster_columns.HEADER_ALIASES), a column still unrecognised is mapped by the user (the admin's mapping step or the
command's --map) and the mapping is remembered for the centre's next file with the same headers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
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
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from registry.crypto import lookup_hash
from registry.idcard import resident_id_parse
from registry.models import Cadre, RestHome, RosterColumnMapping, Staff
from registry.roster_columns import (
    CHOICE_ALIASES,
    CHOICES,
    COLUMN_BY_FIELD,
    COLUMNS,
    IGNORE,
    SHEET_TITLE,
    Column,
    choice_labels,
    header_key,
    headers_known,
)
from registry.services import PERSONAL_FIELDS, access_log_record, cadre_prepare
from tenants.text import spreadsheet_text_decode, text_is_hostile

MAX_ROWS = 20_000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024  # a zip bomb is refused before openpyxl inflates it
HEADER_SCAN_ROWS = 10  # title rows above the header: the header is looked for in this many rows
SAMPLE_VALUES = 3  # first values shown beside a column to map
SAMPLE_ROWS = 20  # rows read ahead for them
TRUE_WORDS = {"是", "√", "✓", "y", "yes", "true", "1", "有"}
FALSE_WORDS = {"否", "×", "n", "no", "false", "0", "无"}
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$")
MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")  # 出生年月: a month means its first day
DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH_DIGITS = re.compile(r"^(\d{4})(\d{2})$")
EXCEL_SERIAL_MAX = 100_000  # a number up to this in a date column is an Excel serial date (1900 date system)


@dataclass(frozen=True)
class FileColumn:
    """A column of the file as the mapping step shows it: where, its header, its first values and the field it is
    read as ("" when ignored), and why: "alias" (recognised), "chosen" (mapped now), "remembered" or "unknown"."""

    index: int
    letter: str
    header: str
    key: str
    samples: tuple[str, ...]
    field: str
    source: str


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
    columns: list[FileColumn] = field(default_factory=list)  # every named column of the file, as it was read
    header_row: int = 1
    headers_hash: str = ""

    @property
    def columns_to_map(self) -> list[FileColumn]:
        """The columns the user chooses a field for: those not recognised by their header, or mapped before."""
        return [column for column in self.columns if column.source != "alias"]

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


@dataclass
class _Sheet:
    header_row: int  # the header's row number in Excel, 1-based
    header: list[Any]
    following: list[tuple]  # the first rows below the header, for the values shown beside a column
    rows: Iterator[tuple]  # every row below the header


def _names_columns(worksheet) -> bool:
    """Whether one of the sheet's first rows names at least two roster columns."""
    known = headers_known()
    worksheet.reset_dimensions()
    for row in worksheet.iter_rows(values_only=True, max_row=HEADER_SCAN_ROWS):
        if sum(1 for cell in row if isinstance(cell, str) and header_key(cell) in known) >= 2:
            return True
    return False


def _open_rows(source: IO[bytes]) -> Iterator[tuple]:
    """Check the file is a sane XLSX and return an iterator over the rows of its roster sheet, text decoded."""
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
    if sheet is None:  # a workbook of another system: the first sheet whose first rows name roster columns
        sheet = next((ws for ws in workbook.worksheets if _names_columns(ws)), None)
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
    return rows


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


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def _sheet_find(rows: Iterator[tuple], chosen: dict[str, str]) -> _Sheet:
    """The header row: of the first rows, the one naming the most known columns, so title rows above it (a merged
    "花名册" title, a date line) are passed over; with no header known, the first row of two or more cells."""
    known = headers_known()
    scanned = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    best, best_score = None, 0
    for index, row in enumerate(scanned):
        score = sum(1 for cell in row if _filled(cell) and (header_key(cell) in known or header_key(cell) in chosen))
        if score > best_score:
            best, best_score = index, score
    if best is None:
        best = next((i for i, row in enumerate(scanned) if sum(1 for cell in row if _filled(cell)) >= 2), None)
    if best is None:
        raise FileRefused(_("The first row must hold the column headers of the import template; it is empty."))
    following = scanned[best + 1 :]
    following.extend(itertools.islice(rows, max(0, SAMPLE_ROWS - len(following))))
    return _Sheet(best + 1, list(scanned[best]), following, itertools.chain(following, rows))


def _headers_hash(header: list[Any]) -> str:
    """What identifies a roster's layout: its normalised headers in order."""
    return hashlib.sha256("\x1f".join(header_key(cell) for cell in header if _filled(cell)).encode()).hexdigest()


def roster_mapping_remembered(*, headers_hash: str) -> dict[str, str]:
    """The mapping chosen for the last file of this centre with these headers."""
    found = RosterColumnMapping.objects.filter(headers_hash=headers_hash).first()
    return dict(found.mapping) if found else {}


def roster_mapping_remember(*, header: list[Any], mapping: dict[str, str]) -> None:
    """Remember how this centre maps the columns of a roster with these headers."""
    RosterColumnMapping.objects.update_or_create(
        headers_hash=_headers_hash(header),
        defaults={"headers": [str(cell).strip() for cell in header if _filled(cell)], "mapping": mapping},
    )


def _samples(sheet: _Sheet, index: int) -> tuple[str, ...]:
    values = []
    for row in sheet.following:
        if index < len(row) and _filled(row[index]):
            value = row[index]
            if isinstance(value, dt.datetime):
                value = value.date()
            values.append(str(value).strip()[:40])
    return tuple(values[:SAMPLE_VALUES])


def _map_headers(
    sheet: _Sheet, report: ImportReport, chosen: dict[str, str], remembered: dict[str, str]
) -> dict[int, Column]:
    """Each file column to the field it is read as: chosen now, remembered, or recognised by its header."""
    known = headers_known()
    mapping: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(sheet.header):
        if not _filled(cell):
            continue  # an empty column between others
        key, text, letter = header_key(cell), str(cell).strip(), get_column_letter(index + 1)
        if key in chosen:
            name, source = chosen[key], "chosen"
        elif key in remembered and (remembered[key] == IGNORE or remembered[key] in COLUMN_BY_FIELD):
            name, source = remembered[key], "remembered"
        elif key in known:
            name, source = known[key].field, "alias"
        else:
            name, source = IGNORE, "unknown"
        report.columns.append(FileColumn(index, letter, text, key, _samples(sheet, index), name, source))
        if name == IGNORE:
            report.ignored_columns.append(f"{letter}（{text}）")
            continue
        column = COLUMN_BY_FIELD[name]
        if column.field in seen:
            report.problems.append(
                Problem(
                    sheet.header_row,
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
            _(
                "Required columns are missing from the header row (row %(row)d): %(columns)s. Name them as in the "
                "import template, or say which column of the file holds each."
            )
            % {"row": sheet.header_row, "columns": "、".join(missing)}
        )
    return mapping


class _Month(dt.date):
    """A date written as a year and month only (出生年月): the first of the month, known to the month."""


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _date_number(value)
    text = str(value).strip()
    match = DATE_TEXT.match(text) or DATE_DIGITS.match(text)
    month = None if match else (MONTH_TEXT.match(text) or MONTH_DIGITS.match(text))
    if not match and not month:
        raise ValidationError(
            _("“%(value)s” is not a date; write it as 1938-05-01, 1938/5/1, 1938年5月1日 or 1938.5.1.")
            % {"value": text[:30]}
        )
    try:
        if month:
            day: dt.date = _Month(int(month.group(1)), int(month.group(2)), 1)
        else:
            day = dt.date(*(int(part) for part in match.groups()))  # type: ignore[union-attr]
    except ValueError:
        raise ValidationError(_("The date %(value)s does not exist.") % {"value": text}) from None
    if day.year < 1880:
        raise ValidationError(_("The date %(value)s is impossible.") % {"value": text})
    return day


def _date_number(value: int | float) -> dt.date:
    """A number in a date column: 19400501 or 194005 typed as digits, or an Excel serial date (a date cell whose
    format was lost)."""
    if float(value).is_integer():
        digits = str(int(value))
        if DATE_DIGITS.match(digits) or MONTH_DIGITS.match(digits):
            return _date(digits)  # type: ignore[return-value]
    if 0 < value <= EXCEL_SERIAL_MAX:
        return from_excel(value).date()
    raise ValidationError(
        _("Excel holds a number here, not a date; format the cell as a date or write it as 1938-05-01.")
    )


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
                % {"value": text[:30], "values": "、".join(choice_labels(CHOICES[name]))}
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


def _rows_read(sheet: _Sheet, mapping: dict[int, Column], lookups: _Lookups, report: ImportReport) -> list[_Row]:
    letters = {column.field: get_column_letter(index + 1) for index, column in mapping.items()}
    read: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(sheet.rows, start=sheet.header_row + 1):
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
                born = values.get("birth_date")
                if isinstance(born, _Month) and (born.year, born.month) == (
                    parsed.birth_date.year,
                    parsed.birth_date.month,
                ):
                    values.pop("birth_date")  # the month agrees: the day comes from the ID number
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
        if isinstance(values.get("birth_date"), _Month):
            born = values["birth_date"]
            values["birth_date"] = dt.date(born.year, born.month, born.day)
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


def _check(source: IO[bytes], report: ImportReport, chosen: dict[str, str], remember: bool) -> list[_Row]:
    sheet = _sheet_find(_open_rows(source), chosen)
    report.header_row = sheet.header_row
    report.headers_hash = _headers_hash(sheet.header)
    remembered = roster_mapping_remembered(headers_hash=report.headers_hash)
    mapping = _map_headers(sheet, report, chosen, remembered)
    if remember and chosen:
        roster_mapping_remember(header=sheet.header, mapping={**remembered, **chosen})
    letters = {column.field: get_column_letter(index + 1) for index, column in mapping.items()}
    read = _rows_read(sheet, mapping, _Lookups(), report)
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


def cadre_import(
    *,
    source: IO[bytes],
    user,
    commit: bool = False,
    channel: str = "admin",
    mapping: dict[str, str] | None = None,
    remember: bool = False,
) -> ImportReport:
    """Check a roster file row by row; with commit=True and no problem at all, write every row in one transaction.

    `mapping` maps a file's header (as written or normalised) to a field name, or "" to ignore the column; it wins
    over the aliases and over the mapping remembered for these headers. With remember=True it is remembered.
    """
    report = ImportReport()
    chosen = {
        header_key(header): name
        for header, name in (mapping or {}).items()
        if header_key(header) and (name == IGNORE or name in COLUMN_BY_FIELD)
    }
    try:
        rows = _check(source, report, chosen, remember)
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


def roster_header_read(*, source: IO[bytes]) -> dict[int, str]:
    """The header row of a roster file, found as the import finds it: column index to header text."""
    try:
        sheet = _sheet_find(_open_rows(source), {})
    except (FileRefused, ParseError):
        return {}
    return {index: str(cell).strip() for index, cell in enumerate(sheet.header) if _filled(cell)}

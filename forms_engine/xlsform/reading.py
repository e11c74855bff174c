"""Reading an XLSForm workbook and importing it as a new form, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from forms_engine import expressions
from forms_engine.fields import LIKERT_DEFAULT
from forms_engine.models import FormDefinition
from forms_engine.personal import ALWAYS_PERSONAL, NOT_MARKABLE, TYPE_DEFAULTS
from forms_engine.services import NAME, form_create, form_field_add, form_schema_build
from forms_engine.xlsform.layout import (
    APPEARANCE_TYPES,
    CHINESE,
    DRAWING_APPEARANCES,
    EMPTY_RUN,
    FALSE_WORDS,
    HEADER_ALIASES,
    MAX_CHOICE_ROWS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_SURVEY_ROWS,
    MAX_UNPACKED_BYTES,
    METADATA,
    NOT_PERSONAL_WORDS,
    PERSONAL_WORDS,
    PLAIN_TYPES,
    SURVEY_COLUMNS,
    TRANSLATED,
    TRUE_WORDS,
    _unsupported_column,
)
from registry.spreadsheets import FORMULA_STARTS, UNREADABLE_WORKBOOK, UNSTORABLE_CELL
from tenants.text import spreadsheet_text_decode, text_is_hostile

# ---------------------------------------------------------------------------------------------------------------
# Reading the workbook


@dataclass
class Sheet:
    title: str
    headers: dict[int, str] = field(default_factory=dict)  # column index → normalised header (base::language)
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, {header: value})
    written: dict[str, str] = field(default_factory=dict)  # normalised header → as written in the sheet

    def where(self, row: int, column: str) -> str:
        return _("Sheet “%(sheet)s”, row %(row)d, column “%(column)s”") % {
            "sheet": self.title,
            "row": row,
            "column": self.written.get(column, column),
        }


@dataclass
class Book:
    survey: Sheet
    choices: Sheet | None
    settings: Sheet | None
    rows_read: int = 0
    warnings: list[str] = field(default_factory=list)


def _header(value: Any) -> str:
    parts = str(value).split("::")
    base = parts[0].strip().lower().replace(" ", "_")
    base = HEADER_ALIASES.get(base, base)
    language = "::".join(part.strip() for part in parts[1:]).lower()
    return f"{base}::{language}" if language else base


def _sheet_read(worksheet, limit: int, errors: list[str], book: Book) -> Sheet:
    """Read a sheet's header and non-empty rows; stop after a long run of empty rows, refuse more than `limit`."""
    sheet = Sheet(title=worksheet.title)
    worksheet.reset_dimensions()  # the declared size is often wrong (a million rows): read what is there
    empty_run = 0
    for number, values in enumerate(worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
        book.rows_read += 1
        # Text as Excel shows it: a control character, a CR or a literal "_x" is written _xHHHH_ in the file.
        values = tuple(spreadsheet_text_decode(v) if isinstance(v, str) else v for v in values)
        if number == 1:
            for index, value in enumerate(values):
                if value is None or str(value).strip() == "":
                    continue
                name = _header(value)
                if name in sheet.headers.values():
                    errors.append(
                        _("Sheet “%(sheet)s”: the column “%(column)s” appears twice (column %(letter)s).")
                        % {"sheet": sheet.title, "column": str(value).strip(), "letter": get_column_letter(index + 1)}
                    )
                sheet.headers[index] = name
                sheet.written.setdefault(name, str(value).strip())
            continue
        for index, value in enumerate(values):
            if isinstance(value, str) and text_is_hostile(value):
                errors.append(
                    _("%(where)s: %(problem)s")
                    % {
                        "where": sheet.where(number, sheet.headers.get(index, get_column_letter(index + 1))),
                        "problem": UNSTORABLE_CELL(),
                    }
                )
                values = tuple(None if v is value else v for v in values)
        row = {
            sheet.headers[index]: value
            for index, value in enumerate(values)
            if index in sheet.headers and _text(value) != ""
        }
        if not row:
            empty_run += 1
            if empty_run >= EMPTY_RUN:
                break
            continue
        empty_run = 0
        if len(sheet.rows) >= limit:
            errors.append(_("Sheet “%(sheet)s” has more than %(limit)d rows.") % {"sheet": sheet.title, "limit": limit})
            break
        sheet.rows.append((number, row))
    return sheet


def workbook_read(source: IO[bytes]) -> Book:
    """Open an XLSForm workbook safely; raises ValidationError with every problem found in its layout."""
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s MB); at most %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": MAX_FILE_BYTES // 1024 // 1024}
        )
    not_xlsx = _("This is not an Excel workbook (.xlsx). Save it as .xlsx (Excel 2007 or later) and upload it again.")
    try:
        with zipfile.ZipFile(source) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ValidationError(_("The file unpacks to too much data to be a form definition."))
            if "[Content_Types].xml" not in archive.namelist():
                raise zipfile.BadZipFile
        source.seek(0)
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise ValidationError(not_xlsx) from exc
    sheets = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
    if "survey" not in sheets:
        raise ValidationError(_("The workbook has no “survey” sheet: it is not an XLSForm."))
    errors: list[str] = []
    book = Book(survey=Sheet(title=sheets["survey"].title), choices=None, settings=None)
    try:
        book.survey = _sheet_read(sheets["survey"], MAX_SURVEY_ROWS, errors, book)
        if "choices" in sheets:
            book.choices = _sheet_read(sheets["choices"], MAX_CHOICE_ROWS, errors, book)
        if "settings" in sheets:
            book.settings = _sheet_read(sheets["settings"], 10, errors, book)
    except ParseError as exc:  # a character XML cannot carry (NUL, a lone surrogate) in the file itself
        workbook.close()
        raise ValidationError(UNREADABLE_WORKBOOK()) from exc
    for name, worksheet in sheets.items():
        if name not in ("survey", "choices", "settings"):
            book.warnings.append(_("The sheet “%(sheet)s” is ignored.") % {"sheet": worksheet.title})
    workbook.close()
    if errors:
        raise ValidationError(errors)
    return book


def _text(value: Any) -> str:
    """A cell as the text it shows; a quote put before a formula-like text by our export is taken off."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return text


# ---------------------------------------------------------------------------------------------------------------
# Import


class _Languages:
    """Which translation of a column to read: a Chinese one first, then the columns in the order of the sheet."""

    def __init__(self, headers: list[str]):
        self.order: dict[str, list[str]] = {}
        for header in headers:
            base = header.split("::", 1)[0]
            self.order.setdefault(base, []).append(header)
        for columns in self.order.values():
            columns.sort(key=lambda h: 0 if "::" in h and CHINESE.search(h.split("::", 1)[1]) else 1)

    def value(self, row: dict[str, Any], base: str) -> str:
        for header in self.order.get(base, []):
            text = _text(row.get(header))
            if text:
                return text
        return ""


@dataclass
class _Frame:
    kind: str  # "group" or "repeat"
    name: str
    row: int
    relevant: str  # what the children inherit


def _and(*texts: str) -> str:
    parts = [t for t in texts if t]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    return " and ".join(f"({t})" for t in parts)


class _Importer:
    def __init__(self, book: Book):
        self.book = book
        self.problems: list[tuple[int, int, str]] = []  # (sheet rank, row, message): reported in sheet order
        self.warnings: list[str] = list(book.warnings)
        self.fields: list[tuple[int, dict[str, Any]]] = []
        self.names: dict[str, int] = {}
        self.survey = book.survey
        self.languages = _Languages(list(book.survey.headers.values()))
        self.lists = self._choices()

    def problem(self, row: int, column: str, message: str, sheet: Sheet | None = None) -> None:
        where = (sheet or self.survey).where(row, column)
        rank = 0 if sheet is None else 1
        self.problems.append((rank, row, _("%(where)s: %(problem)s") % {"where": where, "problem": message}))

    @property
    def errors(self) -> list[str]:
        return [message for _rank, _row, message in sorted(self.problems, key=lambda p: (p[0], p[1]))]

    # -- choices

    def _choices(self) -> dict[str, list[dict]]:
        sheet = self.book.choices
        lists: dict[str, list[dict]] = {}
        if sheet is None:
            return lists
        languages = _Languages(list(sheet.headers.values()))
        for header in dict.fromkeys(sheet.headers.values()):
            base = header.split("::", 1)[0]
            rows = [number for number, row in sheet.rows if header in row]
            if base in ("image", "big-image", "audio", "video", "media") and rows:
                feature = _unsupported_column(base)
                self.problem(rows[0], header, _("not supported: %(feature)s.") % {"feature": feature}, sheet)
        seen: dict[tuple[str, str], int] = {}
        for number, row in sheet.rows:
            list_name, value = _text(row.get("list_name")), _text(row.get("name"))
            if not list_name:
                continue
            if not value:
                self.problem(number, "name", _("a choice needs a name (its stored value)."), sheet)
                continue
            if (list_name, value) in seen:
                self.problem(
                    number,
                    "name",
                    _("the choice “%(value)s” is already in the list “%(list)s” (row %(first)d).")
                    % {"value": value, "list": list_name, "first": seen[(list_name, value)]},
                    sheet,
                )
                continue
            seen[(list_name, value)] = number
            lists.setdefault(list_name, []).append({"value": value, "label": languages.value(row, "label") or value})
        return lists

    # -- survey

    def run(self) -> None:
        self._columns()
        stack: list[_Frame] = []
        for number, row in self.survey.rows:
            self._row(number, row, stack)
        for frame in reversed(stack):
            self.problem(
                frame.row,
                "type",
                _("“begin %(kind)s” %(name)s has no matching “end %(kind)s”.")
                % {"kind": frame.kind, "name": frame.name},
            )
        if not self.fields and not self.problems:
            self.problems.append((2, 0, _("The survey sheet has no questions.")))

    def _columns(self) -> None:
        """Every column we cannot honour that holds a value is an error, named at its first row."""
        for header in dict.fromkeys(self.survey.headers.values()):
            base = header.split("::", 1)[0]
            if base in SURVEY_COLUMNS and ("::" not in header or base in TRANSLATED):
                continue
            rows = [number for number, row in self.survey.rows if header in row]
            if not rows:
                continue
            if base in ("rows", "guidance_hint", "autoplay"):
                self.warnings.append(
                    _("The column “%(column)s” is ignored.") % {"column": self.survey.written.get(header, header)}
                )
                continue
            more = _(" (and %(n)d more rows)") % {"n": len(rows) - 1} if len(rows) > 1 else ""
            self.problem(
                rows[0],
                header,
                _("not supported: %(feature)s%(more)s.")
                % {"feature": _unsupported_column(base, self.survey.written.get(header, "")), "more": more},
            )

    def _expression(self, number: int, column: str, text: str) -> str:
        if not text:
            return ""
        try:
            expressions.parse(text)
        except expressions.ExpressionError as exc:
            self.problem(
                number,
                column,
                _("the expression “%(text)s” is not supported: %(error)s") % {"text": text, "error": exc},
            )
            return ""
        return text

    def _name(self, number: int, name: str) -> bool:
        if not name:
            self.problem(number, "name", _("a question needs a name."))
            return False
        if not NAME.fullmatch(name) or not name[0].isalpha():
            self.problem(
                number,
                "name",
                _("“%(name)s” is not a valid machine name: use letters, digits and _, starting with a letter.")
                % {"name": name},
            )
            return False
        if name in self.names:
            self.problem(
                number,
                "name",
                _("the name “%(name)s” is already used in row %(first)d.") % {"name": name, "first": self.names[name]},
            )
            return False
        self.names[name] = number
        return True

    def _row(self, number: int, row: dict[str, Any], stack: list[_Frame]) -> None:  # noqa: C901 - one branch per type
        type_text = " ".join(_text(row.get("type")).split())
        name = _text(row.get("name"))
        if not type_text:
            if any(k != "name" for k in row) or name:
                self.problem(number, "type", _("the row has no type."))
            return
        words = (
            type_text.replace("_", " ", 1).split()
            if type_text.lower().startswith(("begin_", "end_"))
            else (type_text.split())
        )
        kind = words[0].lower()
        repeat = next((f for f in reversed(stack) if f.kind == "repeat"), None)
        inherited = stack[-1].relevant if stack else ""
        relevant = self._expression(number, "relevant", _text(row.get("relevant")))
        label = self.languages.value(row, "label")
        if kind in ("begin", "end") and len(words) == 2 and words[1].lower() in ("group", "repeat"):
            self._structure(number, kind, words[1].lower(), name, label, relevant, row, stack)
            return
        if kind in METADATA:
            self.warnings.append(
                _("Row %(row)d: the metadata question “%(type)s” is skipped.") % {"row": number, "type": type_text}
            )
            return
        attrs: dict[str, Any] = {}
        choice_list = ""
        appearance = _text(row.get("appearance")).split()
        lowered = [word.lower() for word in appearance]
        if kind in ("select_one", "select_multiple"):
            if len(words) > 2 and words[2].lower() == "or_other":
                self.problem(
                    number, "type", _("“or_other” is not supported: add an “other” choice and a text question.")
                )
                return
            if len(words) != 2:
                self.problem(number, "type", _("write the type as “%(kind)s list_name”.") % {"kind": kind})
                return
            choice_list = words[1]
            field_type = "choice" if kind == "select_one" else "multichoice"
            if kind == "select_one" and "yesno" in lowered:
                field_type = "yesno"
            elif kind == "select_one" and "likert" in lowered:
                field_type = "likert"
        elif kind == "range":
            field_type = self._range(number, row, attrs)
            if not field_type:
                return
        elif kind in PLAIN_TYPES and len(words) == 1:
            field_type = PLAIN_TYPES[kind]
            if kind == "image":
                attrs["options"] = {"accept": ["image/*"]}
            if field_type == "text":
                field_type = next((APPEARANCE_TYPES[a] for a in lowered if a in APPEARANCE_TYPES), "text")
        else:
            self.problem(number, "type", _("the question type “%(type)s” is not supported.") % {"type": type_text})
            return
        self._appearance(number, appearance, field_type)
        if not self._name(number, name):
            return
        if choice_list and field_type != "yesno":
            if choice_list not in self.lists:
                self.problem(
                    number,
                    "type",
                    _("the choice list “%(list)s” is not on the choices sheet.") % {"list": choice_list},
                )
                return
            attrs["choices"] = self.lists[choice_list]
            if field_type == "likert" and attrs["choices"] == [
                {"value": c["value"], "label": str(c["label"])} for c in LIKERT_DEFAULT
            ]:
                attrs["choices"] = []
        required_text = _text(row.get("required"))
        if required_text.lower() in TRUE_WORDS:
            attrs["required"] = True
        elif required_text.lower() not in FALSE_WORDS:
            attrs["required_if"] = self._expression(number, "required", required_text)
        attrs["relevant"] = _and(inherited, relevant)
        attrs["constraint"] = self._expression(number, "constraint", _text(row.get("constraint")))
        attrs["constraint_message"] = self.languages.value(row, "constraint_message")
        attrs["calculation"] = self._expression(number, "calculation", _text(row.get("calculation")))
        if field_type == "calculated" and not attrs["calculation"] and not _text(row.get("calculation")):
            self.problem(number, "calculation", _("a calculate question needs a calculation."))
        attrs["default"] = _text(row.get("default"))
        attrs["help_text"] = self.languages.value(row, "hint")
        self._extras(number, row, attrs, kind)
        self._personal(number, row, attrs, field_type)
        if repeat is not None:
            attrs["group"] = repeat.name
        if not label:
            label = name
            if field_type not in ("calculated", "hidden", "note"):
                self.warnings.append(_("Row %(row)d: no label; the name is used.") % {"row": number})
        self.fields.append((number, {"name": name, "field_type": field_type, "label": label, **attrs}))

    def _structure(self, number, kind, what, name, label, relevant, row, stack) -> None:
        if kind == "end":
            if not stack or stack[-1].kind != what:
                self.problem(number, "type", _("“end %(kind)s” without a matching “begin %(kind)s”.") % {"kind": what})
                return
            stack.pop()
            return
        inherited = stack[-1].relevant if stack else ""
        if what == "group":
            frame = _Frame("group", name, number, _and(inherited, relevant))
            if label and self._name(number, name):  # a labelled group becomes a heading
                self.fields.append(
                    (
                        number,
                        {
                            "name": name,
                            "field_type": "note",
                            "label": label,
                            "relevant": frame.relevant,
                            "help_text": self.languages.value(row, "hint"),
                            **self._group_of(stack),
                        },
                    )
                )
            stack.append(frame)
            return
        if any(f.kind == "repeat" for f in stack):
            self.problem(number, "type", _("a repeat inside a repeat is not supported."))
        elif self._name(number, name):
            attrs = {"relevant": _and(inherited, relevant), "help_text": self.languages.value(row, "hint")}
            self._extras(number, row, attrs, "repeat")
            self.fields.append((number, {"name": name, "field_type": "repeat", "label": label or name, **attrs}))
        stack.append(_Frame("repeat", name, number, ""))

    @staticmethod
    def _group_of(stack: list[_Frame]) -> dict[str, str]:
        repeat = next((f for f in reversed(stack) if f.kind == "repeat"), None)
        return {"group": repeat.name} if repeat else {}

    def _appearance(self, number: int, appearance: list[str], field_type: str) -> None:
        for word in appearance:
            if word.lower().startswith(("search(", "ex:")):
                self.problem(
                    number, "appearance", _("the appearance “%(appearance)s” is not supported.") % {"appearance": word}
                )
            elif word.lower() in DRAWING_APPEARANCES:
                self.warnings.append(
                    _("Row %(row)d: the appearance “%(appearance)s” is ignored.") % {"row": number, "appearance": word}
                )
            elif not (
                word.lower() in APPEARANCE_TYPES
                and field_type == APPEARANCE_TYPES[word.lower()]
                or word.lower() == field_type
                and field_type in ("yesno", "likert")
            ):
                self.problem(
                    number, "appearance", _("the appearance “%(appearance)s” is not supported.") % {"appearance": word}
                )

    def _range(self, number: int, row: dict[str, Any], attrs: dict[str, Any]) -> str:
        params = dict(part.split("=", 1) for part in _text(row.get("parameters")).split() if "=" in part)
        try:
            start, end, step = (Decimal(params.get(k, d)) for k, d in (("start", "1"), ("end", "10"), ("step", "1")))
        except InvalidOperation:
            start = end = step = Decimal("NaN")
        if (start, end, step) == (1, 5, 1):
            return "rating"
        if step == 1 and start == start.to_integral_value() and end == end.to_integral_value() and start < end:
            attrs["min_value"], attrs["max_value"] = start, end
            return "integer"
        self.problem(number, "parameters", _("only whole-number ranges with step 1 are supported."))
        return ""

    def _personal(self, number: int, row: dict[str, Any], attrs: dict[str, Any], field_type: str) -> None:
        """The personal column: the kind of personal data (identity, contact, health; 身份, 联系, 健康), or no."""
        text = _text(row.get("personal")).strip().lower()
        if not text:
            return
        if text in PERSONAL_WORDS:
            kind = PERSONAL_WORDS[text]
        elif text in ("yes", "true", "1", "是") and field_type in TYPE_DEFAULTS:
            kind = TYPE_DEFAULTS[field_type]
        elif text in NOT_PERSONAL_WORDS and field_type not in ALWAYS_PERSONAL:
            kind = ""
        elif text in NOT_PERSONAL_WORDS:
            self.problem(number, "personal", _("a resident ID number is always personal data."))
            return
        else:
            self.problem(number, "personal", _("write identity, contact or health (身份, 联系, 健康), or no."))
            return
        if kind and field_type in NOT_MARKABLE:
            self.problem(number, "personal", _("this type of question holds no personal answer of its own."))
            return
        attrs["options"] = {**attrs.get("options", {}), "personal": kind}

    def _extras(self, number: int, row: dict[str, Any], attrs: dict[str, Any], kind: str) -> None:
        """Our own columns: min, max, min_length, max_length, pattern, options (JSON)."""
        for column, attr in (("min", "min_value"), ("max", "max_value")):
            text = _text(row.get(column))
            if text:
                try:
                    attrs[attr] = Decimal(text)
                except InvalidOperation:
                    self.problem(number, column, _("must be a number."))
        for column in ("min_length", "max_length"):
            text = _text(row.get(column))
            if text:
                if text.isdigit():
                    attrs[column] = int(text)
                else:
                    self.problem(number, column, _("must be a whole number."))
        if _text(row.get("pattern")):
            attrs["pattern"] = _text(row.get("pattern"))
        text = _text(row.get("options"))
        if text:
            try:
                options = json.loads(text)
            except ValueError:
                options = None
            if not isinstance(options, dict):
                self.problem(number, "options", _("must be a JSON object."))
            else:
                attrs["options"] = {**attrs.get("options", {}), **options}
        params = _text(row.get("parameters"))
        if params and kind != "range":
            for part in params.split():
                if part.startswith("max-pixels="):
                    self.warnings.append(
                        _("Row %(row)d: “%(parameter)s” is ignored.") % {"row": number, "parameter": part}
                    )
                else:
                    self.problem(
                        number, "parameters", _("the parameter “%(parameter)s” is not supported.") % {"parameter": part}
                    )


def _settings(book: Book) -> dict[str, str]:
    if book.settings is None or not book.settings.rows:
        return {}
    return {key: _text(value) for key, value in book.settings.rows[0][1].items()}


def _key(key: str | None, settings: dict[str, str], title: str) -> str:
    if key:
        if not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", key):
            raise ValidationError(_("The key “%(key)s” may only use letters, digits, - and _.") % {"key": key})
        if FormDefinition.objects.filter(key=key).exists():
            raise ValidationError(_("A form with the key “%(key)s” already exists.") % {"key": key})
        return key
    base = (slugify(settings.get("form_id", "")) or slugify(title) or "imported-form")[:70]
    candidate, n = base, 1
    while FormDefinition.objects.filter(key=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def definition_import(*, source: IO[bytes], key: str | None = None, title: str | None = None) -> FormDefinition:
    """Create a new draft form from an XLSForm, all or nothing; raises ValidationError with every reason in Chinese.

    The draft is created only when it would publish. `form.import_warnings` lists what was skipped on purpose.
    """
    book = workbook_read(source)
    importer = _Importer(book)
    importer.run()
    if importer.errors:
        raise ValidationError(importer.errors)
    settings = _settings(book)
    purposes = set(FormDefinition.Purpose.values)
    title = (title or settings.get("form_title") or settings.get("form_id") or _("Form imported from a spreadsheet"))[
        :200
    ]
    purpose = settings.get("purpose") if settings.get("purpose") in purposes else "other"
    with transaction.atomic():
        form = form_create(
            title=title, key=_key(key, settings, title), purpose=purpose, description=settings.get("description", "")
        )
        errors: list[str] = []
        for number, attrs in importer.fields:
            try:
                form_field_add(form=form, **attrs)
            except ValidationError as exc:
                for message in exc.messages:
                    errors.append(
                        _("Row %(row)d (%(name)s): %(problem)s")
                        % {"row": number, "name": attrs["name"], "problem": message}
                    )
        if not errors:
            try:
                form_schema_build(fields=list(form.fields.all()))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)  # leaving the atomic block by an exception undoes the form
    form.import_warnings = importer.warnings  # type: ignore[attr-defined]
    return form

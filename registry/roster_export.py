"""Cadre rosters written as spreadsheets: the import template (headers, drop-downs, instructions) and the masked
export of the cadre list."""

from __future__ import annotations

import io
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from registry.filters import CadreFilterSet
from registry.roster_columns import CHOICES, COLUMNS, HELP_SHEET_TITLE, SHEET_TITLE, TEXT_COLUMNS, Column, choice_labels
from registry.roster_import import MAX_ROWS
from registry.selectors import (
    FIELD_MASKS,
    HEALTH_FLAGS,
    IDENTITY,
    cadre_visible_queryset,
    can_see_field,
    can_see_personal,
)
from registry.services import PERSONAL_FIELDS, access_log_record
from tenants.text import spreadsheet_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# ---------------------------------------------------------------------------------------------------------------
# Template


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
                type="list", formula1='"' + ",".join(choice_labels(CHOICES[column.field])) + '"', allow_blank=True
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
        text = _("One of: %(values)s.") % {"values": "、".join(choice_labels(CHOICES[column.field]))}
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

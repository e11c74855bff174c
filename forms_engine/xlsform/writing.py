"""Writing a form definition (its draft or a published version) as an XLSForm workbook."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from forms_engine.fields import LIKERT_DEFAULT
from forms_engine.models import FormDefinition, FormVersion
from forms_engine.xlsform.layout import (
    SURVEY_COLUMNS,
    YES_NO,
)
from registry.spreadsheets import cell_neutralise

# ---------------------------------------------------------------------------------------------------------------
# Export


def _draft_specs(form: FormDefinition) -> list[dict]:
    """The draft's rows as version-like specs, repeat children nested."""
    rows = sorted(form.fields.all(), key=lambda f: (f.sort_order, f.pk))
    children: dict[str, list[dict]] = {}
    top: list[dict] = []
    for row in rows:
        spec = {
            "name": row.name,
            "type": row.field_type,
            "label": row.label,
            "help_text": row.help_text,
            "required": row.required,
            "default": row.default,
            "min": row.min_value,
            "max": row.max_value,
            "min_length": row.min_length,
            "max_length": row.max_length,
            "pattern": row.pattern,
            "choices": row.choices or [],
            "options": row.options or {},
            "constraint_message": row.constraint_message,
            **{attr: getattr(row, attr) for attr in ("relevant", "required_if", "constraint", "calculation")},
        }
        if row.field_type == "repeat":
            spec["children"] = children.setdefault(row.name, [])
        (children.setdefault(row.group, []) if row.group else top).append(spec)
    return top


def _expression_text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def _number_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    return format(number, "f")


def _survey_row(spec: dict, lists: dict[str, list[dict]]) -> list[dict]:
    kind = spec["type"]
    appearance, parameters = "", ""
    options = dict(spec.get("options") or {})
    xls_type = {
        "text": "text",
        "textarea": "text",
        "integer": "integer",
        "decimal": "decimal",
        "date": "date",
        "time": "time",
        "datetime": "dateTime",
        "note": "note",
        "calculated": "calculate",
        "hidden": "hidden",
        "cadre": "cadre",
        "staff": "staff",
        "phone": "text",
        "id_number": "text",
        "rating": "range",
        "file": "file",
    }.get(kind, "")
    if kind == "textarea":
        appearance = "multiline"
    elif kind in ("phone", "id_number"):
        appearance = kind
    elif kind == "rating":
        parameters = "start=1 end=5 step=1"
    elif kind == "file" and options.get("accept") and all(str(a).startswith("image/") for a in options["accept"]):
        xls_type = "image"
        if options["accept"] == ["image/*"]:
            options.pop("accept")
    elif kind in ("choice", "multichoice", "likert", "yesno"):
        choices = [{"value": str(c["value"]), "label": str(c["label"])} for c in spec.get("choices") or []]
        if kind == "yesno":
            list_name, choices, appearance = "yes_no", YES_NO, "yesno"
        elif kind == "likert" and not choices:
            list_name, choices, appearance = (
                "likert",
                [dict(c, label=str(c["label"])) for c in LIKERT_DEFAULT],
                "likert",
            )
        else:
            list_name = spec["name"]
            appearance = "likert" if kind == "likert" else ""
        lists.setdefault(list_name, choices)
        xls_type = f"{'select_multiple' if kind == 'multichoice' else 'select_one'} {list_name}"
    required = "yes" if spec.get("required") else _expression_text(spec.get("required_if"))
    personal = options.pop("personal", None)
    row = {
        "type": xls_type,
        "name": spec["name"],
        "label": spec.get("label", ""),
        "hint": spec.get("help_text", ""),
        "required": required,
        "relevant": _expression_text(spec.get("relevant")),
        "constraint": _expression_text(spec.get("constraint")),
        "constraint_message": spec.get("constraint_message", ""),
        "calculation": _expression_text(spec.get("calculation")),
        "default": spec.get("default", ""),
        "appearance": appearance,
        "parameters": parameters,
        "min": _number_text(spec.get("min")),
        "max": _number_text(spec.get("max")),
        "min_length": spec.get("min_length") or "",
        "max_length": spec.get("max_length") or "",
        "pattern": spec.get("pattern", ""),
        "options": json.dumps(options, ensure_ascii=False, sort_keys=True) if options else "",
        "personal": "no" if personal == "" else personal or "",
    }
    if kind != "repeat":
        return [row]
    row["type"] = "begin_repeat"
    rows = [row]
    for child in spec.get("children", []):
        rows.extend(_survey_row(child, lists))
    rows.append({"type": "end_repeat", "name": spec["name"]})
    return rows


def definition_export(*, form: FormDefinition, version: FormVersion | None = None) -> bytes:
    """The draft (or a published version) as an XLSForm workbook; formula-like cells are neutralised."""
    specs = version.schema["fields"] if version is not None else _draft_specs(form)
    lists: dict[str, list[dict]] = {}
    rows: list[dict] = []
    for spec in specs:
        rows.extend(_survey_row(spec, lists))
    workbook = Workbook(write_only=True)
    survey = workbook.create_sheet("survey")
    survey.append(list(SURVEY_COLUMNS))
    for row in rows:
        survey.append([cell_neutralise(row.get(column, "")) for column in SURVEY_COLUMNS])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for list_name, items in lists.items():
        for item in items:
            choices.append([cell_neutralise(list_name), cell_neutralise(item["value"]), cell_neutralise(item["label"])])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "purpose", "description"])
    settings.append(
        [
            cell_neutralise(form.title),
            form.key,
            str(version.number) if version is not None else "draft",
            form.purpose,
            cell_neutralise(form.description),
        ]
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

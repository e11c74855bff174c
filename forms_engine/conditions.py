"""The builder's condition picker: rows "question → operator → answer" joined by 并且/或者, and the XLSForm
expression they stand for. The expression stays what is stored; a hand-written one is shown back as rows only when
writing those rows gives the very same expression tree (field_builder.js writes rows exactly as `expression_write`).

    ${visit_type} = 'hospital' and selected(${needs}, 'meal')      ${age} >= 80 or ${alone} = true()
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from forms_engine import expressions
from forms_engine.fields import LIKERT_DEFAULT

OPERATORS: dict[str, Any] = {
    "=": pgettext_lazy("condition", "is"),
    "!=": pgettext_lazy("condition", "is not"),
    ">": pgettext_lazy("condition", "is greater than"),
    ">=": pgettext_lazy("condition", "is at least"),
    "<": pgettext_lazy("condition", "is less than"),
    "<=": pgettext_lazy("condition", "is at most"),
    "selected": pgettext_lazy("condition", "includes"),
    "not_selected": pgettext_lazy("condition", "does not include"),
    "filled": pgettext_lazy("condition", "is answered"),
    "empty": pgettext_lazy("condition", "is not answered"),
}
NO_VALUE = ("filled", "empty")
NUMERIC = {"integer", "decimal", "rating"}
ORDERED = NUMERIC | {"date", "time", "datetime"}
CHOOSABLE = {"choice", "multichoice", "likert", "yesno"}
# Questions a condition can read: every type holding an answer a person gives or a calculation makes.
NOT_ASKABLE = {"note", "repeat", "file"}
JOINS = {"and": gettext_lazy("and (all hold)"), "or": gettext_lazy("or (any holds)")}


def operators_for(field_type: str) -> list[str]:
    if field_type == "multichoice":
        return ["selected", "not_selected", *NO_VALUE]
    if field_type == "yesno":
        return ["=", *NO_VALUE]
    if field_type in ORDERED:
        return ["=", "!=", ">", ">=", "<", "<=", *NO_VALUE]
    return ["=", "!=", *NO_VALUE]


def answer_choices(field_type: str, choices: list[dict] | None) -> list[dict] | None:
    """The answers offered for a question, or None where the answer is typed."""
    if field_type == "yesno":
        return [{"value": "yes", "label": _("Yes")}, {"value": "no", "label": _("No")}]
    if field_type in ("choice", "multichoice", "likert"):
        return [
            {"value": str(c["value"]), "label": str(c["label"])}
            for c in (choices or (LIKERT_DEFAULT if field_type == "likert" else []))
        ]
    return None


def question_list(fields: list[Any]) -> list[dict]:
    """What the picker offers, from the draft's earlier field rows (in order)."""
    return [
        {
            "name": f.name,
            "label": f.label,
            "type": f.field_type,
            "ops": operators_for(f.field_type),
            "choices": answer_choices(f.field_type, f.choices),
        }
        for f in fields
        if f.field_type not in NOT_ASKABLE
    ]


def _literal(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise expressions.ExpressionError(_("an answer cannot hold both kinds of quotation marks"))


def _is_number(value: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?", value) is not None  # a number literal as the expression language reads it


def row_write(row: dict, types: dict[str, str]) -> str:
    """One row as expression text; raises ExpressionError for a row the picker cannot make."""
    name, op, value = row.get("field", ""), row.get("op", ""), str(row.get("value", ""))
    if name not in types:
        raise expressions.ExpressionError(_("choose a question"))
    if op not in operators_for(types[name]):
        raise expressions.ExpressionError(_("choose how the answer compares"))
    ref = "${" + name + "}"
    if op == "filled":
        return f"{ref} != ''"
    if op == "empty":
        return f"{ref} = ''"
    if types[name] == "yesno":
        return f"{ref} = {'true()' if value == 'yes' else 'false()'}"
    if op in ("selected", "not_selected"):
        call = f"selected({ref}, {_literal(value)})"
        return call if op == "selected" else f"not({call})"
    literal = value if types[name] in NUMERIC and _is_number(value) else _literal(value)
    return f"{ref} {op} {literal}"


def expression_write(join: str, rows: list[dict], types: dict[str, str]) -> str:
    """The rows as one expression: `a and b and c` (or `or`); no rows, no expression."""
    glue = " or " if join == "or" else " and "
    return glue.join(row_write(row, types) for row in rows)


def _leaves(tree: list, op: str) -> list[list]:
    if tree[0] == "op" and tree[1] == op:
        return _leaves(tree[2], op) + _leaves(tree[3], op)
    return [tree]


def _row_of(tree: list) -> dict | None:
    if tree[0] == "call" and tree[1] == "not" and tree[2][0][:2] == ["call", "selected"]:
        row = _row_of(tree[2][0])
        return row and {**row, "op": "not_selected"}
    if tree[0] == "call" and tree[1] == "selected":
        ref, lit = tree[2]
        if ref[0] == "ref" and lit[0] == "lit" and isinstance(lit[1], str):
            return {"field": ref[1], "op": "selected", "value": lit[1]}
        return None
    if tree[0] != "op" or tree[1] not in ("=", "!=", "<", "<=", ">", ">=") or tree[2][0] != "ref":
        return None
    name, right = tree[2][1], tree[3]
    if right == ["lit", ""] and tree[1] in ("=", "!="):
        return {"field": name, "op": "empty" if tree[1] == "=" else "filled", "value": ""}
    if right[0] == "call" and right[1] in ("true", "false") and tree[1] == "=":
        return {"field": name, "op": "=", "value": "yes" if right[1] == "true" else "no"}
    if right[0] == "lit":
        value = right[1]
        text = value if isinstance(value, str) else str(value)
        return {"field": name, "op": tree[1], "value": text}
    return None


def expression_rows(text: str, types: dict[str, str]) -> dict | None:
    """{"join", "rows"} for an expression the picker can show, else None (shown as text with a note)."""
    if not (text or "").strip():
        return {"join": "and", "rows": []}
    try:
        tree = expressions.parse(text)
    except expressions.ExpressionError:
        return None
    join = "or" if tree[0] == "op" and tree[1] == "or" else "and"
    rows = [_row_of(leaf) for leaf in _leaves(tree, join)]
    if any(row is None for row in rows):
        return None
    try:
        written = expression_write(join, rows, types)  # type: ignore[arg-type]
    except expressions.ExpressionError:
        return None
    # Shown as rows only when the rows say exactly what the text says (same tree, join by join).
    if _leaves(expressions.parse(written), join) != _leaves(tree, join):
        return None
    return {"join": join, "rows": rows}


def answer_problems(text: str, questions: list[dict]) -> list[str]:
    """Answers compared with a choice question that are not among its choices, as Chinese sentences."""
    if not (text or "").strip():
        return []
    try:
        tree = expressions.parse(text)
    except expressions.ExpressionError:
        return []  # the draft's check names the parse error
    offered = {q["name"]: q for q in questions if q["choices"] is not None and q["type"] != "yesno"}
    problems: list[str] = []

    def walk(node: list) -> None:
        row = _row_of(node)
        if row and row["field"] in offered and row["op"] not in NO_VALUE:
            question = offered[row["field"]]
            if row["value"] not in [c["value"] for c in question["choices"]]:
                problems.append(
                    _("“%(value)s” is not one of the choices of the question “%(label)s”.")
                    % {"value": row["value"], "label": question["label"]}
                )
            return
        if node[0] == "op":
            for child in node[2:]:
                walk(child)
        elif node[0] == "call":
            for child in node[2]:
                walk(child)

    walk(tree)
    return problems

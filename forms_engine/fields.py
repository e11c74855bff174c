"""Field types: one cleaner per type, turning a raw answer into its stored JSON value or a Chinese error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forms_engine.personal import SEALED, mask_answer, personal_kind, reveal
from registry.idcard import resident_id_parse

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
ENCRYPTED_PREFIX = SEALED  # how a sealed text answer starts (the bench writes stored answers directly)

FIELD_TYPES: dict[str, Any] = {
    "text": gettext_lazy("Short text"),
    "textarea": gettext_lazy("Long text"),
    "integer": gettext_lazy("Integer"),
    "decimal": gettext_lazy("Decimal"),
    "date": gettext_lazy("Date"),
    "time": gettext_lazy("Time"),
    "datetime": gettext_lazy("Date and time"),
    "choice": gettext_lazy("Single choice"),
    "multichoice": gettext_lazy("Multiple choice"),
    "yesno": gettext_lazy("Yes / no"),
    "rating": gettext_lazy("Rating 1–5"),
    "likert": gettext_lazy("Likert scale"),
    "phone": gettext_lazy("Phone number"),
    "id_number": gettext_lazy("Resident ID number"),
    "cadre": gettext_lazy("Cadre"),
    "staff": gettext_lazy("Staff member"),
    "file": gettext_lazy("File or photo"),
    "note": gettext_lazy("Section heading or note"),
    "repeat": gettext_lazy("Repeat group"),
    "calculated": gettext_lazy("Calculated"),
    "hidden": gettext_lazy("Hidden"),
}
# Types that hold no answer of their own.
NOT_ANSWERED = {"note", "calculated"}
LIKERT_DEFAULT = [
    {"value": "1", "label": gettext_lazy("Strongly disagree")},
    {"value": "2", "label": gettext_lazy("Disagree")},
    {"value": "3", "label": gettext_lazy("Neutral")},
    {"value": "4", "label": gettext_lazy("Agree")},
    {"value": "5", "label": gettext_lazy("Strongly agree")},
]


def _plain(number: Any) -> str:
    """130.0 → 130, 2.50 → 2.5."""
    text = f"{Decimal(str(number)).normalize():f}"
    return text


def _limits(field: dict, number: Decimal) -> None:
    if field.get("min") is not None and number < Decimal(str(field["min"])):
        raise ValidationError(_("Must be at least %(min)s.") % {"min": _plain(field["min"])})
    if field.get("max") is not None and number > Decimal(str(field["max"])):
        raise ValidationError(_("Must be at most %(max)s.") % {"max": _plain(field["max"])})


def _text(field: dict, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("Must be text."))
    value = value.strip()
    if field.get("min_length") and len(value) < field["min_length"]:
        raise ValidationError(_("At least %(n)d characters.") % {"n": field["min_length"]})
    limit = field.get("max_length") or (5000 if field["type"] == "textarea" else 500)
    if len(value) > limit:
        raise ValidationError(_("At most %(n)d characters.") % {"n": limit})
    if field.get("pattern") and not re.fullmatch(field["pattern"], value):
        raise ValidationError(_("Does not have the expected form."))
    return value


def _integer(field: dict, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(_("Must be a whole number."))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(_("Must be a whole number.")) from None
    _limits(field, Decimal(number))
    return number


def _decimal(field: dict, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(_("Must be a number."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("Must be a number.")) from None
    if not number.is_finite():
        raise ValidationError(_("Must be a number."))
    _limits(field, number)
    return str(number)


def _parse(kind: Callable, value: Any, message: str):
    if not isinstance(value, str):
        raise ValidationError(message)
    try:
        return kind(value.strip())
    except ValueError:
        raise ValidationError(message) from None


def _date(field: dict, value: Any) -> str:
    day = _parse(dt.date.fromisoformat, value, _("Must be a date such as 2026-10-18."))
    if field.get("min") is not None or field.get("max") is not None:
        lowest, highest = field.get("min"), field.get("max")
        if lowest and day < dt.date.fromisoformat(str(lowest)) or highest and day > dt.date.fromisoformat(str(highest)):
            raise ValidationError(_("The date is outside the allowed range."))
    return day.isoformat()


def _time(field: dict, value: Any) -> str:
    return _parse(dt.time.fromisoformat, value, _("Must be a time such as 09:30.")).isoformat(timespec="minutes")


def _datetime(field: dict, value: Any) -> str:
    moment = _parse(dt.datetime.fromisoformat, value, _("Must be a date and time such as 2026-10-18 09:30."))
    return moment.isoformat(timespec="minutes")


def choice_values(field: dict) -> list[str]:
    choices = field.get("choices") or (LIKERT_DEFAULT if field["type"] == "likert" else [])
    return [str(choice["value"]) for choice in choices]


def _choice(field: dict, value: Any) -> str:
    if not isinstance(value, str | int) or str(value) not in choice_values(field):
        raise ValidationError(_("Not one of the choices."))
    return str(value)


def _multichoice(field: dict, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValidationError(_("Must be a list of choices."))
    allowed = choice_values(field)
    chosen = [str(v) for v in value]
    if any(v not in allowed for v in chosen):
        raise ValidationError(_("Not one of the choices."))
    if len(set(chosen)) != len(chosen):
        raise ValidationError(_("A choice is given twice."))
    return [v for v in allowed if v in chosen]


def _yesno(field: dict, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("yes", "true", "1", 1):
        return True
    if value in ("no", "false", "0", 0):
        return False
    raise ValidationError(_("Must be yes or no."))


def _rating(field: dict, value: Any) -> int:
    number = _integer({**field, "min": 1, "max": 5}, value)
    return number


def _phone(field: dict, value: Any) -> str:
    text = _text({**field, "pattern": ""}, value).replace(" ", "")
    if not PHONE.fullmatch(text):
        raise ValidationError(_("Not a valid phone number."))
    return text


def _id_number(field: dict, value: Any) -> str:
    """Validated like the registry's; sealed with the other personal answers once the whole submission is clean."""
    if not isinstance(value, str):
        raise ValidationError(_("The ID number must be text, not a number."))
    return resident_id_parse(value).number


def _reference(field: dict, value: Any) -> int:
    """A cadre or staff member, by id; that it exists and may be used is checked by the service."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValidationError(_("Choose from the list."))
    return int(value)


def _hidden(field: dict, value: Any) -> str:
    if not isinstance(value, str | int | float):
        raise ValidationError(_("Must be text."))
    return str(value)[:500]


CLEANERS: dict[str, Callable[[dict, Any], Any]] = {
    "text": _text,
    "textarea": _text,
    "integer": _integer,
    "decimal": _decimal,
    "date": _date,
    "time": _time,
    "datetime": _datetime,
    "choice": _choice,
    "likert": _choice,
    "multichoice": _multichoice,
    "yesno": _yesno,
    "rating": _rating,
    "phone": _phone,
    "id_number": _id_number,
    "cadre": _reference,
    "staff": _reference,
    "hidden": _hidden,
}


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def display_value(field: dict, value: Any, *, sensitive: bool, personal: bool | None = None) -> str:
    """An answer as text for people: choice labels, yes/no; a personal answer (by default: one the field marks)
    in full only when `sensitive`, else masked."""
    if is_empty(value):
        return ""
    if personal is None:
        personal = personal_kind(field) is not None
    text = _text_of(field, reveal(value))
    return mask_answer(field, text) if personal and not sensitive else text


def _text_of(field: dict, value: Any) -> str:
    if is_empty(value):
        return ""
    kind = field["type"]
    if kind in ("choice", "likert", "multichoice"):
        labels = {str(c["value"]): str(c["label"]) for c in (field.get("choices") or LIKERT_DEFAULT)}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in values)
    if kind == "yesno":
        return _("Yes") if value else _("No")
    if kind == "file":
        return str(value.get("name", "")) if isinstance(value, dict) else str(value)
    if kind == "repeat" and isinstance(value, list):
        return _("%(n)d rows") % {"n": len(value)}
    return str(value)

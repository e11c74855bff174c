"""Personal data in form answers: which fields hold it, sealed at rest, shown masked or in full by role.

A field holds personal data when its options say so (`options["personal"]`: identity, contact or health) or, with no
such option, when its type does (phone: contact, resident ID number: identity, always). Its answers are stored sealed
inside the submission's JSON as `enc:<Fernet token>` (text) or `encj:<Fernet token of the JSON>` (anything else), with
the registry's keys (JUNXIU_FIELD_KEYS), so they rotate with the registry's. Sealed answers are never searched or
filtered by value. Unmasking needs the registry's permission for the kind; every unmasked read is logged by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from registry.crypto import decrypt, encrypt, rotate
from registry.masking import mask_id_number, mask_phone, mask_text

KINDS: dict[str, Any] = {
    "identity": gettext_lazy("Identity (ID or passport numbers, birth dates)"),
    "contact": gettext_lazy("Contact (phone numbers, addresses)"),
    "health": gettext_lazy("Health"),
}
TYPE_DEFAULTS = {"phone": "contact", "id_number": "identity"}
ALWAYS_PERSONAL = {"id_number"}  # cannot be marked otherwise: stored sealed since the first version
# No answer of their own (note, repeat), a record of a stored file, or a reference to a registry row.
NOT_MARKABLE = {"note", "repeat", "file", "cadre", "staff"}
SEALED = "enc:"
SEALED_JSON = "encj:"
LEGACY_PERMISSION = "registry.view_sensitive_data"


@cache
def _registry_codenames() -> frozenset[str]:
    from django.apps import apps

    config = apps.get_app_config("registry")
    return frozenset(code for model in config.get_models() for code, _name in model._meta.permissions)


def personal_permission(kind: str) -> str:
    """The permission that unmasks answers of a kind: the registry's per-kind permission (view_<kind>_data) once it
    declares one, until then its single personal-data permission. The one place to change with the registry's roles."""
    codename = f"view_{kind}_data"
    return f"registry.{codename}" if codename in _registry_codenames() else LEGACY_PERMISSION


def can_see_personal(user, kind: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(personal_permission(kind)))


def personal_kind(spec: Mapping[str, Any]) -> str | None:
    """The kind of personal data a field's answers hold, or None."""
    field_type = spec.get("type") or spec.get("field_type") or ""
    if field_type in NOT_MARKABLE:
        return None
    marked = (spec.get("options") or {}).get("personal")
    if marked in KINDS:
        return marked
    if marked is None or field_type in ALWAYS_PERSONAL:
        return TYPE_DEFAULTS.get(field_type)
    return None  # marked as not personal ("" or false): a phone number someone chose to leave in clear


def personal_fields(specs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Machine name → kind of every personal field of a version's specs (repeat children included)."""
    found: dict[str, str] = {}
    for spec in specs:
        for field in [spec, *spec.get("children", [])]:
            kind = personal_kind(field)
            if kind:
                found[field["name"]] = kind
    return found


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith((SEALED_JSON, SEALED))


def seal(value: Any) -> Any:
    """An answer as stored: text as `enc:`, anything else as `encj:`; empty answers unchanged."""
    if value is None or value == "" or value == []:
        return value
    if isinstance(value, str):
        return SEALED + encrypt(value)
    return SEALED_JSON + encrypt(json.dumps(value, ensure_ascii=False))


def reveal(value: Any) -> Any:
    """A stored answer in clear. A value that only looks sealed (typed in clear before its field was marked) is
    returned as it is."""
    if not isinstance(value, str):
        return value
    try:
        if value.startswith(SEALED_JSON):
            return json.loads(decrypt(value[len(SEALED_JSON) :]))
        if value.startswith(SEALED):
            return decrypt(value[len(SEALED) :])
    except ImproperlyConfigured:
        return value
    return value


def answers_seal(data: dict, kinds: Mapping[str, str], *, stored: bool = False) -> dict:
    """The answers with every personal one sealed (repeat rows included); the others as they are. Fresh answers
    are all in clear (a typed "enc:…" is sealed too); `stored` answers may be sealed already, and those stay."""
    out = {}
    for name, value in data.items():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            out[name] = [answers_seal(row, kinds, stored=stored) for row in value]
        elif name in kinds and not (stored and is_sealed(value)):
            out[name] = seal(value)
        else:
            out[name] = value
    return out


def answers_rotate(data: dict) -> dict:
    """The answers with every sealed one sealed again under the newest key (after a key was prepended)."""
    out = {}
    for name, value in data.items():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            out[name] = [answers_rotate(row) for row in value]
        elif is_sealed(value) and reveal(value) is not value:
            prefix = SEALED_JSON if value.startswith(SEALED_JSON) else SEALED
            out[name] = prefix + rotate(value[len(prefix) :])
        else:
            out[name] = value
    return out


def answers_reveal(data: dict) -> dict:
    """Every sealed answer in clear (repeat rows included): for conditions over the answers, never for display."""
    out = {}
    for name, value in data.items():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            out[name] = [answers_reveal(row) for row in value]
        else:
            out[name] = reveal(value)
    return out


def mask_answer(spec: Mapping[str, Any], text: str) -> str:
    """How a personal answer is shown to someone who may not see it: ID and phone numbers partly, the rest not."""
    if not text:
        return ""
    if spec.get("type") == "id_number":
        return mask_id_number(text)
    if spec.get("type") == "phone":
        return mask_phone(text)
    return mask_text(text)


class PersonalView:
    """One user's view of one form's answers: which fields are personal (their own version's marks and the form's
    current ones), whether the user may see each kind in full, and which personal fields were shown unmasked."""

    def __init__(self, *, user, marked: Mapping[str, str]):
        self.user = user
        self.marked = dict(marked)
        self._allowed: dict[str, bool] = {}
        self._kinds: dict[int, dict[str, str]] = {}
        self.shown: dict[int, set[str]] = {}

    def may_see(self, kind: str) -> bool:
        if kind not in self._allowed:
            self._allowed[kind] = can_see_personal(self.user, kind)
        return self._allowed[kind]

    def kinds(self, *, version_id: int, specs: list[dict]) -> dict[str, str]:
        """Personal fields of a version: its own marks over the form's current ones (so that marking a field on a
        later version masks the answers given to the earlier ones)."""
        if version_id not in self._kinds:
            self._kinds[version_id] = {**self.marked, **personal_fields(specs)}
        return self._kinds[version_id]

    def unmasked(self, kinds: Mapping[str, str], name: str) -> bool | None:
        """None: not personal; True: shown in full to this user; False: masked."""
        kind = kinds.get(name)
        return None if kind is None else self.may_see(kind)

    def note(self, submission_id: int, name: str) -> None:
        self.shown.setdefault(submission_id, set()).add(name)

    def logged_fields(self, form_key: str) -> list[str]:
        """The access log's field names: `<form key>:<machine name>`."""
        return sorted({f"{form_key}:{name}" for names in self.shown.values() for name in names})

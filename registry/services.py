"""Writes to the registry: people, their records, and the personal-data access log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.crypto import lookup_hash
from registry.idcard import resident_id_parse
from registry.models import AccessLog, Cadre
from registry.pinyin import name_search_keys

PERSONAL_FIELDS = {
    "Cadre": ["id_number", "phone", "mobile", "address"],
    "FamilyMember": ["phone", "address"],
    "HealthCheck": ["findings"],
    "Staff": ["phone"],
}


def _cadre_apply(cadre: Cadre, fields: dict[str, Any]) -> None:
    """Set fields, derive what follows from them (ID → birth date, gender, hash; name → pinyin) and validate."""
    unknown = set(fields) - {f.name for f in Cadre._meta.get_fields()} - {"rest_home_id", "liaison_id"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(cadre, name, value)
    if "id_number" in fields:
        parsed = resident_id_parse(fields["id_number"])
        if "birth_date" in fields and fields["birth_date"] and fields["birth_date"] != parsed.birth_date:
            raise ValidationError(
                {
                    "birth_date": _("The birth date does not match the one in the ID number (%(date)s).")
                    % {"date": parsed.birth_date.isoformat()}
                }
            )
        cadre.id_number = parsed.number
        cadre.id_hash = lookup_hash(parsed.number)
        cadre.birth_date = parsed.birth_date
        cadre.gender = fields.get("gender") or parsed.gender
    if "name" in fields:
        cadre.name_pinyin, cadre.name_initials = name_search_keys(cadre.name)
    cadre.full_clean(exclude=["id_hash", "name_pinyin", "name_initials"], validate_unique=False)
    duplicate = Cadre.objects.filter(id_hash=cadre.id_hash).exclude(pk=cadre.pk).first()
    if duplicate is not None:
        raise ValidationError({"id_number": _("A cadre with this ID number is already registered.")})


@transaction.atomic
def cadre_create(**fields: Any) -> Cadre:
    """Register a cadre; the ID number is validated and gives the birth date and gender."""
    if not fields.get("id_number"):
        raise ValidationError({"id_number": _("The resident ID number is required.")})
    cadre = Cadre()
    _cadre_apply(cadre, fields)
    cadre.save()
    return cadre


@transaction.atomic
def cadre_update(*, cadre: Cadre, **fields: Any) -> Cadre:
    _cadre_apply(cadre, fields)
    cadre.save()
    return cadre


def access_log_record(
    *, user, action: str, channel: str, model: str, record_ids: Iterable[int], fields: Iterable[str]
) -> AccessLog:
    """Note that personal data was seen or exported: who, which records, which fields — never the values."""
    ids = sorted(set(record_ids))
    return AccessLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        channel=channel,
        model=model,
        record_ids=ids,
        record_count=len(ids),
        fields=list(fields),
    )

"""Writes to the registry: people, their records, and the personal-data access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.crypto import lookup_hash
from registry.idcard import resident_id_parse
from registry.models import AccessLog, Cadre
from registry.phones import mobile_hash
from registry.pinyin import name_search_keys
from registry.selectors import IDENTITY, cadre_search, can_see_personal
from tenants.compiled import CompiledInsert
from tenants.ratelimit import Limit, rate_limit_count, rate_limit_exceeded

PERSONAL_FIELDS = {
    "Cadre": ["id_number", "phone", "mobile", "address"],
    "FamilyMember": ["phone", "address"],
    "HealthCheck": ["findings"],
    "Staff": ["phone"],
}


# Exact-ID searches per user (per centre: the cache key carries the schema): enough for a day's casework, far too few
# to walk a range of numbers.
ID_SEARCH_LIMIT = Limit(scope="registry-id-search", limit=20, window=3600)
ID_SEARCH_FORBIDDEN = "id_search_forbidden"
ID_SEARCH_THROTTLED = "id_search_throttled"
DUPLICATE_ID = "duplicate_id"


def cadre_prepare(
    *, cadre: Cadre, fields: dict[str, Any], skip_clean: Iterable[str] = (), check_duplicate: bool = True
) -> Cadre:
    """Set fields on a cadre, derive what follows (ID → birth date, gender, hash; name → pinyin) and validate.

    Nothing is saved. Bulk callers that looked up related rows and duplicates themselves pass skip_clean and
    check_duplicate=False.
    """
    unknown = set(fields) - {f.name for f in Cadre._meta.get_fields()} - {"rest_home_id", "liaison_id"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(cadre, name, value)
    if "id_number" in fields:
        try:
            parsed = resident_id_parse(fields["id_number"])
        except ValidationError as error:
            raise ValidationError({"id_number": error.messages}) from None
        if fields.get("birth_date") and fields["birth_date"] != parsed.birth_date:
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
    if "mobile" in fields:
        cadre.mobile_hash = mobile_hash(cadre.mobile)
    cadre.full_clean(exclude=["id_hash", "name_pinyin", "name_initials", *skip_clean], validate_unique=False)
    if check_duplicate and Cadre.objects.filter(id_hash=cadre.id_hash).exclude(pk=cadre.pk).exists():
        raise ValidationError(
            {"id_number": ValidationError(_("A cadre with this ID number is already registered."), code=DUPLICATE_ID)}
        )
    return cadre


@transaction.atomic
def cadre_create(**fields: Any) -> Cadre:
    """Register a cadre; the ID number is validated and gives the birth date and gender."""
    if not fields.get("id_number"):
        raise ValidationError({"id_number": _("The resident ID number is required.")})
    cadre = cadre_prepare(cadre=Cadre(), fields=fields)
    cadre.save()
    return cadre


def cadre_number_free_check(*, user, channel: str, id_number: str | None) -> None:
    """Before registering a cadre: "already registered" answers a question about a number, so each such answer is
    logged and counted like an exact-ID search (run outside the caller's transaction, so the log row stays); past the
    hourly limit it is not given any more. cadre_create checks again inside its transaction."""
    try:
        number = resident_id_parse(id_number or "").number
    except ValidationError:
        return  # cadre_create says what is wrong with it
    found = list(Cadre.objects.filter(id_hash=lookup_hash(number)).values_list("pk", flat=True))
    if not found:
        return
    _id_answer_count(user=user)
    _id_answer_logged(user=user, channel=channel, record_ids=found)
    raise ValidationError(
        {"id_number": ValidationError(_("A cadre with this ID number is already registered."), code=DUPLICATE_ID)}
    )


@transaction.atomic
def cadre_update(*, cadre: Cadre, **fields: Any) -> Cadre:
    cadre_prepare(cadre=cadre, fields=fields)
    cadre.save()
    return cadre


def cadre_id_search_permit(*, user) -> None:
    """Count one exact-ID search, or refuse it (ValidationError) before anything is looked up: to a user without
    the identity permission, the same answer whether or not the number exists; past the hourly limit, a pause."""
    if not can_see_personal(user, IDENTITY):
        raise ValidationError(
            _("You may not search by ID number; search by name, pinyin or initials instead."),
            code=ID_SEARCH_FORBIDDEN,
        )
    _id_answer_count(user=user)


def _id_answer_count(*, user) -> None:
    """Count one answer about an ID number for this user, or refuse it (ValidationError) past the hourly limit."""
    ident = str(user.pk)
    if rate_limit_exceeded(limit=ID_SEARCH_LIMIT, ident=ident):
        raise ValidationError(
            _("Too many searches by ID number: at most %(limit)d an hour. Please try again later.")
            % {"limit": ID_SEARCH_LIMIT.limit},
            code=ID_SEARCH_THROTTLED,
        )
    rate_limit_count(limit=ID_SEARCH_LIMIT, ident=ident)


def _id_answer_logged(*, user, channel: str, record_ids: Iterable[int]) -> None:
    access_log_record(
        user=user,
        action=AccessLog.Action.SEARCH,
        channel=channel,
        model="Cadre",
        record_ids=record_ids,
        fields=["id_number"],
    )


def cadre_id_search(*, user, queryset, query: str, channel: str):
    """The cadres of `queryset` with this exact ID number (a permitted search), logged with what it found."""
    found = cadre_search(queryset, query, by_id_number=True)
    _id_answer_logged(user=user, channel=channel, record_ids=found.values_list("pk", flat=True))
    return found


# Written on every API answer that shows personal data: its INSERT is written once per process (issue 14 §2).
_access_log_insert = CompiledInsert(AccessLog)


def access_log_record(
    *, user, action: str, channel: str, model: str, record_ids: Iterable[int], fields: Iterable[str]
) -> AccessLog:
    """Note that personal data was seen or exported: who, which records, which fields — never the values."""
    ids = sorted(set(record_ids))
    return _access_log_insert.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        channel=channel,
        model=model,
        record_ids=ids,
        record_count=len(ids),
        fields=list(fields),
    )


def access_log_purge(*, now: dt.datetime | None = None) -> int:
    """Task (in a centre): delete access-log rows older than JUNXIU_ACCESS_LOG_RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.JUNXIU_ACCESS_LOG_RETENTION_DAYS)
    deleted, _by_model = AccessLog.objects.filter(at__lt=cutoff).delete()
    return deleted

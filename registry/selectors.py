"""Reads of the registry for other code: who may see which cadre, search, masked values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import cast

from django.apps import apps
from django.db.models import Field, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from registry.crypto import lookup_hash
from registry.masking import mask_address, mask_id_number, mask_phone, mask_text
from registry.models import (
    ALL_CADRES_PERMISSION,
    CONTACT_PERMISSION,
    HEALTH_PERMISSION,
    IDENTITY_PERMISSION,
    Cadre,
    Staff,
)
from registry.phones import mobile_hash, phone_digits

ASCII_QUERY = re.compile(r"^[a-z]+$")
FIELD_MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "mobile": mask_phone,
    "address": mask_address,
    "findings": mask_text,
}
# The kinds of personal data, each unmasked by its own permission (registry.roles grants them per role).
IDENTITY, CONTACT, HEALTH = "identity", "contact", "health"
KIND_PERMISSIONS = {IDENTITY: IDENTITY_PERMISSION, CONTACT: CONTACT_PERMISSION, HEALTH: HEALTH_PERMISSION}
# Health conditions among the cadre's living-situation flags: shown only with the health permission.
HEALTH_FLAGS = ("bedridden", "disabled", "dementia")
FIELD_KINDS = {
    "id_number": IDENTITY,
    "birth_date": IDENTITY,
    "phone": CONTACT,
    "mobile": CONTACT,
    "address": CONTACT,
    "findings": HEALTH,
    **dict.fromkeys(HEALTH_FLAGS, HEALTH),
}


def staff_for_user(user) -> Staff | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Staff.objects.filter(user=user).select_related("rest_home").first()


def cadre_visible_queryset(*, user) -> QuerySet[Cadre]:
    """The cadres a user may see: all with the 'all cadres' permission; else those of their rest home or their own."""
    cadres = Cadre.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.has_perm("registry.view_cadre"):
        return cadres.none()
    if user.has_perm(ALL_CADRES_PERMISSION):
        return cadres
    staff = staff_for_user(user)
    if staff is None:
        return cadres.none()
    scope = Q(liaison=staff)
    if staff.rest_home_id:
        scope |= Q(rest_home_id=staff.rest_home_id)
    return cadres.filter(scope)


def access_cadre_by_id(*, user, id: int) -> Cadre:  # noqa: A002 - the naming convention of getters
    """The cadre, if this user may see it; missing and forbidden both give 404."""
    try:
        return cadre_visible_queryset(user=user).get(pk=id)
    except (Cadre.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def staff_visible_queryset(*, user) -> QuerySet[Staff]:
    """The staff a user may see: all with the 'all cadres' permission; else their own rest home's and themselves."""
    staff = Staff.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.has_perm("registry.view_staff"):
        return staff.none()
    if user.has_perm(ALL_CADRES_PERMISSION):
        return staff
    own = staff_for_user(user)
    if own is None:
        return staff.none()
    scope = Q(pk=own.pk)
    if own.rest_home_id:
        scope |= Q(rest_home_id=own.rest_home_id)
    return staff.filter(scope)


def can_see_staff_personal(user) -> bool:
    """Colleagues' phone numbers: for those who may see contact data across the whole centre, not a liaison."""
    return can_see_personal(user, CONTACT) and user.has_perm(ALL_CADRES_PERMISSION)


def query_is_id_number(query: str | None) -> bool:
    """Whether a search text is (the shape of) a resident ID number: 15 or 18 characters, the first 14 digits."""
    query = (query or "").strip()
    return len(query) in (15, 18) and query[:14].isdigit()


def cadre_search(queryset: QuerySet[Cadre], query: str, *, by_id_number: bool = False) -> QuerySet[Cadre]:
    """By name (Chinese), pinyin or initials (wds); an exact ID number only `by_id_number`, which is for
    services.cadre_id_search (permitted, limited, logged). Else an ID number finds no one, whether or not it is
    registered: no search answers yes or no about a number to whom may not see it."""
    query = (query or "").strip()
    if not query:
        return queryset
    lowered = query.lower().replace(" ", "")
    if ASCII_QUERY.fullmatch(lowered):
        return queryset.filter(Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered))
    if query_is_id_number(query):
        return queryset.filter(id_hash=lookup_hash(query)) if by_id_number else queryset.none()
    return queryset.filter(name__contains=query)


def cadre_by_id_number(id_number: str) -> Cadre | None:
    return Cadre.objects.filter(id_hash=lookup_hash(id_number)).first()


def can_see_personal(user, kind: str) -> bool:
    """Whether this user sees one kind of personal data (identity, contact, health) unmasked."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(KIND_PERMISSIONS[kind]))


def can_see_sensitive(user, kind: str = IDENTITY) -> bool:
    """The identity permission unless another kind is named (the ID number is what other apps mask)."""
    return can_see_personal(user, kind)


def can_see_field(user, field: str) -> bool:
    """Whether this user sees a personal field (by its name, e.g. `phone`, `findings`) unmasked."""
    return can_see_personal(user, FIELD_KINDS[field])


def personal_value(*, obj, field: str, user) -> str:
    """A personal-data field as this user may see it: the value, or its mask."""
    value = getattr(obj, field) or ""
    return value if can_see_field(user, field) else FIELD_MASKS[field](value)


def health_flags_hidden(user) -> tuple[str, ...]:
    """The health conditions among the living-situation flags this user may not see (or filter by)."""
    return () if can_see_personal(user, HEALTH) else HEALTH_FLAGS


def cadre_counts_by_centre() -> dict[str, int]:
    """Cadres each centre serves (not transferred out or deceased), in one cross-centre query."""
    from tenants.selectors import centres_query

    rows = centres_query(
        query="SELECT count(*) AS cadres FROM {schema}.registry_cadre WHERE state IN (%s, %s)",
        params=[Cadre.State.ACTIVE, Cadre.State.ABROAD],
    )
    return {row["centre"]: row["cadres"] for row in rows}


def staff_choices() -> list[tuple[int, str]]:
    """Active staff as (id, name), for pickers; names only, never personal data."""
    return list(Staff.objects.filter(active=True).order_by("name", "pk").values_list("pk", "name"))


def staff_names(ids) -> dict[int, str]:
    return dict(Staff.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def staff_names_for_users(*, user_ids: Collection[int]) -> dict[int, str]:
    """Staff names by the id of their login (users with no staff record are left out)."""
    return dict(Staff.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "name"))


def staff_active_by_id(id: int) -> Staff | None:  # noqa: A002
    return Staff.objects.filter(pk=id, active=True).first()


def staff_ids_active(*, ids) -> set[int]:
    """Those of `ids` that name an active member of staff."""
    return set(Staff.objects.filter(pk__in=ids, active=True).values_list("pk", flat=True))


def cadre_ids_visible(*, ids, user=None) -> set[int]:
    """Those of `ids` that name a cadre the user may see; any cadre when there is no user (a public form)."""
    cadres = Cadre.objects.all() if user is None else cadre_visible_queryset(user=user)
    return set(cadres.filter(pk__in=ids).values_list("pk", flat=True))


SERVED_STATES = (Cadre.State.ACTIVE, Cadre.State.ABROAD)


def cadre_served_by_id(id: int) -> Cadre | None:  # noqa: A002
    """A cadre the centre serves now (not transferred out or deceased), for the public site's sign-ups."""
    try:
        return Cadre.objects.filter(pk=int(id), state__in=SERVED_STATES).first()
    except (TypeError, ValueError):
        return None


def cadre_names(ids) -> dict[int, str]:
    """Names only, never personal data: for lists of sign-ups."""
    return dict(Cadre.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def cadres_served(*, limit: int) -> list[Cadre]:
    """The first served cadres in the registry's order (demo data)."""
    return list(Cadre.objects.filter(state__in=SERVED_STATES).order_by("pk")[:limit])


def cadre_by_phone(phone: str) -> Cadre | None:
    """The served cadre with this mobile number (by its keyed hash), or None when none or more than one has it."""
    wanted = mobile_hash(phone)
    if len(phone_digits(phone)) < 7:
        return None
    matches = list(Cadre.objects.filter(mobile_hash=wanted, state__in=SERVED_STATES).values_list("pk", flat=True)[:2])
    return Cadre.objects.get(pk=matches[0]) if len(matches) == 1 else None


# ---------------------------------------------------------------- aggregates for the bureau's reports
# These return no names, ID numbers or contact data: only what a count by level, kind, age or situation needs.


def _cadre_events():
    return apps.get_model("registry", "CadreEvent").objects  # pghistory's event model (registry.models)


REPORT_FLAGS = ("lives_alone", "childless", "bedridden", "disabled", "dementia", "in_care_home")


def cadre_report_rows() -> list[dict]:
    """Every cadre the centre holds (served, abroad, deceased), with the fields the bureau's counts break down by.

    `arrived_on` is when the cadre came to this centre (the later of reception and a transfer in), so a past
    period's stock can leave out those who came after it.
    """
    transfer_in = dict(
        _cadre_events().filter(pgh_label="transfer_in").values_list("pgh_obj_id").annotate(at=Max("pgh_created_at"))
    )
    rows = list(
        Cadre.objects.values(
            "pk", "birth_date", "level", "kind", "state", "received_on", "deceased_on", "rest_home__name", *REPORT_FLAGS
        )
    )
    for row in rows:
        moved_in = transfer_in.get(row["pk"])
        moved_on = timezone.localtime(moved_in).date() if moved_in else None
        row["arrived_on"] = max(filter(None, (row["received_on"], moved_on)), default=None)
        row["rest_home"] = row.pop("rest_home__name") or ""
        del row["pk"]
    return rows


def cadre_movements(*, start: dt.date, end: dt.date) -> list[tuple[str, dt.date]]:
    """(kind, day) of each reception, transfer in, transfer out and death between start and end (inclusive)."""
    from registry.models import CadreTombstone

    arrived = {
        pk: timezone.localtime(at).date()
        for pk, at in _cadre_events()
        .filter(pgh_label="transfer_in")
        .values_list("pgh_obj_id")
        .annotate(at=Max("pgh_created_at"))
    }
    # A reception date a cadre brought along from the centre that received them is that centre's, not this one's.
    moves: list[tuple[str, dt.date]] = [
        ("received", day)
        for pk, day in Cadre.objects.filter(received_on__range=(start, end)).values_list("pk", "received_on")
        if day is not None and (pk not in arrived or day > arrived[pk])
    ]
    moves += [
        ("deceased", day)
        for day in Cadre.objects.filter(deceased_on__range=(start, end)).values_list("deceased_on", flat=True)
        if day is not None
    ]
    moves += [
        ("transferred_out", day)
        for day in CadreTombstone.objects.filter(transferred_on__range=(start, end)).values_list(
            "transferred_on", flat=True
        )
    ]
    moved_in = _cadre_events().filter(pgh_label="transfer_in").values_list("pgh_created_at", flat=True)
    moves += [
        ("transferred_in", day) for day in (timezone.localtime(at).date() for at in moved_in) if start <= day <= end
    ]
    return moves


def facility_areas() -> dict:
    """Floor area by Table 1 room type and the rest homes' building area, summed over the centre."""
    from registry.models import FacilityRoom, RestHome

    rooms = dict(
        FacilityRoom.objects.values_list("room_type").annotate(area=Sum("floor_area")).values_list("room_type", "area")
    )
    building = RestHome.objects.aggregate(area=Sum("building_area"))["area"]
    return {"rooms": {key: float(value) for key, value in rooms.items()}, "building_area": float(building or 0)}


def report_labels() -> dict[str, dict[str, str]]:
    """Display names of the registry's categories the bureau's figures break down by."""
    from registry.models import FacilityRoom

    return {
        "level": {str(k): str(v) for k, v in Cadre.Level.choices},
        "kind": {str(k): str(v) for k, v in Cadre.Kind.choices},
        "situation": {flag: str(cast(Field, Cadre._meta.get_field(flag)).verbose_name) for flag in REPORT_FLAGS},
        "room": {str(k): str(v) for k, v in FacilityRoom.RoomType.choices if k != FacilityRoom.RoomType.OTHER},
    }


# ---------------------------------------------------------------- for the reminders (notifications)
# What the sweep reads about people and their records: ids, dates and the staff who answer for them.

# The living-situation flags a reminder rule may pick cadres by.
CADRE_FLAGS = ("lives_alone", "childless", "bedridden", "disabled", "dementia", "in_care_home")


def cadre_queryset_matching(
    *, states: Collection[str] = (), levels: Collection[str] = (), any_flags: Collection[str] = ()
) -> QuerySet[Cadre]:
    """Cadres in one of `states` and `levels` (empty: any) with at least one of `any_flags` (empty: no condition)."""
    condition = Q()
    if states:
        condition &= Q(state__in=list(states))
    if levels:
        condition &= Q(level__in=list(levels))
    flags = [flag for flag in any_flags if flag in CADRE_FLAGS]
    if flags:
        any_flag = Q()
        for flag in flags:
            any_flag |= Q(**{flag: True})
        condition &= any_flag
    return Cadre.objects.filter(condition)


def cadres_active_by_id(*, ids: Collection[int]) -> dict[int, Cadre]:
    return {cadre.pk: cadre for cadre in Cadre.objects.filter(pk__in=list(ids), state=Cadre.State.ACTIVE)}


def staff_head_id() -> int | None:
    """The centre head (the first active one), who answers where no liaison does."""
    return Staff.objects.filter(role=Staff.Role.HEAD, active=True).order_by("pk").values_list("pk", flat=True).first()


def staff_head_phone() -> str:
    head = Staff.objects.filter(role=Staff.Role.HEAD, active=True).order_by("pk").first()
    return head.phone if head is not None and head.phone else ""


def staff_ids(*, active_only: bool) -> list[int]:
    staff = Staff.objects.filter(active=True) if active_only else Staff.objects.all()
    return list(staff.values_list("pk", flat=True))


def staff_supervisors_and_users() -> dict[int, tuple[int | None, int | None]]:
    """Staff id → (their supervisor's staff id, their login's user id)."""
    return {pk: (boss, user) for pk, boss, user in Staff.objects.values_list("pk", "supervisor_id", "user_id")}


def staff_with_login_active(*, exclude_ids: Collection[int] = ()) -> list[Staff]:
    """Active staff who have a login (with it), but those of `exclude_ids`."""
    staff = Staff.objects.filter(active=True, user__isnull=False).exclude(pk__in=list(exclude_ids))
    return list(staff.select_related("user"))


def staff_phone_for_user(*, user) -> str:
    staff = Staff.objects.filter(user=user).first()
    return staff.phone if staff is not None else ""


def trips_returned(*, cadres: QuerySet[Cadre], until: dt.date) -> list[tuple[int, dt.date, int | None]]:
    """(trip id, day back, the cadre's liaison id) of the trips of `cadres` back by `until`."""
    from registry.models import TripAbroad

    trips = TripAbroad.objects.filter(cadre__in=cadres, returned_on__isnull=False, returned_on__lte=until)
    rows = trips.values_list("pk", "returned_on", "cadre__liaison_id")
    return [(pk, day, liaison) for pk, day, liaison in rows if day is not None]


def trip_cadre_ids(*, ids: Collection[int]) -> dict[int, int]:
    from registry.models import TripAbroad

    return dict(TripAbroad.objects.filter(pk__in=list(ids)).values_list("pk", "cadre_id"))


def trip_cadre_names(*, ids: Collection[int]) -> dict[int, str]:
    """Trip id → the traveller's name (names only)."""
    from registry.models import TripAbroad

    return dict(TripAbroad.objects.filter(pk__in=list(ids)).values_list("pk", "cadre__name"))


def rest_home_choices() -> list[tuple[int, str]]:
    """(id, name) of the centre's rest homes, by name (for a filter)."""
    from registry.models import RestHome

    return list(RestHome.objects.order_by("name").values_list("pk", "name"))


def rest_homes_of(*, cadre_ids: Collection[int], trip_ids: Collection[int] = ()) -> tuple[dict, dict]:
    """The rest home ids (or None) of these cadres, and of the travellers of these trips: two dicts by id."""
    from registry.models import TripAbroad

    cadres = dict(Cadre.objects.filter(pk__in=list(cadre_ids)).values_list("pk", "rest_home_id")) if cadre_ids else {}
    trips = (
        dict(TripAbroad.objects.filter(pk__in=list(trip_ids)).values_list("pk", "cadre__rest_home_id"))
        if trip_ids
        else {}
    )
    return cadres, trips


def trip_ids_for_cadre(*, cadre_id: int) -> list[int]:
    from registry.models import TripAbroad

    return list(TripAbroad.objects.filter(cadre_id=cadre_id).values_list("pk", flat=True))


def trip_passport_days(*, ids: Collection[int]) -> list[tuple[int, dt.date | None]]:
    """(trip id, the day its passport was handed in, or None)."""
    from registry.models import TripAbroad

    return list(TripAbroad.objects.filter(pk__in=list(ids)).values_list("pk", "passport_handed_in_on"))


def health_check_days(*, cadre_ids: Collection[int] | None, since: dt.date) -> list[tuple[int, dt.date]]:
    """(cadre id, day) of the health checks of those cadres (None: of every cadre) on or after `since`."""
    from registry.models import HealthCheck

    checks = HealthCheck.objects.filter(date__gte=since)
    if cadre_ids is not None:
        checks = checks.filter(cadre_id__in=list(cadre_ids))
    return list(checks.values_list("cadre_id", "date"))


def staff_training_days(*, staff_ids: Collection[int], kind: str, since: dt.date) -> list[tuple[int, dt.date]]:
    """(staff id, day) of the trainings of that kind on or after `since`."""
    from registry.models import StaffTraining

    trainings = StaffTraining.objects.filter(staff_id__in=list(staff_ids), kind=kind, date__gte=since)
    return list(trainings.values_list("staff_id", "date"))


# What `people_last_changes` reports on: the tracked models whose rows decide what is due and what fulfils it.
TRACKED_FOR_REMINDERS = {
    "cadre": "CadreEvent",
    "trip": "TripAbroadEvent",
    "staff": "StaffEvent",
    "health_check": "HealthCheckEvent",
}


def people_last_changes() -> dict[str, dt.datetime | None]:
    """When a cadre, trip abroad, member of staff or health check was last added, changed or deleted (None: never).

    Read from the pghistory events, which triggers write for every change (bulk updates and deletions too), each
    stamped with its transaction's start.
    """
    return {
        kind: apps.get_model("registry", model).objects.aggregate(at=Max("pgh_created_at"))["at"]
        for kind, model in TRACKED_FOR_REMINDERS.items()
    }


def text_slug(text: str, *, max_length: int = 40) -> str:
    """A short, readable web address part made from Chinese text: its pinyin syllables joined by hyphens
    (关于开展2026年度健康体检的通知 → guan-yu-kai-zhan-2026-nian-du-jian-kang), cut at a syllable; "" when the text
    gives no letter or digit."""
    from registry.pinyin import text_words, words_joined

    return words_joined(text_words(text), separator="-", max_length=max_length)


# ---------------------------------------------------------------- for the field app (the liaison's phone)


def cadre_ids_own(*, user) -> set[int]:
    """The served cadres that are this user's own: those they are liaison of and those of their rest home (even for
    a user who may see every cadre: a phone carries a liaison's round, not the centre)."""
    staff = staff_for_user(user)
    if staff is None:
        return set()
    scope = Q(liaison=staff)
    if staff.rest_home_id:
        scope |= Q(rest_home_id=staff.rest_home_id)
    cadres = cadre_visible_queryset(user=user).filter(scope, state__in=SERVED_STATES)
    return set(cadres.values_list("pk", flat=True))


def cadre_cards(*, user, ids: Collection[int]) -> dict[int, dict]:
    """A card of each of `ids` the user may see and the centre serves: name, rest home, address and phone as the
    user may see them (masked as the admin masks them), and the living-situation flags they may see, by label."""
    hidden = health_flags_hidden(user)
    shown_flags = [flag for flag in CADRE_FLAGS if flag not in hidden]
    labels = {flag: str(cast(Field, Cadre._meta.get_field(flag)).verbose_name) for flag in shown_flags}
    cadres = (
        cadre_visible_queryset(user=user)
        .filter(pk__in=list(ids), state__in=SERVED_STATES)
        .select_related("rest_home")
        .only("pk", "name", "rest_home__name", "address", "mobile", "phone", *CADRE_FLAGS)
    )
    cards = {}
    for cadre in cadres:
        phone_field = "mobile" if cadre.mobile else "phone"
        cards[cadre.pk] = {
            "name": cadre.name,
            "rest_home": cadre.rest_home.name if cadre.rest_home else "",
            "address": personal_value(obj=cadre, field="address", user=user),
            "phone": personal_value(obj=cadre, field=phone_field, user=user),
            "flags": [labels[flag] for flag in shown_flags if getattr(cadre, flag)],
        }
    return cards

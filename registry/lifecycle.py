"""A cadre's life with the centre: reception (5.2), death (5.10) and transfer to another district (6.6)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from pghistory.models import Event
from psycopg import sql

from registry.filters import years_before
from registry.models import (
    ArchiveDocument,
    Cadre,
    CadreDeath,
    CadreReception,
    CadreTombstone,
    CadreTransfer,
    DeathBenefit,
    FamilyMember,
    HealthCheck,
    Honour,
    Skill,
    Staff,
    TripAbroad,
)
from registry.selectors import IDENTITY, can_see_personal
from registry.services import cadre_update
from tenants.selectors import centre_list

APPROVE_PERMISSION = "registry.approve_cadretransfer"
RECEPTION_ITEMS = (
    "welcome_sign",
    "welcome_video_gifts",
    "head_briefing",
    "premises_tour",
    "welcome_activities",
    "archive_received",
    "health_record_created",
    "services_explained",
)
DEATH_ITEMS = (
    "policy_explained",
    "obituary_written",
    "memorial_attended",
    "flag_covering",
    "archive_filed",
    "reported",
)
# The records that travel with a cadre to the target centre (with their change history).
MOVED_MODELS: tuple[type[models.Model], ...] = (
    FamilyMember,
    TripAbroad,
    HealthCheck,
    ArchiveDocument,
    Honour,
    Skill,
    CadreReception,
)
# Assigned by the target centre, not carried over.
CLEARED_ON_MOVE = ("rest_home_id", "liaison_id")


def _today() -> dt.date:
    return timezone.localdate()


def _user_name(user) -> str:
    return getattr(user, "username", "") or ""


def _user_or_none(user):
    return user if getattr(user, "pk", None) else None


def _not_in_future(value: dt.date | None, field_name: str, label: str) -> None:
    if value and value > _today():
        raise ValidationError({field_name: _("%(label)s cannot be in the future.") % {"label": label}})


def _not_before(value: dt.date | None, earliest: dt.date, field_name: str, label: str, earliest_label: str) -> None:
    if value and value < earliest:
        raise ValidationError(
            {
                field_name: _("%(label)s cannot be before %(earlier)s (%(date)s).")
                % {"label": label, "earlier": earliest_label, "date": earliest.isoformat()}
            }
        )


def _not_before_birth(value: dt.date | None, cadre: Cadre, user, field_name: str, label: str) -> None:
    """Not before the birth date; to whom may not see it, checked against what the age shown tells (the earliest
    birth date it allows) and answered without a date, so that no answer narrows the birth date down."""
    if can_see_personal(user, IDENTITY):
        _not_before(value, cadre.birth_date, field_name, label, _("the birth date"))
        return
    today = timezone.localdate()
    earliest = years_before(today, cadre.age_on(today) + 1) + dt.timedelta(days=1)
    if value and value < earliest:
        raise ValidationError({field_name: _("%(label)s cannot be before the birth date.") % {"label": label}})


def _checklist(items: Iterable[str], allowed: tuple[str, ...]) -> set[str]:
    chosen = set(items)
    unknown = chosen - set(allowed)
    if unknown:
        raise ValidationError(_("Unknown checklist items: %(items)s") % {"items": ", ".join(sorted(unknown))})
    return chosen


# --- Reception (5.2) ---


@transaction.atomic
def cadre_receive(
    *,
    cadre: Cadre,
    user,
    received_on: dt.date,
    liaison: Staff | None = None,
    ceremony_on: dt.date | None = None,
    first_visit_on: dt.date | None = None,
    checklist: Iterable[str] = (),
    notes: str = "",
) -> CadreReception:
    """Record the reception of a new cadre: welcome-ceremony items, first steps, received date and liaison."""
    if cadre.state == Cadre.State.DECEASED:
        raise ValidationError(_("A deceased cadre cannot be received."))
    _not_in_future(received_on, "received_on", _("The reception date"))
    _not_before_birth(received_on, cadre, user, "received_on", _("The reception date"))
    for name, value, label in (
        ("ceremony_on", ceremony_on, _("The welcome ceremony date")),
        ("first_visit_on", first_visit_on, _("The first home visit date")),
    ):
        _not_in_future(value, name, label)
        _not_before(value, received_on, name, label, _("the reception date"))
    done = _checklist(checklist, RECEPTION_ITEMS)
    if liaison is not None and not liaison.active:
        raise ValidationError({"liaison": _("The liaison %(name)s is no longer active.") % {"name": liaison.name}})

    reception = CadreReception.objects.filter(cadre=cadre).first() or CadreReception(cadre=cadre)
    reception.received_on = received_on
    reception.ceremony_on = ceremony_on
    reception.first_visit_on = first_visit_on
    for item in RECEPTION_ITEMS:
        setattr(reception, item, item in done)
    reception.notes = notes
    reception.recorded_by = _user_or_none(user)
    reception.recorded_by_name = _user_name(user)
    reception.save()

    changes: dict[str, Any] = {"received_on": received_on}
    if liaison is not None:
        changes["liaison"] = liaison
    cadre_update(cadre=cadre, **changes)
    return reception


# --- Death (5.10) ---


@dataclass(frozen=True)
class BenefitInput:
    status: str = DeathBenefit.Status.PENDING
    amount: Decimal | str | None = None
    paid_on: dt.date | None = None


def _benefit_clean(kind: str, value: BenefitInput | Mapping[str, Any], died_on: dt.date) -> dict[str, Any]:
    if kind not in DeathBenefit.Kind.values:
        raise ValidationError(_("Unknown survivors' benefit: %(kind)s") % {"kind": kind})
    data = value if isinstance(value, BenefitInput) else BenefitInput(**value)
    label = str(DeathBenefit.Kind(kind).label)
    if data.status not in DeathBenefit.Status.values:
        raise ValidationError(
            _("Unknown status of %(benefit)s: %(status)s") % {"benefit": label, "status": data.status}
        )
    amount = None
    if data.amount not in (None, ""):
        try:
            amount = Decimal(str(data.amount)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValidationError(_("The amount of %(benefit)s is not a number.") % {"benefit": label}) from None
        if amount < 0 or amount >= Decimal("1e10"):
            raise ValidationError(_("The amount of %(benefit)s is out of range.") % {"benefit": label})
    if data.status == DeathBenefit.Status.PAID and (amount is None or data.paid_on is None):
        raise ValidationError(_("A paid %(benefit)s needs its amount and payment date.") % {"benefit": label})
    _not_in_future(data.paid_on, "benefits", label)
    _not_before(data.paid_on, died_on, "benefits", label, _("the date of death"))
    return {"status": data.status, "amount": amount, "paid_on": data.paid_on}


@transaction.atomic
def cadre_death_record(
    *,
    cadre: Cadre,
    user,
    died_on: dt.date,
    condolence_visit_on: dt.date | None = None,
    pension_stopped_on: dt.date | None = None,
    checklist: Iterable[str] = (),
    benefits: Mapping[str, BenefitInput | Mapping[str, Any]] | None = None,
    notes: str = "",
) -> CadreDeath:
    """Record a death: the 5.10 checklist and survivors' benefits; the cadre becomes deceased, benefits stop."""
    _not_in_future(died_on, "died_on", _("The date of death"))
    _not_before_birth(died_on, cadre, user, "died_on", _("The date of death"))
    for name, value, label in (
        ("condolence_visit_on", condolence_visit_on, _("The condolence visit date")),
        ("pension_stopped_on", pension_stopped_on, _("The pension stop date")),
    ):
        _not_before(value, died_on, name, label, _("the date of death"))
    _not_in_future(condolence_visit_on, "condolence_visit_on", _("The condolence visit date"))
    done = _checklist(checklist, DEATH_ITEMS)
    cleaned = {kind: _benefit_clean(kind, value, died_on) for kind, value in (benefits or {}).items()}

    death = CadreDeath.objects.filter(cadre=cadre).first() or CadreDeath(cadre=cadre)
    death.died_on = died_on
    death.condolence_visit_on = condolence_visit_on
    death.pension_stopped_on = pension_stopped_on
    for item in DEATH_ITEMS:
        setattr(death, item, item in done)
    death.notes = notes
    death.recorded_by = _user_or_none(user)
    death.recorded_by_name = _user_name(user)
    death.save()
    for kind, values in cleaned.items():
        DeathBenefit.objects.update_or_create(death=death, kind=kind, defaults=values)

    running = {Cadre.BenefitStatus.APPLIED, Cadre.BenefitStatus.APPROVED}
    changes: dict[str, Any] = {"state": Cadre.State.DECEASED, "deceased_on": died_on}
    for status_field in ("nursing_fee_status", "medical_subsidy_status"):
        if getattr(cadre, status_field) in running:
            changes[status_field] = Cadre.BenefitStatus.STOPPED
    cadre_update(cadre=cadre, **changes)
    return death


# --- Transfer to another district (6.6) ---


def _target_validate(*, target_centre: str, cadre: Cadre) -> Any:
    """The target centre, if it can receive this cadre; else a ValidationError saying why."""
    source = connection.schema_name
    centre = next((c for c in centre_list() if c.schema_name == target_centre), None)
    if centre is None:
        raise ValidationError(_("There is no centre with the code “%(code)s”.") % {"code": target_centre})
    if centre.schema_name == source:
        raise ValidationError(_("A cadre cannot be transferred to the centre that serves them already."))
    if centre.status != centre.Status.ACTIVE:
        raise ValidationError(_("The centre %(name)s is retired and cannot receive cadres.") % {"name": centre.name})
    with schema_context(centre.schema_name):
        duplicate = Cadre.objects.filter(id_hash=cadre.id_hash).exists()
    if duplicate:
        raise ValidationError(
            _("A cadre with the same ID number is already registered at %(name)s.") % {"name": centre.name}
        )
    return centre


def transfer_deadlines(approved_on: dt.date) -> tuple[dt.date, dt.date]:
    """Hand over by the end of October after approval (6.6.4); the target pays from the following January."""
    deadline = dt.date(approved_on.year, 10, 31)
    if approved_on > deadline:
        deadline = dt.date(approved_on.year + 1, 10, 31)
    return deadline, dt.date(deadline.year + 1, 1, 1)


@transaction.atomic
def cadre_transfer_request(
    *, cadre: Cadre, user, target_centre: str, reason: str = "", requested_on: dt.date | None = None
) -> CadreTransfer:
    """Open a transfer of a cadre to another district's centre; it waits for approval."""
    if cadre.state == Cadre.State.DECEASED:
        raise ValidationError(_("A deceased cadre cannot be transferred."))
    open_states = [CadreTransfer.State.REQUESTED, CadreTransfer.State.APPROVED]
    if CadreTransfer.objects.filter(cadre=cadre, state__in=open_states).exists():
        raise ValidationError(_("This cadre already has a transfer in progress."))
    requested_on = requested_on or _today()
    _not_in_future(requested_on, "requested_on", _("The request date"))
    centre = _target_validate(target_centre=target_centre, cadre=cadre)
    return CadreTransfer.objects.create(
        cadre=cadre,
        cadre_name=cadre.name,
        target_centre=centre.schema_name,
        target_name=centre.name,
        reason=reason,
        requested_on=requested_on,
        requested_by=_user_or_none(user),
    )


@transaction.atomic
def cadre_transfer_approve(
    *, transfer: CadreTransfer, user, approved_on: dt.date | None = None, approval_reference: str = ""
) -> CadreTransfer:
    """Approve a requested transfer (by the written approval, 6.6.4) and set its hand-over deadline."""
    if not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied(_("You may not approve transfers."))
    transfer = CadreTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != CadreTransfer.State.REQUESTED:
        raise ValidationError(_("Only a requested transfer can be approved."))
    approval_reference = approval_reference.strip()
    limit = CadreTransfer._meta.get_field("approval_reference").max_length
    if len(approval_reference) > limit:
        raise ValidationError(
            _("The approval reference may be at most %(limit)d characters.") % {"limit": limit}, code="max_length"
        )
    approved_on = approved_on or _today()
    _not_in_future(approved_on, "approved_on", _("The approval date"))
    _not_before(approved_on, transfer.requested_on, "approved_on", _("The approval date"), _("the request date"))
    transfer.state = CadreTransfer.State.APPROVED
    transfer.approved_on = approved_on
    transfer.approved_by = user
    transfer.approval_reference = approval_reference
    transfer.handover_deadline, transfer.target_pays_from = transfer_deadlines(approved_on)
    transfer.save()
    return transfer


@dataclass
class _Move:
    """What one transfer copies into the target: new ids per table, files copied, contexts carried over."""

    source: str
    target: str
    ids: dict[str, dict[int, int]] = field(default_factory=dict)
    files_copied: list[Path] = field(default_factory=list)
    files_to_remove: list[Path] = field(default_factory=list)
    contexts: set[uuid.UUID] = field(default_factory=set)
    events: dict[str, list[int]] = field(default_factory=dict)  # source event ids per event table


def _event_model(model: type[models.Model]) -> type[models.Model]:
    return apps.get_model("registry", f"{model.__name__}Event")


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def _table(schema: str, model: type[models.Model]) -> sql.Identifier:
    return sql.Identifier(schema, model._meta.db_table)


def _execute(statement: sql.Composable, params: Iterable[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection), list(params))
        return cursor.fetchall() if cursor.description else []


def _row_copy(move: _Move, model: type[models.Model], old_id: int, overrides: Mapping[str, Any]) -> int:
    """Copy one row from the source table into the target's; values exactly as stored (ciphertext stays)."""
    columns = _columns(model)
    values = [
        sql.Placeholder() if column in overrides else sql.Identifier(column) for column in columns
    ]  # overrides are bound as parameters in column order
    params = [overrides[column] for column in columns if column in overrides]
    statement = sql.SQL(
        "INSERT INTO {target} ({columns}) SELECT {values} FROM {source} WHERE id = %s RETURNING id"
    ).format(
        target=_table(move.target, model),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(values),
        source=_table(move.source, model),
    )
    (new_id,) = _execute(statement, [*params, old_id])[0]
    move.ids.setdefault(model._meta.db_table, {})[old_id] = new_id
    return new_id


def _files_copy(move: _Move, model: type[models.Model], new_id: int) -> None:
    """Copy the row's files into the target's media folder; the source's go once the transaction commits."""
    for file_field in [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]:
        name = model.objects.filter(pk=new_id).values_list(file_field.attname, flat=True).get()
        if not name:
            continue
        with schema_context(move.source):
            source_path = Path(default_storage.path(name))
        if not source_path.exists():
            continue
        with source_path.open("rb") as handle:
            new_name = default_storage.save(name, File(handle))
        move.files_copied.append(Path(default_storage.path(new_name)))
        move.files_to_remove.append(source_path)
        if new_name != name:
            model.objects.filter(pk=new_id).update(**{file_field.attname: new_name})


def _events_copy(move: _Move, model: type[models.Model], old_cadre_id: int, new_cadre_id: int) -> None:
    """Copy the change history of the cadre's rows of one table, re-pointed at the rows' new ids."""
    event_model = _event_model(model)
    table = event_model._meta.db_table
    id_map = move.ids.get(model._meta.db_table, {})
    where = sql.SQL("pgh_obj_id = %s") if model is Cadre else sql.SQL("cadre_id = %s OR pgh_obj_id = ANY(%s)")
    where_params: list[Any] = [old_cadre_id] if model is Cadre else [old_cadre_id, list(id_map)]
    rows = _execute(
        sql.SQL("SELECT pgh_id, pgh_obj_id, pgh_context_id FROM {source} WHERE {where} ORDER BY pgh_id").format(
            source=_table(move.source, event_model), where=where
        ),
        where_params,
    )
    if not rows:
        return
    move.events[table] = [row[0] for row in rows]
    move.contexts |= {row[2] for row in rows if row[2]}
    # Rows deleted before the transfer keep their history under a fresh id the target will never reuse.
    sequence = _execute(sql.SQL("SELECT pg_get_serial_sequence(%s, 'id')"), [f'"{move.target}".{model._meta.db_table}'])
    for obj_id in sorted({row[1] for row in rows} - set(id_map)):
        id_map[obj_id] = _execute(sql.SQL("SELECT nextval(%s)"), [sequence[0][0]])[0][0]

    columns = _columns(event_model)
    overrides: dict[str, sql.Composable] = {
        "pgh_obj_id": sql.SQL("m.new_id"),
        "id": sql.SQL("m.new_id"),
    }
    if model is Cadre:
        overrides |= {column: sql.NULL for column in CLEARED_ON_MOVE}
    else:
        overrides["cadre_id"] = sql.Literal(new_cadre_id)
    values = [overrides.get(column, sql.SQL("e.") + sql.Identifier(column)) for column in columns]
    _execute(
        sql.SQL(
            "INSERT INTO {target} ({columns}) SELECT {values} FROM {source} e "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS m(old_id, new_id) ON e.pgh_obj_id = m.old_id "
            "WHERE e.pgh_id = ANY(%s) ORDER BY e.pgh_id"
        ).format(
            target=_table(move.target, event_model),
            columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            values=sql.SQL(", ").join(values),
            source=_table(move.source, event_model),
        ),
        [list(id_map), list(id_map.values()), move.events[table]],
    )


def _contexts_copy(move: _Move) -> None:
    """Carry the history's contexts over; a user id means nothing in another centre, so keep the name instead."""
    if not move.contexts:
        return
    user_model = get_user_model()
    rows = _execute(
        sql.SQL("SELECT id, created_at, updated_at, metadata FROM {source} WHERE id = ANY(%s)").format(
            source=sql.Identifier(move.source, "pghistory_context")
        ),
        [list(move.contexts)],
    )
    # Django reads jsonb as text on its own connection.
    rows = [(*row[:3], json.loads(row[3]) if isinstance(row[3], str) else dict(row[3] or {})) for row in rows]
    user_ids = {row[3].get("user") for row in rows if row[3].get("user")}
    with schema_context(move.source):
        names = dict(user_model.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    for context_id, created_at, updated_at, metadata in rows:
        if metadata.get("user") is not None:
            metadata["username"] = names.get(metadata["user"], metadata.get("username", ""))
            metadata["user"] = None
        metadata["centre"] = metadata.get("centre") or move.source
        _execute(
            sql.SQL(
                "INSERT INTO {target} (id, created_at, updated_at, metadata) VALUES (%s, %s, %s, %s::jsonb) "
                "ON CONFLICT (id) DO NOTHING"
            ).format(target=sql.Identifier(move.target, "pghistory_context")),
            [context_id, created_at, updated_at, json.dumps(metadata)],
        )


def _transfer_in_event(move: _Move, new_cadre_id: int, transfer: CadreTransfer, user) -> None:
    """One history entry in the target: who moved the cadre in, from where, with the row as it arrived."""
    context_id = uuid.uuid4()
    now = timezone.now()
    metadata = {
        "user": None,
        "username": _user_name(user),
        "centre": move.source,
        "transfer_from": move.source,
        "transfer_reference": transfer.approval_reference,
    }
    _execute(
        sql.SQL("INSERT INTO {target} (id, created_at, updated_at, metadata) VALUES (%s, %s, %s, %s::jsonb)").format(
            target=sql.Identifier(move.target, "pghistory_context")
        ),
        [context_id, now, now, json.dumps(metadata)],
    )
    event_model = _event_model(Cadre)
    tracked = [c for c in _columns(event_model) if not c.startswith("pgh_")]
    _execute(
        sql.SQL(
            "INSERT INTO {events} ({columns}, pgh_label, pgh_created_at, pgh_context_id, pgh_obj_id) "
            "SELECT {columns}, 'transfer_in', %s, %s, id FROM {cadres} WHERE id = %s"
        ).format(
            events=_table(move.target, event_model),
            columns=sql.SQL(", ").join(map(sql.Identifier, tracked)),
            cadres=_table(move.target, Cadre),
        ),
        [now, context_id, new_cadre_id],
    )


def _history_triggers(models_: Iterable[type[models.Model]]) -> list[str]:
    return [
        f"registry.{m.__name__}:{name}" for m in models_ for name in ("insert_insert", "update_update", "delete_delete")
    ]


def _source_clear(move: _Move, cadre_id: int) -> None:
    """Remove the cadre from the source: history first, then rows, then contexts nothing else refers to."""
    for table, event_ids in move.events.items():
        _execute(
            sql.SQL("DELETE FROM {table} WHERE pgh_id = ANY(%s)").format(table=sql.Identifier(move.source, table)),
            [event_ids],
        )
    CadreTransfer.objects.filter(cadre_id=cadre_id).update(cadre=None)
    for model in MOVED_MODELS:
        _execute(
            sql.SQL("DELETE FROM {table} WHERE cadre_id = %s").format(table=_table(move.source, model)), [cadre_id]
        )
    _execute(sql.SQL("DELETE FROM {table} WHERE id = %s").format(table=_table(move.source, Cadre)), [cadre_id])
    if not move.contexts:
        return
    still_used = sql.SQL(" OR ").join(
        sql.SQL("EXISTS (SELECT 1 FROM {table} e WHERE e.pgh_context_id = c.id)").format(
            table=sql.Identifier(move.source, m._meta.db_table)
        )
        for m in apps.get_models()
        if issubclass(m, Event) and "pgh_context_id" in [f.column for f in m._meta.concrete_fields]
    )
    _execute(
        sql.SQL("DELETE FROM {contexts} c WHERE c.id = ANY(%s) AND NOT ({still_used})").format(
            contexts=sql.Identifier(move.source, "pghistory_context"), still_used=still_used
        ),
        [list(move.contexts)],
    )


def _other_records_check(cadre: Cadre) -> None:
    """Refuse when records this transfer cannot carry still refer to the cadre (nothing may be left behind)."""
    carried = set(MOVED_MODELS) | {CadreTransfer}
    for relation in Cadre._meta.related_objects:
        model = relation.related_model
        if model in carried or issubclass(model, Event):
            continue
        if model._default_manager.filter(**{relation.field.name: cadre}).exists():
            raise ValidationError(
                _("%(records)s of this cadre cannot be transferred; resolve them first.")
                % {"records": model._meta.verbose_name_plural}
            )


def cadre_transfer_execute(*, transfer: CadreTransfer, user) -> CadreTombstone:
    """Move an approved transfer's cadre, records, history and files into the target centre in one transaction.

    Both schemas change in one database transaction (one connection, search_path switched); the source keeps
    only a tombstone. On any failure nothing changes in either schema and copied files are removed again.
    """
    if not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied(_("You may not execute transfers."))
    source = connection.schema_name
    move = _Move(source=source, target=transfer.target_centre)
    try:
        with transaction.atomic():
            tombstone = _transfer_execute(move=move, transfer=transfer, user=user)
            files_to_remove = list(move.files_to_remove)
            transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in files_to_remove])
    except BaseException:
        for path in move.files_copied:
            path.unlink(missing_ok=True)
        raise
    return tombstone


def _transfer_execute(*, move: _Move, transfer: CadreTransfer, user) -> CadreTombstone:
    transfer = CadreTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != CadreTransfer.State.APPROVED:
        raise ValidationError(_("The transfer has not been approved."))
    cadre = Cadre.objects.select_for_update().get(pk=transfer.cadre_id)
    if cadre.state == Cadre.State.DECEASED:
        raise ValidationError(_("A deceased cadre cannot be transferred."))
    centre = _target_validate(target_centre=transfer.target_centre, cadre=cadre)
    _other_records_check(cadre)
    children = {
        model: list(model.objects.filter(cadre_id=cadre.pk).order_by("pk").values_list("pk", flat=True))
        for model in MOVED_MODELS
    }
    triggers = _history_triggers((Cadre, *MOVED_MODELS))

    with schema_context(move.target), pgtrigger.ignore(*triggers):
        new_cadre_id = _row_copy(move, Cadre, cadre.pk, {column: None for column in CLEARED_ON_MOVE})
        _files_copy(move, Cadre, new_cadre_id)
        for model, ids in children.items():
            for old_id in ids:
                new_id = _row_copy(move, model, old_id, {"cadre_id": new_cadre_id})
                _files_copy(move, model, new_id)
        for model in (Cadre, *MOVED_MODELS):
            _events_copy(move, model, cadre.pk, new_cadre_id)
        _contexts_copy(move)
        _transfer_in_event(move, new_cadre_id, transfer, user)

    with schema_context(move.source), pgtrigger.ignore(*triggers):
        _source_clear(move, cadre.pk)
        today = _today()
        tombstone = CadreTombstone.objects.create(
            id_hash=cadre.id_hash,
            name=cadre.name,
            transferred_on=today,
            destination_centre=centre.schema_name,
            destination_name=centre.name,
        )
        transfer.state = CadreTransfer.State.COMPLETED
        transfer.cadre = None
        transfer.completed_at = timezone.now()
        transfer.completed_by = user
        transfer.tombstone = tombstone
        transfer.save()
    return tombstone

"""A cadre's change history from the pghistory events of the cadre and its records: who, when, old → new."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Cadre, RestHome, Staff
from registry.selectors import FIELD_KINDS, HEALTH_FLAGS, can_see_field
from registry.services import PERSONAL_FIELDS

RELATED_MODELS = [
    "FamilyMember",
    "TripAbroad",
    "HealthCheck",
    "ArchiveDocument",
    "Honour",
    "Skill",
    "CadreReception",
    "CadreDeath",
]
# Derived or bookkeeping columns, not shown as changes.
HIDDEN_FIELDS = {
    "id",
    "id_hash",
    "mobile_hash",
    "name_pinyin",
    "name_initials",
    "created_at",
    "updated_at",
    "uploaded_at",
    "cadre",
}


@dataclass
class Change:
    label: str
    old: str
    new: str
    hidden: bool = False


@dataclass
class HistoryEntry:
    at: dt.datetime
    username: str
    action: str
    record: str
    changes: list[Change] = field(default_factory=list)
    order: int = 0


@dataclass
class CadreHistory:
    entries: list[HistoryEntry]
    # model name → (record ids, field names) whose personal values were shown unmasked
    unmasked: dict[str, tuple[set[int], set[str]]]


def _same(old, new) -> bool:
    return old == new or (old in (None, "") and new in (None, ""))


def _value_text(model_field: models.Field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(model_field, models.ForeignKey):
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(model_field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    return str(value)


def _record_label(model, event) -> str:
    if model is Cadre:
        return str(Cadre._meta.verbose_name)
    name = getattr(event, "name", "") or getattr(event, "title", "") or getattr(event, "destination", "")
    name = name or getattr(event, "skill", "") or (str(event.year) if hasattr(event, "year") else "")
    return f"{model._meta.verbose_name} {name}".strip()


def _event_action(label: str, context: dict) -> str:
    if label == "transfer_in":
        return _("Transferred in from %(centre)s") % {"centre": context.get("centre", "")}
    return {"insert": _("Created"), "update": _("Changed"), "delete": _("Deleted")}.get(label, label)


def cadre_history(*, cadre: Cadre, user) -> CadreHistory:
    """Newest first; personal fields (and the birth date and health conditions) hidden unless the user may see them."""
    may_see = {name: can_see_field(user, name) for name in FIELD_KINDS}
    streams = [(Cadre, cadre.events.all())]
    for name in RELATED_MODELS:
        event_model = apps.get_model("registry", f"{name}Event")
        streams.append((event_model.pgh_tracked_model, event_model.objects.filter(cadre_id=cadre.pk)))
    loaded = [(model, list(qs.select_related("pgh_context").order_by("pgh_obj_id", "pgh_id"))) for model, qs in streams]

    user_ids, rest_home_ids, staff_ids = set(), set(), set()
    for _model, events in loaded:
        for event in events:
            if event.pgh_context is not None and event.pgh_context.metadata.get("user"):
                user_ids.add(event.pgh_context.metadata["user"])
            rest_home_ids.add(getattr(event, "rest_home_id", None))
            staff_ids.add(getattr(event, "liaison_id", None))
    usernames = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    homes = RestHome.objects.filter(pk__in=rest_home_ids).values_list("pk", "name")
    names = {(RestHome, pk): name for pk, name in homes}
    names |= {(Staff, pk): name for pk, name in Staff.objects.filter(pk__in=staff_ids).values_list("pk", "name")}

    entries: list[HistoryEntry] = []
    unmasked: dict[str, tuple[set[int], set[str]]] = defaultdict(lambda: (set(), set()))
    for order, (model, events) in enumerate(loaded):
        personal = set(PERSONAL_FIELDS.get(model.__name__, []))
        if model is Cadre:
            personal |= {"birth_date", *HEALTH_FLAGS}
        shown = [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]
        previous = None
        for event in events:
            if previous is not None and previous.pgh_obj_id != event.pgh_obj_id:
                previous = None
            changes = []
            if event.pgh_label == "update" and previous is not None:
                for model_field in shown:
                    old, new = getattr(previous, model_field.attname), getattr(event, model_field.attname)
                    if _same(old, new):
                        continue
                    label = str(model_field.verbose_name)
                    if model_field.name in personal and not may_see[model_field.name]:
                        if model.__name__ == "Cadre" and model_field.name in HEALTH_FLAGS:
                            continue  # that a yes/no condition changed would tell its value: not even named
                        changes.append(Change(label=label, old="", new="", hidden=True))
                        continue
                    if model_field.name in PERSONAL_FIELDS.get(model.__name__, []):
                        unmasked[model.__name__][0].add(event.pgh_obj_id)
                        unmasked[model.__name__][1].add(model_field.name)
                    changes.append(
                        Change(
                            label=label,
                            old=_value_text(model_field, old, names),
                            new=_value_text(model_field, new, names),
                        )
                    )
            previous = event
            if event.pgh_label == "update" and not changes:
                continue  # only bookkeeping columns changed
            context = event.pgh_context.metadata if event.pgh_context is not None else {}
            entries.append(
                HistoryEntry(
                    at=timezone.localtime(event.pgh_created_at),
                    # History moved from another centre names its user, whose id means nothing here.
                    username=usernames.get(context.get("user")) or context.get("username") or _("system"),
                    action=_event_action(event.pgh_label, context),
                    record=_record_label(model, event),
                    changes=changes,
                    order=order * 10_000_000 + event.pgh_id,
                )
            )
    entries.sort(key=lambda entry: (entry.at, entry.order), reverse=True)
    return CadreHistory(entries=entries, unmasked=dict(unmasked))

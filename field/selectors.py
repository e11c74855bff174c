"""Reads of the field app: what a liaison's phone is given to carry (today's items, the cards, the forms)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from field.models import FieldDevice, FieldSubmission
from forms_engine.selectors import (
    cadre_submissions_latest,
    form_current_version_ids,
    forms_fillable_published,
)
from forms_engine.services import version_schema
from notifications.selectors import worklist_fill_targets, worklist_name_subjects, worklist_pending_for_user
from registry.selectors import cadre_cards, cadre_ids_own, staff_for_user

# How far ahead the phone carries what is due (the issue: the next 7 days).
DAYS_AHEAD = 7
LAST_VISITS = 3
OPEN_COMPLAINTS = 5
VISIT_DATE = "visit_date"  # the visit record's day of the visit (the library's template, and the reminders' rules)


def device_for_user(*, user, device_id) -> FieldDevice | None:
    """The user's own registration of this device, None when it has none (another user's device is none too)."""
    return FieldDevice.objects.filter(user=user, device_id=device_id).first()


def field_receipt_by_key(*, client_key) -> FieldSubmission | None:
    return FieldSubmission.objects.filter(client_key=client_key).first()


def _group(due_on: dt.date, today: dt.date) -> str:
    return "overdue" if due_on < today else "today" if due_on == today else "week"


def _prefill(schema: dict, query: dict[str, str]) -> dict:
    """The answers a 去填写 link prefills, by field name (as the admin's fill page reads them): the cadre also fills
    the form's first cadre field; a personal field is never prefilled."""
    prefill: dict = {}
    fields = [spec for spec in schema["fields"] if not spec.get("personal")]
    for spec in fields:
        if spec["name"] in query and spec["type"] != "cadre":
            prefill[spec["name"]] = query[spec["name"]]
    cadre_fields = [spec["name"] for spec in fields if spec["type"] == "cadre"]
    if cadre_fields and str(query.get("cadre", "")).isdigit():
        prefill[cadre_fields[0]] = int(query["cadre"])
    return prefill


def field_pending_items(*, user, today: dt.date) -> list:
    """The user's pending items due by DAYS_AHEAD days from today, theirs or escalated to them, with rule."""
    return worklist_pending_for_user(user=user, today=today, until=today + dt.timedelta(days=DAYS_AHEAD))


def field_today(*, user, today: dt.date | None = None) -> dict:
    """What the phone carries: the user's pending items due by 7 days from now (overdue first), the cards of their own
    cadres and of those items' cadres, and every published form they may fill in, by version."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    pending = field_pending_items(user=user, today=today)
    fills = worklist_fill_targets(items=pending, today=today)
    worklist_name_subjects(items=pending)
    fillable = forms_fillable_published(user=user)
    by_form_id = {form.pk: form for form in fillable}
    versions = form_current_version_ids(form_ids=by_form_id)
    item_cadres = {item.subject_id for item in pending if item.subject_type == "cadre"}
    cards = cadre_cards(user=user, ids=cadre_ids_own(user=user) | item_cadres)
    visits = cadre_submissions_latest(cadre_ids=cards, purpose="visit", per_cadre=LAST_VISITS, date_field=VISIT_DATE)
    complaints = cadre_submissions_latest(
        cadre_ids=cards, purpose="complaint", per_cadre=OPEN_COMPLAINTS, open_only=True
    )
    items = []
    for item in pending:
        if item.subject_type == "cadre" and item.subject_id not in cards:
            continue  # a cadre the user may no longer see (moved to another rest home) travels on no phone
        fill = fills.get(item.pk)
        form = by_form_id.get(fill["form_id"]) if fill else None
        version_id = versions.get(form.pk) if form else None
        items.append(
            {
                "id": item.pk,
                "group": _group(item.due_on, today),
                "title": item.rule.title,
                "subject": item.subject_name,
                "due_date": item.due_on.isoformat(),
                "cadre_id": item.subject_id if item.subject_type == "cadre" else None,
                "form_key": form.key if form else None,
                "version_id": version_id,
                "prefill": _prefill(version_schema(version_id), fill["query"]) if fill and version_id else {},
            }
        )
    items.sort(key=lambda row: (("overdue", "today", "week").index(row["group"]), row["due_date"], row["id"]))
    staff = staff_for_user(user)
    return {
        "generated_at": now.isoformat(),
        "user": {
            "name": staff.name if staff else (user.get_full_name() or user.get_username()),
            "staff_id": staff.pk if staff else None,
        },
        "wipe": False,
        "items": items,
        "cadres": {
            str(pk): {
                **card,
                "last_visits": [_dated(row) for row in visits.get(pk, [])],
                "open_complaints": [
                    {"date": row["date"].isoformat(), "title": row["form_title"]} for row in complaints.get(pk, [])
                ],
            }
            for pk, card in sorted(cards.items())
        },
        "forms": {
            str(versions[form.pk]): {
                "key": form.key,
                "title": form.title,
                "purpose": form.purpose,
                "version_id": versions[form.pk],
                "schema": version_schema(versions[form.pk]),
            }
            for form in fillable
            if form.pk in versions
        },
    }


def _dated(row: dict) -> dict:
    return {"date": row["date"].isoformat(), "form_title": row["form_title"]}


def device_list() -> list[FieldDevice]:
    """Every phone signed in to the field app in this centre, the latest contact first, with its user."""
    return list(FieldDevice.objects.select_related("user").order_by("revoked_at", "-last_contact", "-pk"))


def device_by_pk(*, pk: int) -> FieldDevice | None:
    return FieldDevice.objects.filter(pk=pk).first()

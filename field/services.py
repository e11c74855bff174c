"""Writes of the field app: phones signed in and out, and submissions sent from them, each taken once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from field.models import FieldDevice, FieldSubmission
from field.selectors import field_pending_items
from forms_engine.rendering import stored_files_discard, upload_store
from forms_engine.selectors import form_by_version_id
from forms_engine.services import submission_create, version_schema
from notifications.services import due_items_close_by_records
from registry.selectors import cadre_ids_visible, cadre_served_by_id

LABEL_LENGTH = FieldDevice._meta.get_field("label").max_length or 200


class NotFound(Exception):
    """Unknown here, or not this user's: the same answer for both."""


def device_register(
    *, user, device_id: uuid.UUID, user_agent: str = "", now: dt.datetime | None = None
) -> tuple[FieldDevice, bool]:
    """The user's registration of this device (made at its first contact: True); each contact is its last contact."""
    now = now or timezone.now()
    device, created = FieldDevice.objects.get_or_create(
        user=user, device_id=device_id, defaults={"label": user_agent[:LABEL_LENGTH], "last_contact": now}
    )
    if not created:
        FieldDevice.objects.filter(pk=device.pk).update(last_contact=now)
        device.last_contact = now
    return device, created


def device_contact(*, user, device_id: uuid.UUID, user_agent: str = "") -> FieldDevice:
    """A contact from a device (registered now if it never was): its last contact is now."""
    return device_register(user=user, device_id=device_id, user_agent=user_agent)[0]


def device_revoke(*, device: FieldDevice, by, now: dt.datetime | None = None) -> FieldDevice:
    """Sign a device out remotely: its next contact wipes what it holds and ends its session."""
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by = now or timezone.now(), by
        device.save(update_fields=["revoked_at", "revoked_by"])
    return device


def field_items_close(*, user, today: dt.date | None = None) -> set[int]:
    """Close the user's pending items that a saved record fulfils already (a record made since the last sweep)."""
    today = today or timezone.localdate()
    return due_items_close_by_records(items=field_pending_items(user=user, today=today), today=today)


@dataclass
class Accepted:
    receipt: FieldSubmission
    created: bool
    closed: set[int]


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _answers_with_files(schema: dict, answers: dict, files) -> tuple[dict, list[str]]:
    """The answers with each file part stored and named in its field's answer (files are sent beside the answers,
    each named by its field); a refused file refuses the submission."""
    answers = dict(answers)
    stored: list[str] = []
    errors: dict[str, list[str]] = {}
    for spec in schema["fields"]:
        upload = files.get(spec["name"]) if files is not None and spec["type"] == "file" else None
        if upload is None:
            continue
        try:
            answers[spec["name"]] = upload_store(spec=spec, upload=upload)
        except ValidationError as error:
            errors[spec["name"]] = error.messages
            continue
        stored.append(answers[spec["name"]]["path"])
    if errors:
        stored_files_discard(stored)
        raise ValidationError(errors)
    return answers, stored


def field_submission_accept(
    *,
    user,
    device: FieldDevice,
    client_key: uuid.UUID,
    version_id: int,
    answers: dict,
    cadre_id: int | None = None,
    due_item_id: int | None = None,
    filled_at: dt.datetime | None = None,
    files=None,
    today: dt.date | None = None,
) -> Accepted:
    """Take a submission made on a phone, once per key made on the phone: a repeat (also two at once) answers with
    the first receipt. It keeps the version it was filled in (flagged for review when that version is no longer the
    form's current one); the items it fulfils are closed now. Refused: ValidationError {field: [reason]}; another
    user's key, or a version unknown here: NotFound."""
    today = today or timezone.localdate()
    known = FieldSubmission.objects.filter(client_key=client_key).select_related("submission").first()
    if known is not None:
        if known.user_id != user.pk:
            raise NotFound
        return Accepted(receipt=known, created=False, closed=set())
    form = form_by_version_id(version_id=version_id)
    if form is None:
        raise NotFound
    if not isinstance(answers, dict):
        raise _refused("__all__", _("Answers must be given as named fields."))
    schema = version_schema(version_id)
    # The cadre it is about: the one named beside the answers, else the form's first cadre answer (as the admin's
    # fill page links them); one transferred out or deceased meanwhile, or no longer the user's, refuses it.
    subject = cadre_id if cadre_id is not None else _cadre_answer(schema, answers)
    cadre = None
    if subject is not None:
        cadre = cadre_served_by_id(subject)
        if cadre is None or not cadre_ids_visible(ids={subject}, user=user):
            raise _refused("cadre", _("This cadre is no longer served by the centre or not yours to visit."))
    answers, stored = _answers_with_files(schema, answers, files)
    pending = field_pending_items(user=user, today=today)
    due_item = next((item for item in pending if item.pk == due_item_id), None)
    try:
        with transaction.atomic():
            submission = submission_create(
                form=form, data=answers, user=user, cadre=cadre, channel="field", version_id=version_id
            )
            receipt = FieldSubmission.objects.create(
                client_key=client_key,
                device=device,
                user=user,
                submission=submission,
                receipt=submission.receipt,
                due_item=due_item,
                filled_at=filled_at,
            )
    except IntegrityError:
        # The same key came in twice at once: the other request stored it first; this one answers with its receipt.
        stored_files_discard(stored)
        known = FieldSubmission.objects.filter(client_key=client_key).select_related("submission").first()
        if known is None:
            raise
        if known.user_id != user.pk:
            raise NotFound from None
        return Accepted(receipt=known, created=False, closed=set())
    except PermissionDenied:
        stored_files_discard(stored)
        raise _refused("__all__", _("You may no longer fill in this form.")) from None
    except ValidationError:
        stored_files_discard(stored)
        raise
    mine = [
        item for item in pending if item is due_item or (item.subject_type == "cadre" and item.subject_id == subject)
    ]
    closed = due_items_close_by_records(items=mine, today=today)
    return Accepted(receipt=receipt, created=True, closed=closed)


def _cadre_answer(schema: dict, answers: dict) -> int | None:
    """The cadre named by the form's first cadre field, when the submission names none itself."""
    for spec in schema["fields"]:
        if spec["type"] == "cadre":
            value = answers.get(spec["name"])
            return int(str(value)) if str(value or "").isdigit() else None
    return None

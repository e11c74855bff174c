"""Signed webhooks: a form's submissions announced to outside URLs, each delivery recorded and retried with back-off.

The body is JSON; `X-Junxiu-Signature: sha256=<hex>` is HMAC-SHA256 with the webhook's secret over
`<X-Junxiu-Timestamp>.<body>`, so a receiver can refuse both forged and replayed requests.

No delivery is left behind: its task is queued once the submission commits, but a process killed between the commit
and the queueing, or a Redis broker losing the tasks of a killed cluster, leaves it without one. A periodic task in
every centre (webhook_deliveries_lost_send, every minute) queues again each open delivery no task has taken for
LOST_TASK_AFTER. Extra tasks are harmless: a send holds the delivery's row lock while it posts, a second task skips a
locked row, and one that comes before the next attempt is due does nothing. Delivery is at least once (a worker
killed after the receiver answered but before its commit leaves the row to be sent again): receivers dedupe on
X-Junxiu-Delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forms_engine.fields import display_value, is_empty
from forms_engine.models import FormDefinition, FormWebhook, FormWebhookDelivery, Submission
from forms_engine.personal import reveal
from tenants.tasks import centre_schedule_ensure, centre_task_enqueue, centre_task_schedule_once, current_centre_schema

SEND_FUNC = "forms_engine.webhooks.webhook_delivery_send"
LOST_FUNC = "forms_engine.webhooks.webhook_deliveries_lost_send"
LOST_TASK_AFTER = dt.timedelta(minutes=2)  # a task runs within seconds; one not run by then was lost
LOST_BATCH = 500  # queued again per run (a minute) and centre
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30  # then ×4: 30 s, 2 min, 8 min, 32 min, about 2 h
TIMEOUT_SECONDS = 10
EVENTS = [choice.value for choice in FormWebhook.Event]


def webhook_create(*, form: FormDefinition, url: str, events: list[str] | None = None, secret: str = "") -> FormWebhook:
    """Add a webhook to a form; without a secret one is made (shown to the admin once, kept to sign)."""
    URLValidator(schemes=["http", "https"])(url)
    if not settings.JUNXIU_WEBHOOK_ALLOW_PRIVATE and webhook_target_private(url):
        raise ValidationError({"url": [_("Webhooks may only call public addresses.")]})
    events = list(events or [])
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValidationError({"events": [_("Unknown events: %(events)s") % {"events": ", ".join(unknown)}]})
    webhook = FormWebhook(form=form, url=url, events=events, secret=secret or secrets.token_urlsafe(32))
    webhook.full_clean()
    with transaction.atomic():
        webhook.save()
        FormDefinition.objects.filter(pk=form.pk).update(has_webhooks=True)
    form.has_webhooks = True
    return webhook


def submission_payload(*, submission: Submission, event: str) -> dict[str, Any]:
    """What a receiver gets: the submission with answers as stored, personal answers always masked."""
    from forms_engine.services import personal_kinds

    specs = submission.version.schema["fields"]
    kinds = personal_kinds(form_id=submission.form_id, version=submission.version)
    return {
        "event": event,
        "centre": connection.schema_name,
        "form": submission.form.key,
        "submission": {
            "id": submission.pk,
            "receipt": submission.receipt,
            "version": submission.version.number,
            "state": submission.state,
            "cadre": submission.cadre_id,
            "assignee": submission.assignee_id,
            "channel": submission.channel,
            "created_at": submission.created_at.isoformat(),
            "updated_at": submission.updated_at.isoformat(),
            "data": answers_masked(specs, submission.data, kinds=kinds, may_see=lambda kind: False),
        },
    }


def answers_masked(
    specs: list[dict], data: dict, *, kinds: dict[str, str], may_see: Callable[[str], bool], shown: set | None = None
) -> dict:
    """Answers for a machine reader (repeat rows included): a personal one in clear, as answered, when the reader
    may see its kind, else its mask as text; `shown` collects the names of those given in clear."""
    out = dict(data)
    for spec in specs:
        name = spec["name"]
        value = data.get(name)
        if is_empty(value):
            continue
        if spec["type"] == "repeat" and isinstance(value, list):
            out[name] = [
                answers_masked(spec.get("children", []), row, kinds=kinds, may_see=may_see, shown=shown)
                if isinstance(row, dict)
                else row
                for row in value
            ]
        elif name in kinds and not may_see(kinds[name]):
            out[name] = display_value(spec, value, sensitive=False, personal=True)
        elif name in kinds:
            out[name] = reveal(value)
            if shown is not None:
                shown.add(name)
        else:
            out[name] = reveal(value)  # sealed once, under a mark since taken off
    return out


def submission_webhooks_queue(*, submission: Submission, event: str) -> list[FormWebhookDelivery]:
    """Record a delivery for each active webhook of the form that wants the event; queue them once committed."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    hooks = [
        hook
        for hook in FormWebhook.objects.filter(form_id=submission.form_id, active=True)
        if not hook.events or event in hook.events
    ]
    if not hooks:
        return []
    payload = submission_payload(submission=submission, event=event)
    deliveries = FormWebhookDelivery.objects.bulk_create(
        [FormWebhookDelivery(webhook=hook, event=event, submission=submission, payload=payload) for hook in hooks]
    )
    schema = current_centre_schema()
    for delivery in deliveries:
        transaction.on_commit(
            lambda pk=delivery.pk: centre_task_enqueue(schema_name=schema, func=SEND_FUNC, kwargs={"delivery_id": pk})
        )
    return deliveries


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Worker side (inside the centre): one attempt; on failure the next is scheduled later, until MAX_ATTEMPTS.

    Returns the delivery's status after it, or "skipped" when another task is sending it right now (its row is
    locked: we do not wait, and do not post twice) or its next attempt is not due yet, or "missing".
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The lock is on the delivery alone (of=self): other deliveries of the same webhook go out at the same time.
        delivery = (
            FormWebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "skipped" if FormWebhookDelivery.objects.filter(pk=delivery_id).exists() else "missing"
        if delivery.status in (FormWebhookDelivery.Status.DELIVERED, FormWebhookDelivery.Status.FAILED):
            return delivery.status
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return "skipped"  # a second task for an attempt that already failed: the retry is scheduled
        hook = delivery.webhook
        body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        code, error = _post(
            hook.url,
            body,
            {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "junxiu-webhooks/1",
                "X-Junxiu-Event": delivery.event,
                "X-Junxiu-Delivery": str(delivery.pk),
                "X-Junxiu-Timestamp": timestamp,
                "X-Junxiu-Signature": signature(secret=hook.secret, timestamp=timestamp, body=body),
            },
        )
        delivery.attempts += 1
        delivery.response_code = code
        delivery.error = error
        now = timezone.now()  # after the post, which may have taken seconds
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                FormWebhookDelivery.Status.DELIVERED,
                now,
                None,
            )
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = FormWebhookDelivery.Status.FAILED, None
        else:
            delivery.status = FormWebhookDelivery.Status.RETRYING
            delivery.next_attempt_at = now + dt.timedelta(seconds=FIRST_RETRY_SECONDS * 4 ** (delivery.attempts - 1))
            _retry_schedule(delivery)
        delivery.save()
        return delivery.status


def webhook_deliveries_lost_send(*, now: dt.datetime | None = None) -> int:
    """Periodic, inside a centre: queue a task again for each open delivery no task has taken for LOST_TASK_AFTER
    (pending since it was made or last queued again; retrying since its attempt was due); returns how many.

    Marks each with next_attempt_at = now (when it was queued again), so the next run leaves it to that task for
    LOST_TASK_AFTER; rows a task is sending (locked) are left alone.
    """
    now = now or timezone.now()
    stale = now - LOST_TASK_AFTER
    Status = FormWebhookDelivery.Status
    lost = FormWebhookDelivery.objects.filter(status__in=[Status.PENDING, Status.RETRYING]).filter(
        Q(next_attempt_at__lte=stale) | Q(status=Status.PENDING, next_attempt_at__isnull=True, created_at__lte=stale)
    )
    schema = current_centre_schema()
    with transaction.atomic():
        ids = list(lost.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)[:LOST_BATCH])
        FormWebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for delivery_id in ids:
            centre_task_enqueue(schema_name=schema, func=SEND_FUNC, kwargs={"delivery_id": delivery_id})
    return len(ids)


def webhook_schedules_ensure(*, centre, **_context) -> None:
    """Set-up step: this centre's lost deliveries are queued again every minute."""
    centre_schedule_ensure(schema_name=centre.schema_name, name="webhooks_lost", func=LOST_FUNC, minutes=1)


def webhook_target_private(url: str) -> bool:
    """Whether a URL's host is (or resolves to) a loopback, private, link-local or reserved address."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False  # unresolvable: the delivery will fail and be retried, it reaches nothing
    return any(
        (ip := ipaddress.ip_address(address.split("%")[0])).is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        for address in addresses
    )


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    if not url.startswith(("http://", "https://")):
        return None, "unsupported URL scheme"
    # Checked again at each send: a name may have been re-pointed at an internal host since it was saved.
    if not settings.JUNXIU_WEBHOOK_ALLOW_PRIVATE and webhook_target_private(url):
        return None, "refused: the address is not public"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def _retry_schedule(delivery: FormWebhookDelivery) -> None:
    """Run the next attempt at next_attempt_at, in this centre, through the centre task runner."""
    schema = current_centre_schema()
    centre_task_schedule_once(
        schema_name=schema,
        name=f"webhook-{schema}-{delivery.pk}-{delivery.attempts}",
        func=SEND_FUNC,
        when=delivery.next_attempt_at,
        kwargs={"delivery_id": delivery.pk},
    )

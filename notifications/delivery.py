"""Deliveries: queue a message once per idempotency key, and send it at most once.

At most once beats at least once here: an SMS or e-mail sent twice to a 90-year-old cadre is worse than one that a
centre admin sees failed and sends by hand. So a row is claimed by one atomic conditional UPDATE before anything goes
out, and a row left in "sending" by a worker that died is never re-sent blindly (see delivery_recover). While a row is
in "sending", its not_before holds the moment it was claimed.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from notifications.channels import ChannelError, channel_get, channels, quiet_hours_end
from notifications.models import Delivery, DueItem, NotificationPreference
from tenants.tasks import centre_task_enqueue

SEND_FUNC = "notifications.tasks.delivery_send"
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30  # then ×4: 30 s, 2 min, 8 min, 32 min, about 2 h
# A row queued by delivery_queue has its task already; the sweep picks it up only if that task got lost.
LOST_TASK_AFTER = dt.timedelta(minutes=5)
INTERRUPTED = "interrupted; not re-sent to avoid a duplicate"

Status = Delivery.Status


def _quiet_until(*, now: dt.datetime, preference: NotificationPreference | None) -> dt.datetime | None:
    """The end of the user's quiet hours (or the default ones) `now` falls in, or None outside them."""
    if preference is not None and preference.quiet_from is not None and preference.quiet_until is not None:
        return quiet_hours_end(now=now, window=(preference.quiet_from, preference.quiet_until))
    return quiet_hours_end(now=now)


def _default_address(*, channel: str, user) -> str:
    if user is None:
        return ""
    if channel == "email":
        return user.email or ""
    if channel == "sms":
        from registry.selectors import staff_phone_for_user

        return staff_phone_for_user(user=user)
    return ""


def _enqueue(delivery_id: int) -> None:
    centre_task_enqueue(schema_name=connection.schema_name, func=SEND_FUNC, kwargs={"delivery_id": delivery_id})


def delivery_queue(
    *,
    key: str,
    channel: str,
    user=None,
    address: str = "",
    subject: str,
    body: str,
    due_item: DueItem | None = None,
    now: dt.datetime | None = None,
) -> Delivery | None:
    """Record one message under its idempotency key and queue it; None when the key exists or the user opted out."""
    if channel not in channels():
        raise ValueError(f"unknown channel {channel!r}")
    now = now or timezone.now()
    preference = NotificationPreference.objects.filter(user=user).first() if user is not None else None
    # The inbox is always on: it is where every reminder can be found in the admin. Empty list = not chosen yet.
    if channel != "inbox" and preference is not None and preference.channels and channel not in preference.channels:
        return None
    status, not_before, sent_at = Status.QUEUED, None, None
    if channel == "inbox":
        status, sent_at = Status.SENT, now
    elif channel == "sms" and (held_until := _quiet_until(now=now, preference=preference)) is not None:
        status, not_before = Status.HELD, held_until
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            key=key,
            defaults={
                "channel": channel,
                "user": user,
                "address": address or _default_address(channel=channel, user=user),
                "subject": subject[:200],
                "body": body,
                "due_item": due_item,
                "status": status,
                "not_before": not_before,
                "sent_at": sent_at,
            },
        )
        if not created:
            return None
        if status == Status.QUEUED:
            transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=FIRST_RETRY_SECONDS * 4 ** max(attempts - 1, 0))


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Send one delivery if this caller wins the claim; returns the row's status afterwards, or "skipped"."""
    now = now or timezone.now()
    with transaction.atomic():  # the claim and the read are one statement: UPDATE … RETURNING
        claimed = list(
            Delivery.objects.raw(
                f"UPDATE {Delivery._meta.db_table} SET status = %s, attempts = attempts + 1, not_before = %s "  # noqa: S608 - the model's own table
                "WHERE id = %s AND status IN (%s, %s) AND (not_before IS NULL OR not_before <= %s) RETURNING *",
                [Status.SENDING, now, delivery_id, Status.QUEUED, Status.HELD, now],
            )
        )
    if not claimed:
        return "skipped"  # sent, failed, in another worker's hands, not due yet, or gone
    delivery = claimed[0]
    try:
        channel_get(delivery.channel).send(
            address=delivery.address, subject=delivery.subject, body=delivery.body, key=delivery.key
        )
    except ChannelError as exc:
        error = str(exc)[:2000]
        if exc.retryable and delivery.attempts < MAX_ATTEMPTS:
            changes = {"status": Status.QUEUED, "not_before": now + _backoff(delivery.attempts)}
        else:
            changes = {"status": Status.FAILED}
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(last_error=error, **changes)
        return changes["status"]
    except Exception as exc:
        # Unknown whether anything went out: do not try again (at most once), leave it for the admin to see.
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
                status=Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
        raise
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
            status=Status.SENT, sent_at=timezone.now(), last_error=""
        )
    return Status.SENT


def delivery_recover(*, older_than_seconds: int = 600, now: dt.datetime | None = None) -> int:
    """Settle rows left in "sending" by a worker that died: failed (not re-sent), or queued again if idempotent."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(
        status=Status.SENDING, not_before__lt=now - dt.timedelta(seconds=older_than_seconds)
    )
    idempotent = [name for name, channel in channels().items() if channel.idempotent]
    with transaction.atomic():
        requeued = stale.filter(channel__in=idempotent).update(status=Status.QUEUED, not_before=None)
        failed = stale.exclude(channel__in=idempotent).update(status=Status.FAILED, last_error=INTERRUPTED)
    return requeued + failed


def deliveries_due_send(*, now: dt.datetime | None = None) -> int:
    """Queue a send task for every queued or held row that is due now; returns how many were queued."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        Q(status=Status.HELD, not_before__lte=now)
        | Q(status=Status.QUEUED, not_before__lte=now)
        | Q(status=Status.QUEUED, not_before__isnull=True, created_at__lte=now - LOST_TASK_AFTER)
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        for delivery_id in ids:
            transaction.on_commit(lambda delivery_id=delivery_id: _enqueue(delivery_id))
    return len(ids)


def inbox_list(*, user) -> QuerySet[Delivery]:
    """The user's own in-app messages, newest first."""
    return Delivery.objects.filter(user=user, channel="inbox").order_by("-created_at", "-pk")


def inbox_mark_read(*, user, delivery_id: int) -> Delivery:
    """Mark one of the user's own messages read; anyone else's raises Delivery.DoesNotExist, like a missing one."""
    delivery = Delivery.objects.get(pk=delivery_id, user=user, channel="inbox")
    if delivery.read_at is None:
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=timezone.now())
        delivery.refresh_from_db(fields=["read_at"])
    return delivery


def inbox_mark_all_read(*, user) -> int:
    """Mark all of the user's unread in-app messages read; returns how many."""
    with transaction.atomic():
        return inbox_list(user=user).filter(read_at__isnull=True).update(read_at=timezone.now())


def delivery_failures(*, since: dt.datetime) -> QuerySet[Delivery]:
    """Failed messages, and ones waiting to be retried after an error, created since `since` (for the centre admin)."""
    return (
        Delivery.objects.filter(created_at__gte=since)
        .filter(Q(status=Status.FAILED) | (Q(status=Status.QUEUED) & ~Q(last_error="")))
        .select_related("user", "due_item")
        .order_by("-created_at", "-pk")
    )


def delivery_retry(*, delivery_id: int) -> Delivery:
    """A centre admin sends a failed message again, knowingly (it may have reached the person once already)."""
    with transaction.atomic():
        retried = Delivery.objects.filter(pk=delivery_id, status=Status.FAILED).update(
            status=Status.QUEUED, not_before=None
        )
        if retried:
            transaction.on_commit(lambda: _enqueue(delivery_id))
    return Delivery.objects.get(pk=delivery_id)


def preference_save(
    *, user, channels: list[str], quiet_from, quiet_until, daily_digest: bool
) -> NotificationPreference:
    """Save how a user wants to be told; unknown channels are refused, the inbox is always on."""
    unknown = set(channels) - set(available_channels())
    if unknown:
        raise ValueError(f"unknown channels {sorted(unknown)}")
    if (quiet_from is None) != (quiet_until is None):
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(_("Give both ends of the quiet hours, or neither."))
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "channels": sorted(channels),
            "quiet_from": quiet_from,
            "quiet_until": quiet_until,
            "daily_digest": daily_digest,
        },
    )
    return preference


def available_channels() -> list[str]:
    """Channels a user may choose besides the inbox, which is always on."""
    return [name for name in channels() if name != "inbox"]

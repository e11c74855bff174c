"""django-q2 task functions for deliveries; they run inside a centre's schema (tenants.tasks.centre_task_run)."""

from __future__ import annotations

from notifications import delivery
from tenants.tasks import current_centre_schema


def delivery_send(delivery_id: int) -> str:
    """Send one delivery, at most once."""
    current_centre_schema()
    return delivery.delivery_send(delivery_id=delivery_id)


def deliveries_due_send() -> int:
    """Periodic: settle rows interrupted mid-send, then queue whatever is due (released quiet hours, retries)."""
    current_centre_schema()
    delivery.delivery_recover()
    return delivery.deliveries_due_send()


def sweep_run() -> dict:
    """Compute what is due in this centre now, then (once a day, in the morning) tell people what is theirs.

    A django-q2 schedule per centre runs it every 15 minutes.
    """
    from notifications.services import due_items_sweep, reminders_send

    current_centre_schema()
    result = due_items_sweep()
    return {
        "created": result.created,
        "done": result.done,
        "overdue": result.overdue,
        "escalated": result.escalated,
        "reminders": reminders_send(),
    }

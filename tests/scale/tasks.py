"""Task functions the lane's clusters run: the reminder sweep of notifications.tasks.sweep_run as of a fixed moment
(the real one reads the clock; reminders go out only after 07:30 and SMS are held in the quiet hours)."""

from __future__ import annotations

import datetime as dt

from notifications.services import due_items_sweep, reminders_send
from tenants.tasks import current_centre_schema


def sweep_run_at(moment: str) -> dict:
    """What sweep_run does, at `moment` (ISO 8601)."""
    now = dt.datetime.fromisoformat(moment)
    current_centre_schema()
    result = due_items_sweep(now=now)
    return {"created": result.created, "reminders": reminders_send(now=now)}

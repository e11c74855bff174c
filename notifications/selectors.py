"""Reads of the reminders: a staff member's worklist, the centre's counts, a cadre's timeline."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from notifications.models import DueItem
from registry.selectors import cadre_names, staff_for_user, staff_names, trip_cadre_names, trip_ids_for_cadre

PENDING = (DueItem.State.OPEN, DueItem.State.OVERDUE, DueItem.State.ESCALATED)


def worklist_for_user(*, user, today: dt.date | None = None) -> list[DueItem]:
    """What this user must do by today — overdue first; items escalated to them included — with subject names."""
    staff = staff_for_user(user)
    return [] if staff is None else worklist_for_staff(staff=staff, today=today)


def due_item_waivable(*, user, item: DueItem) -> bool:
    """Centre admins may waive any pending item; a staff member the items that are theirs."""
    if item.state not in PENDING:
        return False
    if user.has_perm("notifications.waive_dueitem"):
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.pk in (item.assignee_id, item.escalated_to_id)


def worklist_for_staff(*, staff, today: dt.date | None = None) -> list[DueItem]:
    today = today or timezone.localdate()
    mine = DueItem.objects.filter(Q(assignee=staff) | Q(escalated_to=staff), state__in=PENDING, due_on__lte=today)
    items = list(mine.select_related("rule").order_by("due_on", "rule__title", "pk"))
    _name_subjects(items)
    return items


def _name_subjects(items: list[DueItem]) -> None:
    """Attach `subject_name` to each item (one query per subject type)."""
    ids: dict[str, set[int]] = {}
    for item in items:
        ids.setdefault(item.subject_type, set()).add(item.subject_id)
    names = {
        "cadre": cadre_names(ids.get("cadre", ())),
        "staff": staff_names(ids.get("staff", ())),
        "trip": trip_cadre_names(ids=ids.get("trip", ())),
    }
    for item in items:
        item.subject_name = names.get(item.subject_type, {}).get(item.subject_id, "")


def centre_due_counts(*, today: dt.date | None = None) -> dict:
    """The centre's pending items by rule and by responsible person (None = unassigned), and how many are late."""
    today = today or timezone.localdate()
    pending: QuerySet = DueItem.objects.filter(state__in=PENDING, due_on__lte=today)
    by_rule = list(pending.values("rule__title").annotate(n=Count("pk")).order_by("-n", "rule__title"))
    by_person = Counter(
        dict(pending.values_list("assignee__name").annotate(n=Count("pk")).values_list("assignee__name", "n"))
    )
    late = pending.filter(due_on__lt=today).count()
    return {
        "by_rule": by_rule,
        "by_person": sorted(by_person.items(), key=lambda kv: (-kv[1], kv[0] or "")),
        "late": late,
        "total": pending.count(),
    }


TIMELINE_LIMIT = 200


def cadre_timeline(*, cadre_id: int) -> list[DueItem]:
    """What was due for a cadre (and for their trips abroad) and when it was done, newest first (the latest 200)."""
    trips = trip_ids_for_cadre(cadre_id=cadre_id)
    mine = Q(subject_type="cadre", subject_id=cadre_id) | Q(subject_type="trip", subject_id__in=trips)
    return list(
        DueItem.objects.filter(mine).select_related("rule", "assignee").order_by("-due_on", "-pk")[:TIMELINE_LIMIT]
    )


def due_item_outcomes(*, start: dt.date, end: dt.date, today: dt.date | None = None) -> list[dict]:
    """Per rule and month of the due date: items due, done on time, done late, missed, escalated (for the bureau).

    An item counts once its due date has passed or it is done; waived items are excused and not counted.
    On time means done (by the data or by hand) no later than its due date, in Asia/Shanghai days.
    """
    today = today or timezone.localdate()
    items = (
        DueItem.objects.filter(due_on__range=(start, end))
        .exclude(state=DueItem.State.WAIVED)
        .filter(Q(due_on__lt=today) | Q(state=DueItem.State.DONE))
        .annotate(month=TruncMonth("due_on"), done_day=TruncDate("done_at"))
    )
    done = Q(state=DueItem.State.DONE)
    rows = items.values("rule__key", "rule__title", "rule__clause", "month").annotate(
        due=Count("pk"),
        on_time=Count("pk", filter=done & Q(done_day__lte=F("due_on"))),
        late=Count("pk", filter=done & Q(done_day__gt=F("due_on"))),
        missed=Count("pk", filter=~done),
        escalated=Count("pk", filter=Q(escalation_level__gt=0)),
    )
    return [
        {
            "rule": row["rule__key"],
            "title": row["rule__title"],
            "clause": row["rule__clause"],
            "month": row["month"],
            **{key: row[key] for key in ("due", "on_time", "late", "missed", "escalated")},
        }
        for row in rows.order_by("rule__key", "month")
    ]

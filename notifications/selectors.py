"""Reads of the reminders: a staff member's worklist, the centre's counts, a cadre's timeline."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from forms_engine.selectors import form_fill_targets
from notifications.models import DueItem
from registry.selectors import (
    cadre_names,
    rest_home_choices,
    rest_homes_of,
    staff_for_user,
    staff_names,
    trip_cadre_names,
    trip_ids_for_cadre,
)

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


def due_item_markable(*, user, item: DueItem) -> bool:
    """Whether the user may close this item by hand with a note: theirs to waive, and its rule closed by hand or by a
    call (a one-line note is the record of it)."""
    manual = not (set(item.rule.fulfilment) - {"manual"})
    return (manual or item.rule.done_by_note) and due_item_waivable(user=user, item=item)


def due_items_mark_allowed(*, user, items: list[DueItem]) -> None:
    """Set `waivable` and `markable` on each item as due_item_waivable and due_item_markable answer, reading the
    user's staff record once for the whole list."""
    everyone = user.has_perm("notifications.waive_dueitem")
    staff = None if everyone else staff_for_user(user)
    for item in items:
        theirs = everyone or (staff is not None and staff.pk in (item.assignee_id, item.escalated_to_id))
        item.waivable = item.state in PENDING and theirs
        manual = not (set(item.rule.fulfilment) - {"manual"})
        item.markable = item.waivable and (manual or item.rule.done_by_note)


def stale_items_for_user(*, user) -> QuerySet[DueItem]:
    """Pending items dated before their rule came into force (made before the rule had a start date: medical
    information after transfers in 1983…), that this user may waive: any with the waiving permission, else theirs."""
    stale = DueItem.objects.filter(
        state__in=PENDING, rule__cadence__has_key="after_field", period_start__lt=F("rule__starts_on")
    )
    if user.has_perm("notifications.waive_dueitem"):
        return stale
    staff = staff_for_user(user)
    return stale.filter(Q(assignee=staff) | Q(escalated_to=staff)) if staff is not None else stale.none()


def stale_counts_for_user(*, user) -> list[dict]:
    """Per rule, how many stale items this user may waive in one step: [{rule, title, starts_on, count}]."""
    rows = stale_items_for_user(user=user).values("rule", "rule__title", "rule__starts_on").annotate(n=Count("pk"))
    return [
        {"rule": row["rule"], "title": row["rule__title"], "starts_on": row["rule__starts_on"], "count": row["n"]}
        for row in rows.order_by("rule__title")
    ]


TABS = ("all", "today", "overdue", "week")


def worklist_pending_for_user(*, user, today: dt.date | None = None, until: dt.date | None = None) -> list[DueItem]:
    """Every pending item of this user's (theirs or escalated to them) due by the end of this week (or by `until`),
    with rule."""
    today = today or timezone.localdate()
    staff = staff_for_user(user)
    if staff is None:
        return []
    week_end = until or today + dt.timedelta(days=6 - today.weekday())
    mine = DueItem.objects.filter(Q(assignee=staff) | Q(escalated_to=staff), state__in=PENDING, due_on__lte=week_end)
    return list(mine.select_related("rule").order_by("due_on", "rule__title", "pk"))


def worklist_page(
    *, items: list[DueItem], tab: str, rule_id: int | None, rest_home_id: int | None, today: dt.date | None = None
) -> dict:
    """A worklist's tab: its items (named, with their rest home and a link target for 去填写), the count on each tab
    under the chosen rule and rest home, and the choices of both filters.

    Tabs: all (due by today), today (due today), overdue (due before today), week (due Monday to Sunday of this week).
    """
    today = today or timezone.localdate()
    week_start = today - dt.timedelta(days=today.weekday())
    in_tab = {
        "all": lambda i: i.due_on <= today,
        "today": lambda i: i.due_on == today,
        "overdue": lambda i: i.due_on < today,
        "week": lambda i: i.due_on >= week_start,
    }
    cadres, trips = rest_homes_of(
        cadre_ids={i.subject_id for i in items if i.subject_type == "cadre"},
        trip_ids={i.subject_id for i in items if i.subject_type == "trip"},
    )
    for item in items:
        of = cadres if item.subject_type == "cadre" else trips if item.subject_type == "trip" else {}
        item.rest_home_id = of.get(item.subject_id)
    rules = {item.rule_id: item.rule.title for item in items}
    homes = rest_home_choices()
    chosen = [
        item
        for item in items
        if (rule_id is None or item.rule_id == rule_id) and (rest_home_id is None or item.rest_home_id == rest_home_id)
    ]
    counts = {name: sum(1 for item in chosen if test(item)) for name, test in in_tab.items()}
    shown = [item for item in chosen if in_tab[tab](item)]
    _name_subjects(shown)
    home_names = dict(homes)
    targets = form_fill_targets(keys={i.rule.fulfilment["form"] for i in shown if "form" in i.rule.fulfilment})
    for item in shown:
        item.rest_home_name = home_names.get(item.rest_home_id, "") if item.rest_home_id is not None else ""
        item.fill = _fill_target(item, targets, today)
    return {
        "items": shown,
        "counts": counts,
        "late": sum(1 for item in shown if item.due_on < today),
        "rule_choices": sorted(rules.items(), key=lambda kv: kv[1]),
        "rest_home_choices": homes,
    }


def worklist_fill_targets(*, items: list[DueItem], today: dt.date | None = None) -> dict[int, dict]:
    """Item id → what its 去填写 opens (the form's id and the answers to prefill), for the items that have one."""
    today = today or timezone.localdate()
    targets = form_fill_targets(keys={i.rule.fulfilment["form"] for i in items if "form" in i.rule.fulfilment})
    fills = {item.pk: _fill_target(item, targets, today) for item in items}
    return {pk: fill for pk, fill in fills.items() if fill is not None}


def worklist_name_subjects(*, items: list[DueItem]) -> None:
    """Attach `subject_name` to each item."""
    _name_subjects(items)


def _fill_target(item: DueItem, targets: dict, today: dt.date) -> dict | None:
    """The fill page of the item's form with what to prefill: the cadre, the rule's answers, and the visit's date —
    today, or the item's due date for a late item (a visit noted late still counts for its own period)."""
    key = item.rule.fulfilment.get("form")
    if key not in targets or item.subject_type not in ("cadre", "centre"):
        return None
    form_id, date_fields = targets[key]
    query = {k: str(v) for k, v in item.rule.fulfilment.get("answers", {}).items()}
    if item.subject_type == "cadre":
        query["cadre"] = str(item.subject_id)
    date_field = item.rule.fulfilment.get("date_field")
    if date_field in date_fields:
        query[date_field] = min(today, item.due_on).isoformat()
    return {"form_id": form_id, "query": query}


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

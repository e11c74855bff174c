"""Reminder rules and the sweep that turns them into due items, found done by querying the data itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, DateField, Exists, F, Func, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forms_engine.selectors import form_exists, form_field_names, submission_evidence, submission_last_change
from notifications.calendar import (
    DATA_DIR,
    Period,
    WorkingDays,
    cadence_validate,
    due_date,
    period_after,
    period_containing,
)
from notifications.models import Delivery, DueItem, NotificationPreference, ReminderRule
from registry.selectors import (
    CADRE_FLAGS,
    cadre_queryset_matching,
    cadres_active_by_id,
    health_check_days,
    people_last_changes,
    staff_head_id,
    staff_head_phone,
    staff_ids,
    staff_supervisors_and_users,
    staff_training_days,
    staff_with_login_active,
    trip_cadre_ids,
    trip_passport_days,
    trips_returned,
)
from tenants.db import connection_schema_name

FLAGS = set(CADRE_FLAGS)
FULFILMENTS = {"form", "health_check", "training", "passport_handed_in", "manual"}
ESCALATION_TARGETS = {"supervisor", "head"}
# A late note of a visit (dated in its period) still closes an item this long after its due date; older ones stay late.
RECHECK_LATE = dt.timedelta(days=31)
PENDING_STATES = (DueItem.State.OPEN, DueItem.State.OVERDUE, DueItem.State.ESCALATED)
# A submission saved just before a sweep may commit after it read; the next sweep reads back this far to catch it.
SETTLE = dt.timedelta(minutes=10)
RULE_FIELDS = (
    "title",
    "clause",
    "subject",
    "subject_filter",
    "cadence",
    "fulfilment",
    "responsible",
    "lead_days",
    "escalation",
    "notify_cadre",
    "done_by_note",
)


# ---------------------------------------------------------------- rules


def reminder_rule_validate(*, subject: str, cadence: dict, fulfilment: dict, escalation: list) -> None:
    """Refuse an impossible cadence, an unknown form or field, or an escalation that loops — saying which."""
    cadence_validate(cadence)
    if subject not in ReminderRule.Subject.values:
        raise ValidationError(_("Unknown subject “%(subject)s”.") % {"subject": subject})
    kinds = set(fulfilment) & FULFILMENTS
    if fulfilment and len(kinds) != 1:
        raise ValidationError(
            _("A rule is fulfilled by exactly one of: %(kinds)s.") % {"kinds": ", ".join(sorted(FULFILMENTS))}
        )
    steps = [step.get("to") for step in escalation]
    if any(step not in ESCALATION_TARGETS for step in steps):
        raise ValidationError(_("Escalation goes to the liaison's supervisor or the centre head only."))
    if len(set(steps)) != len(steps):
        raise ValidationError(_("The escalation passes the same person twice (a loop)."))
    days = [step.get("after_days", 0) for step in escalation]
    if days != sorted(days):
        raise ValidationError(_("Escalation steps must come in order of days."))


def reminder_rule_check_form(*, fulfilment: dict) -> None:
    """A form-fulfilled rule must name a form of this centre and only its fields."""
    if "form" not in fulfilment:
        return
    names = form_field_names(key=fulfilment["form"])
    if names is None:
        raise ValidationError(_("There is no form “%(form)s” in this centre.") % {"form": fulfilment["form"]})
    unknown = set(fulfilment.get("answers", {})) - names
    if unknown:
        raise ValidationError(
            _("The form “%(form)s” has no field %(fields)s.")
            % {"form": fulfilment["form"], "fields": ", ".join(sorted(unknown))}
        )


def reminder_rules_seed(**_context) -> int:
    """Preload every row of the standard's reminder table (REQUIREMENTS §4); rules already there are kept as edited."""
    rows = json.loads((DATA_DIR / "rules.json").read_text(encoding="utf-8"))
    existing = set(ReminderRule.objects.values_list("key", flat=True))
    new = []
    for row in rows:
        if row["key"] in existing:
            continue
        reminder_rule_validate(
            subject=row["subject"],
            cadence=row["cadence"],
            fulfilment=row.get("fulfilment", {}),
            escalation=row.get("escalation", []),
        )
        new.append(ReminderRule(key=row["key"], **{f: row[f] for f in RULE_FIELDS if f in row}))
    ReminderRule.objects.bulk_create(new)
    return len(new)


# ---------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Subject:
    type: str
    id: int
    assignee_id: int | None
    base: dt.date | None = None  # for "N days after a date" cadences


def _cadres(spec: dict):
    """The cadres a rule's subject filter picks (a queryset of the registry's, to build on)."""
    return cadre_queryset_matching(
        states=spec.get("state") or (), levels=spec.get("level") or (), any_flags=spec.get("any_flags") or ()
    )


def _subjects(rule: ReminderRule, today: dt.date, head: int | None) -> list[Subject]:
    if rule.subject == ReminderRule.Subject.CENTRE:
        return [Subject("centre", 0, head)]
    if rule.subject == ReminderRule.Subject.STAFF:
        return [Subject("staff", pk, head) for pk in staff_ids(active_only=bool(rule.subject_filter.get("active")))]
    cadres = _cadres(rule.subject_filter)
    responsible = (lambda liaison: head) if rule.responsible == "head" else (lambda liaison: liaison or head)
    field = rule.cadence.get("after_field")
    if field == "trip_returned":
        return [
            Subject("trip", trip_id, responsible(liaison), returned)
            for trip_id, returned, liaison in trips_returned(cadres=cadres, until=today)
            if returned >= rule.starts_on  # a return before the rule came into force raises nothing
        ]
    if field:
        rows = cadres.filter(
            **{f"{field}__isnull": False, f"{field}__lte": today, f"{field}__gte": rule.starts_on}
        ).values_list("pk", field, "liaison_id")
        return [Subject("cadre", pk, responsible(liaison), base) for pk, base, liaison in rows]
    return [Subject("cadre", pk, responsible(liaison)) for pk, liaison in cadres.values_list("pk", "liaison_id")]


# ---------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    created: int = 0
    done: int = 0
    overdue: int = 0
    escalated: int = 0


def _periods(rule: ReminderRule, subject: Subject | None, today: dt.date) -> list[Period]:
    if "after_field" in rule.cadence:
        if subject is None or subject.base is None:
            raise ValueError(f"the rule {rule.key!r} counts from a date: each subject needs its own")
        return [period_after(rule.cadence, subject.base)]
    period = period_containing(rule.cadence, today)
    if "every" in rule.cadence:
        return [period] if today >= period.start else []
    # A dated duty (31 October, 重阳…) opens its lead time before; what is done in that window fulfils it.
    opens = period.due_on - dt.timedelta(days=rule.lead_days)
    return [Period(period.key, opens, period.due_on, period.due_on)] if today >= opens else []


@transaction.atomic
def due_items_sweep(
    *, today: dt.date | None = None, now: dt.datetime | None = None, rules: Collection[str] | None = None
) -> SweepResult:
    """Create what is due today (once per rule, subject and period), mark done what the data fulfils, flag overdue.

    Everything the sweep stamps (items made, done, overdue, escalated; the rule's evidence check) carries `now`, so a
    sweep can also be run as of a past moment (the demo's history). `rules` (keys) limits the making and fulfilling
    to those rules; overdue marking and escalation always cover every item.
    Idempotent: a second sweep with nothing changed creates and changes nothing, and reads little: a rule already
    made for today, with the same settings and no cadre, trip or staff changed since, is not made again.
    """
    started = timezone.now()  # the wall clock, which the registry's change stamps are compared with
    now = now or started
    today = today or timezone.localdate(now)
    result = SweepResult()
    chosen = ReminderRule.objects.filter(active=True)
    if rules is not None:
        chosen = chosen.filter(key__in=list(rules))
    changes = people_last_changes()
    forms: dict[str, dt.datetime | None] = {}  # form key → when a record of it was last made or changed
    working, head = None, None
    for rule in chosen:
        digest = _rule_digest(rule)
        if _unchanged(rule, today, digest, changes, _subject_records(rule)):
            # Nothing new to make; visit records are read by what changed since the last sweep, training records
            # (no history) every time, and the rest only when the registry's records they come from changed.
            kind, evidence = _fulfilment(rule), _evidence_records(rule)
            if kind in ("form", "training") or (evidence and not _unchanged(rule, today, digest, changes, evidence)):
                result.done += _fulfil(rule, today, now, made=0, forms=forms)[0]
            continue
        if working is None:
            working = WorkingDays(today - dt.timedelta(days=400), today + dt.timedelta(days=400))
            head = staff_head_id()  # who answers where no liaison does
        if rule.subject == ReminderRule.Subject.CADRE and "after_field" not in rule.cadence:
            made, late = _create_for_cadres(rule, today, working, now, head)
        elif rule.subject == ReminderRule.Subject.CADRE and _after_own_date(rule):
            made, late = _create_after_date(rule, today, now, head)
        else:
            made, late = _create_each(rule, today, working, now, head)
        result.created += made
        done, done_late = _fulfil(rule, today, now, made=made, forms=forms)
        result.done += done
        result.overdue += late - done_late  # made late and still not done
        ReminderRule.objects.filter(pk=rule.pk).update(made_on=today, made_for=digest, made_at=started)
    result.overdue += DueItem.objects.filter(state=DueItem.State.OPEN, due_on__lt=today).update(
        state=DueItem.State.OVERDUE, updated_at=now
    )
    result.escalated = _escalate(today, now)
    return result


def _fulfilment(rule: ReminderRule) -> str:
    return next(iter(set(rule.fulfilment) & FULFILMENTS), "manual")


def _rule_digest(rule: ReminderRule) -> str:
    """A digest of the settings a rule's items are made and fulfilled by (an edit changes it)."""
    settings = [
        rule.subject,
        rule.subject_filter,
        rule.cadence,
        rule.fulfilment,
        rule.responsible,
        rule.lead_days,
        rule.working_days_only,
        rule.starts_on.isoformat(),
    ]
    return hashlib.md5(json.dumps(settings, sort_keys=True).encode(), usedforsecurity=False).hexdigest()


def _subject_records(rule: ReminderRule) -> set[str]:
    """The registry's records (by pghistory kind) a rule's subjects come from."""
    kinds = {"cadre": {"cadre"}, "staff": {"staff"}}.get(rule.subject, set())
    if rule.cadence.get("after_field") == "trip_returned":
        kinds.add("trip")
    return kinds


def _evidence_records(rule: ReminderRule) -> set[str]:
    """The registry's records with history a rule is fulfilled by (visit records and trainings are read otherwise)."""
    return {"health_check": {"health_check"}, "passport_handed_in": {"trip"}}.get(_fulfilment(rule), set())


def _unchanged(rule: ReminderRule, today: dt.date, digest: str, changes: dict, kinds: set[str]) -> bool:
    """Whether the rule's items were made for today by these settings and none of these records changed since.

    A change stamped up to SETTLE before the last making counts, since its transaction may have committed after
    that sweep read.
    """
    if rule.made_on != today or rule.made_for != digest or rule.made_at is None:
        return False
    since = rule.made_at - SETTLE
    return all(changes.get(kind) is None or changes[kind] < since for kind in kinds)


# Past this many ids or keys a query reads the rule's rows or records whole rather than send the list.
MANY = 500
ITEM_COLUMNS = ("rule_id", "subject_type", "subject_id", "period_key", "period_start", "due_on", "assignee_id")
ITEM_ALIASES = ("_rule", "_type", "_subject", "_key", "_start", "_due", "_assignee")  # the SELECT's, in that order
# What every new item starts with besides its key, and when it was made and changed (the sweep's moment, twice).
ITEM_DEFAULTS = "state, escalation_level, fulfilled_by, waived_reason, created_at, updated_at"
ITEM_TYPES = ("bigint", "text", "bigint", "text", "date", "date", "bigint")  # of ITEM_COLUMNS, for unnest


def _create_each(
    rule: ReminderRule, today: dt.date, working: WorkingDays, now: dt.datetime, head: int | None
) -> tuple[int, int]:
    """Items for subjects with periods of their own (N days after a date), staff and the centre: built in Python.

    Returns how many were made and how many of those were made already late (overdue).
    """
    subjects = _subjects(rule, today, head)
    wanted = [(subject, period) for subject in subjects for period in _periods(rule, subject, today)]
    # Only what is not there yet is built and inserted, so an unchanged re-sweep writes nothing; the unique key
    # still guards against a concurrent sweep (ON CONFLICT DO NOTHING).
    keys = {period.key for _subject, period in wanted}
    mine = DueItem.objects.filter(rule=rule)
    if len(keys) <= MANY:  # a long list of keys costs more to send than the rule's other items to read
        mine = mine.filter(period_key__in=keys)
    existing = set(mine.values_list("subject_type", "subject_id", "period_key"))
    rows = [
        (rule.pk, subject.type, subject.id, period.key, period.start, due_date(rule.cadence, period, working),
         subject.assignee_id)
        for subject, period in wanted
        if (subject.type, subject.id, period.key) not in existing
    ]  # fmt: skip
    if not rows:
        return 0, 0
    arrays = ", ".join(f"%s::{kind}[]" for kind in ITEM_TYPES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DueItem._meta.db_table} ({', '.join(ITEM_COLUMNS)}, {ITEM_DEFAULTS}) "  # noqa: S608 - names from the model
            f"SELECT q.*, CASE WHEN q.due_on < %s THEN %s ELSE %s END, 0, '', '', %s, %s "
            f"FROM unnest({arrays}) AS q({', '.join(ITEM_COLUMNS)}) ON CONFLICT DO NOTHING RETURNING state",
            (
                today,
                DueItem.State.OVERDUE,
                DueItem.State.OPEN,
                now,
                now,
                *(list(column) for column in zip(*rows, strict=True)),
            ),
        )
        states = [state for (state,) in cursor.fetchall()]
        return len(states), states.count(DueItem.State.OVERDUE)


def _after_own_date(rule: ReminderRule) -> bool:
    """N calendar days after a date of the cadre's own (a trip's return, or working days, are counted in Python)."""
    field = rule.cadence.get("after_field")
    return bool(field) and field != "trip_returned" and not rule.cadence.get("working_days")


def _create_after_date(rule: ReminderRule, today: dt.date, now: dt.datetime, head: int | None) -> tuple[int, int]:
    """Items for cadres N days after a date of theirs (medical information after a transfer in), each in its own
    period keyed by that date: one INSERT … SELECT of those with no item yet, as `_create_each` would make them."""
    field, days = rule.cadence["after_field"], int(rule.cadence["days"])
    key = Func(F(field), Value("YYYY-MM-DD"), function="to_char", output_field=CharField())
    missing = DueItem.objects.filter(
        rule=rule, subject_type="cadre", subject_id=OuterRef("pk"), period_key=OuterRef("_key")
    )
    liaison = Cast(Value(head), output_field=BigIntegerField())
    assignee = liaison if rule.responsible == "head" else Coalesce(F("liaison_id"), liaison)
    rows = (
        _cadres(rule.subject_filter)
        .filter(**{f"{field}__isnull": False, f"{field}__lte": today, f"{field}__gte": rule.starts_on})
        .annotate(
            _rule=Value(rule.pk, output_field=IntegerField()),
            _type=Value("cadre", output_field=CharField()),
            _subject=F("pk"),
            _key=key,
            _start=F(field),
            _due=Cast(F(field) + dt.timedelta(days=days), output_field=DateField()),
            _assignee=assignee,
        )
        .exclude(Exists(missing))
        .values_list(*ITEM_ALIASES)
    )
    select, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DueItem._meta.db_table} ({', '.join(ITEM_COLUMNS)}, {ITEM_DEFAULTS}) "  # noqa: S608 - names from the model
            f"SELECT {', '.join(f'q.{alias}' for alias in ITEM_ALIASES)}, "
            f"CASE WHEN q._due < %s THEN %s ELSE %s END, 0, '', '', %s, %s "
            f"FROM ({select}) q ON CONFLICT DO NOTHING RETURNING state",
            (today, DueItem.State.OVERDUE, DueItem.State.OPEN, now, now, *params),
        )
        states = [state for (state,) in cursor.fetchall()]
    return len(states), states.count(DueItem.State.OVERDUE)


def _create_for_cadres(
    rule: ReminderRule, today: dt.date, working: WorkingDays, now: dt.datetime, head: int | None
) -> tuple[int, int]:
    """Items for cadres under a calendar cadence share one period, so they are made by one INSERT … SELECT from the
    cadres the rule concerns that have no item yet (ON CONFLICT DO NOTHING guards a concurrent sweep).

    Returns how many were made and how many of those were made already late (overdue).
    """
    created = late = 0
    for period in _periods(rule, None, today):
        due = due_date(rule.cadence, period, working)
        state = DueItem.State.OVERDUE if due < today else DueItem.State.OPEN
        missing = DueItem.objects.filter(
            rule=rule, subject_type="cadre", subject_id=OuterRef("pk"), period_key=period.key
        )
        liaison = Cast(Value(head), output_field=BigIntegerField())  # typed, or a NULL head would be text
        assignee = liaison if rule.responsible == "head" else Coalesce(F("liaison_id"), liaison)
        rows = (
            _cadres(rule.subject_filter)
            .exclude(Exists(missing))
            .annotate(
                _rule=Value(rule.pk, output_field=IntegerField()),
                _type=Value("cadre", output_field=CharField()),
                _subject=F("pk"),
                _key=Value(period.key, output_field=CharField()),
                _start=Value(period.start, output_field=DateField()),
                _due=Value(due, output_field=DateField()),
                _assignee=assignee,
            )
            .values_list(*ITEM_ALIASES)
        )
        select, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DueItem._meta.db_table} ({', '.join(ITEM_COLUMNS)}, {ITEM_DEFAULTS}) "  # noqa: S608 - names from the model
                f"SELECT {', '.join(f'q.{alias}' for alias in ITEM_ALIASES)}, %s, 0, '', '', %s, %s "
                f"FROM ({select}) q ON CONFLICT DO NOTHING",
                (state, now, now, *params),
            )
            created += cursor.rowcount
            late += cursor.rowcount if state == DueItem.State.OVERDUE else 0
    return created, late


def _escalation_target(step: str, assignee_id: int | None, staff: dict[int, tuple], head_id: int | None) -> int | None:
    """The staff member an escalation step reaches: the assignee's supervisor, or the centre head."""
    if step == "supervisor" and assignee_id in staff and staff[assignee_id][0]:
        return staff[assignee_id][0]
    return head_id


def _escalate(today: dt.date, now: dt.datetime) -> int:
    """Move overdue items up their rule's escalation steps; each step tells its person once (inbox, by key)."""
    from notifications.delivery import delivery_queue

    pending = list(
        DueItem.objects.filter(state__in=[DueItem.State.OVERDUE, DueItem.State.ESCALATED])
        .alias(steps=Func(F("rule__escalation"), function="jsonb_array_length", output_field=IntegerField()))
        .filter(escalation_level__lt=F("steps"))
        .select_related("rule")
    )
    if not pending:
        return 0
    staff = staff_supervisors_and_users()
    head_id = staff_head_id()
    moved = 0
    for item in pending:
        reached = [
            step for step in item.rule.escalation if today >= item.due_on + dt.timedelta(days=step.get("after_days", 0))
        ]
        if len(reached) <= item.escalation_level:
            continue
        for level in range(item.escalation_level + 1, len(reached) + 1):
            target = _escalation_target(reached[level - 1]["to"], item.assignee_id, staff, head_id)
            if target is not None:  # the item now sits on that person's worklist too
                item.escalated_to_id = target
            user_id = staff[target][1] if target is not None and target in staff else None
            if user_id is not None:
                delivery_queue(
                    key=f"escalate:{item.pk}:{level}",
                    channel="inbox",
                    user=get_user_model()(pk=user_id),
                    subject=_("Overdue: %(rule)s") % {"rule": item.rule.title},
                    body=_("Due on %(date)s and not done (%(period)s).")
                    % {"date": item.due_on.isoformat(), "period": item.period_key},
                    due_item=item,
                    now=now,
                )
        item.escalation_level, item.state = len(reached), DueItem.State.ESCALATED
        DueItem.objects.filter(pk=item.pk).update(
            escalation_level=item.escalation_level, state=item.state, escalated_to=item.escalated_to_id, updated_at=now
        )
        moved += 1
    return moved


def _fulfil(rule: ReminderRule, today: dt.date, now: dt.datetime, *, made: int, forms: dict) -> tuple[int, int]:
    """Mark done the open and overdue items of a rule that the data shows fulfilled, by one query per rule.

    `made`: how many items this sweep made for the rule. With none made and no visit record made or changed since
    the last sweep of a form-fulfilled rule, nothing can have become done: nothing more is read or written.
    Returns how many items became done, and how many of those this sweep made already late.
    """
    kind = _fulfilment(rule)
    if kind == "manual":
        return 0, 0
    if kind == "form" and rule.swept_at is not None and not made and not _form_news(rule, forms, rule.swept_at):
        return 0, 0
    pending = DueItem.objects.filter(
        rule=rule,
        state__in=[DueItem.State.OPEN, DueItem.State.OVERDUE, DueItem.State.ESCALATED],
        due_on__gte=today - RECHECK_LATE,
    )
    checked = now  # the moment of this sweep: its items carry it too, and it reads the evidence after making them
    rows = list(pending.values_list("pk", "subject_id", "period_start", "due_on", "created_at"))
    if kind == "form":  # the next sweep reads only submissions changed since this one
        ReminderRule.objects.filter(pk=rule.pk).update(swept_at=checked)
    if not rows:
        return 0, 0
    # Items the last sweep already checked can only be fulfilled by a submission made or changed since; the ones
    # made since then are read in full, from their own earliest period (today's, for a daily rule).
    checked_before = rule.swept_at if kind == "form" else None
    seen = [row for row in rows if checked_before is not None and row[4] <= checked_before]
    fresh = [row for row in rows if checked_before is None or row[4] > checked_before]
    evidence: dict[int, list] = {}
    for group, changed_since in ((seen, checked_before and checked_before - SETTLE), (fresh, None)):
        if not group:
            continue
        earliest = min(row[2] for row in group)
        found = _evidence(rule, kind, earliest, today, {row[1] for row in group}, changed_since=changed_since)
        for subject, days in found.items():
            evidence.setdefault(subject, []).extend(days)
    done = [
        (pk, due < today and created == now)
        for pk, subject_id, start, due, created in rows
        if _fulfilled(evidence.get(subject_id, ()), start, due, kind)
    ]
    if done:
        DueItem.objects.filter(pk__in=[pk for pk, _late in done]).update(
            state=DueItem.State.DONE, done_at=now, fulfilled_by=kind, updated_at=now
        )
    return len(done), sum(1 for _pk, late in done if late)


def _form_news(rule: ReminderRule, forms: dict, swept_at: dt.datetime) -> bool:
    """Whether a record of the rule's form was made or changed, or an item of the rule made, since (SETTLE before)
    its last sweep at `swept_at` — by another sweep, or in a transaction that committed after that sweep read."""
    key = rule.fulfilment["form"]
    if key not in forms:
        forms[key] = submission_last_change(form_key=key)
    changed = forms[key] is not None and forms[key] >= swept_at - SETTLE
    return changed or DueItem.objects.filter(rule=rule, created_at__gt=swept_at).exists()


def _fulfilled(dates: Any, start: dt.date, due: dt.date, kind: str) -> bool:
    if kind == "passport_handed_in":
        return any(day is not None and day <= due for day in dates)  # handed in, late or not, closes the item
    return any(day is not None and start <= day <= due for day in dates)


def _evidence(
    rule: ReminderRule, kind: str, since: dt.date, today: dt.date, ids: set[int], *, changed_since=None
) -> dict[int, list]:
    """subject id → the dates on which something that fulfils the rule happened."""
    found: dict[int, list] = {}
    if kind == "form":
        # Submitted since the earliest open period began (a late note of an earlier visit is caught by date below),
        # or, when every pending item was checked before, made or changed since that check.
        rows = submission_evidence(
            form_key=rule.fulfilment["form"],
            answers=rule.fulfilment.get("answers", {}),
            # The day it happened: the form's own date answer (a call noted next morning counts for its day), else
            # the day it was submitted.
            date_field=rule.fulfilment.get("date_field"),
            # Only what concerns the subjects still pending (when they are few: a long list costs more than it saves).
            cadre_ids=None if rule.subject == ReminderRule.Subject.CENTRE or len(ids) > MANY else ids,
            changed_since=changed_since,
            created_since=None
            if changed_since is not None
            else timezone.make_aware(dt.datetime.combine(since, dt.time())),
        )
        for cadre_id, answered, created, day in rows:
            subject = 0 if rule.subject == ReminderRule.Subject.CENTRE else (cadre_id or _int(answered))
            if subject is None:
                continue  # a record naming no cadre fulfils no cadre's item
            found.setdefault(subject, []).append(_day(day) or timezone.localtime(created).date())
    elif kind == "health_check":
        for cadre_id, day in health_check_days(cadre_ids=None if len(ids) > MANY else ids, since=since):
            found.setdefault(cadre_id, []).append(day)
    elif kind == "training":
        for staff_id, day in staff_training_days(staff_ids=ids, kind=rule.fulfilment["training"], since=since):
            found.setdefault(staff_id, []).append(day)
    elif kind == "passport_handed_in":
        for trip_id, day in trip_passport_days(ids=ids):
            found.setdefault(trip_id, []).append(day)
    return found


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- reminders


REMIND_FROM = dt.time(7, 30)  # the first sweep after this (local time) sends the day's reminders
LISTED_NAMES = 10


def _staff_channels(preference: NotificationPreference | None) -> list[str]:
    """The inbox always, then the channels the user chose (none chosen: the inbox only)."""
    chosen = preference.channels if preference is not None else []
    return ["inbox", *[channel for channel in chosen if channel != "inbox"]]


def _told_today(today: dt.date) -> set[int]:
    """Staff already told today (their reminders' keys carry the staff id and the day)."""
    day = f":{today.isoformat()}:"
    keys = Delivery.objects.filter(Q(key__startswith="remind:") | Q(key__startswith="digest:"), key__contains=day)
    return {int(key.split(":")[1]) for key in keys.values_list("key", flat=True)}


def _names(items: list[DueItem]) -> str:
    names = [item.subject_name for item in items[:LISTED_NAMES] if item.subject_name]
    more = len(items) - LISTED_NAMES
    text = "、".join(names)
    return text + (_(" and %(count)d more") % {"count": more} if more > 0 else "")


def _staff_reminders(today: dt.date, now: dt.datetime, sent: list) -> None:
    """Each staff member with a login hears once a day what is theirs today: one message per rule, or one digest."""
    from notifications.delivery import delivery_queue
    from notifications.selectors import worklist_for_staff

    preferences: dict[int | None, NotificationPreference] = {p.user_id: p for p in NotificationPreference.objects.all()}
    told = _told_today(today)  # a later sweep the same day tells nobody twice and reads no worklists again
    for staff in staff_with_login_active(exclude_ids=told):
        items = worklist_for_staff(staff=staff, today=today)
        if not items:
            continue
        by_rule: dict[int, list[DueItem]] = {}
        for item in items:
            by_rule.setdefault(item.rule_id, []).append(item)
        preference = preferences.get(staff.user_id)
        if preference is not None and preference.daily_digest:
            late = sum(1 for item in items if item.state != DueItem.State.OPEN)
            lines = [
                _("%(rule)s: %(count)d (%(names)s)")
                % {"rule": group[0].rule.title, "count": len(group), "names": _names(group)}
                for group in by_rule.values()
            ]
            messages = [
                (
                    f"digest:{staff.pk}:{today.isoformat()}",
                    _("Today's work: %(count)d items, %(late)d late") % {"count": len(items), "late": late},
                    "\n".join(lines),
                )
            ]
        else:
            messages = [
                (
                    f"remind:{staff.pk}:{rule_id}:{today.isoformat()}",
                    _("%(rule)s: %(count)d due today") % {"rule": group[0].rule.title, "count": len(group)},
                    _names(group),
                )
                for rule_id, group in by_rule.items()
            ]
        for key, subject, body in messages:
            for channel in _staff_channels(preference):
                queued = delivery_queue(
                    key=f"{key}:{channel}", channel=channel, user=staff.user, subject=subject, body=body, now=now
                )
                if queued is not None:
                    sent.append(queued)


CADRE_MESSAGE = gettext_lazy("Dear %(name)s, a reminder from %(centre)s: %(what)s, by %(date)s.")
CADRE_HELP = gettext_lazy("If you need help, call us on %(hotline)s.")


def _cadre_reminders(today: dt.date, now: dt.datetime, sent: list) -> None:
    """Cadres who must act themselves (the yearly check-up, handing in the passport) get one SMS per item."""
    from notifications.delivery import delivery_queue

    rules = {rule.pk: rule for rule in ReminderRule.objects.filter(active=True, notify_cadre=True)}
    if not rules:
        return
    items = list(
        DueItem.objects.filter(rule_id__in=rules, state__in=[DueItem.State.OPEN, DueItem.State.OVERDUE])
        .filter(subject_type__in=["cadre", "trip"])
        .exclude(deliveries__key__startswith="cadre:")
    )
    trips = trip_cadre_ids(ids=[i.subject_id for i in items if i.subject_type == "trip"])
    cadre_ids = {trips.get(i.subject_id) if i.subject_type == "trip" else i.subject_id for i in items}
    cadres = cadres_active_by_id(ids={pk for pk in cadre_ids if pk is not None})
    centre, hotline = _centre_contact()
    for item in items:
        cadre_id = trips.get(item.subject_id) if item.subject_type == "trip" else item.subject_id
        cadre = cadres.get(cadre_id) if cadre_id is not None else None
        if cadre is None or not cadre.mobile:
            continue  # no mobile: the liaison's worklist carries it
        body = CADRE_MESSAGE % {
            "name": cadre.name,
            "centre": centre,
            "what": rules[item.rule_id].title,
            "date": date_format(item.due_on, "Y年n月j日"),
        }
        if hotline:
            body += CADRE_HELP % {"hotline": hotline}
        queued = delivery_queue(
            key=f"cadre:{item.pk}",
            channel="sms",
            address=cadre.mobile,
            subject=body[:200],
            body=body,
            due_item=item,
            now=now,
        )
        if queued is not None:
            sent.append(queued)


def _centre_contact() -> tuple[str, str]:
    from tenants.models import Centre

    name = Centre.objects.filter(schema_name=connection_schema_name()).values_list("name", flat=True).first()
    return name or "", staff_head_phone()


def reminders_send(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Once a day from REMIND_FROM: tell staff what is theirs today and cadres what they must do; returns how many
    messages were queued (0 on every later run that day — the keys say "once")."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if timezone.localtime(now).time() < REMIND_FROM:
        return 0
    sent: list = []
    _staff_reminders(today, now, sent)
    _cadre_reminders(today, now, sent)
    return len(sent)


def _reason_check(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the item is waived.")})
    limit = DueItem._meta.get_field("waived_reason").max_length
    if limit is not None and len(reason) > limit:  # refused, never cut: the writer learns what was not kept
        raise ValidationError({"reason": _("The reason has at most %(limit)d characters.") % {"limit": limit}})
    return reason


def due_item_waive(*, item: DueItem, reason: str, user=None, now: dt.datetime | None = None) -> DueItem:
    """Waive one item, saying why; who waived it and when are kept with it."""
    reason = _reason_check(reason)
    item.state, item.waived_reason = DueItem.State.WAIVED, reason
    item.waived_by, item.waived_at = user, now or timezone.now()
    item.save(update_fields=["state", "waived_reason", "waived_by", "waived_at", "updated_at"])
    return item


@transaction.atomic
def due_items_waive_stale(*, items, reason: str, user, expected: int) -> int:
    """Waive in one step the pending items dated before their rule came into force (`items`: the queryset of those
    the user may waive, from selectors.stale_items_for_user), saying why; refused when their number is no longer
    the `expected` one the user confirmed. Returns how many were waived."""
    reason = _reason_check(reason)
    chosen = list(items.select_for_update().values_list("pk", flat=True))
    if len(chosen) != expected:
        raise ValidationError(
            {
                "reason": _("The number of such items changed to %(count)d; check and confirm again.")
                % {"count": len(chosen)}
            }
        )
    now = timezone.now()
    return DueItem.objects.filter(pk__in=chosen).update(
        state=DueItem.State.WAIVED, waived_reason=reason, waived_by=user, waived_at=now, updated_at=now
    )


def due_item_mark_done(*, item: DueItem, note: str, user) -> DueItem:
    """Close an item by hand with a one-line note (a call made, a manual duty done); who and when are kept."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write a line about what was done, e.g. called, all well.")})
    limit = DueItem._meta.get_field("done_note").max_length
    if limit is not None and len(note) > limit:
        raise ValidationError({"note": _("The note has at most %(limit)d characters.") % {"limit": limit}})
    item.state, item.done_note, item.done_by, item.done_at = DueItem.State.DONE, note, user, timezone.now()
    item.fulfilled_by = "note"
    item.save(update_fields=["state", "done_note", "done_by", "done_at", "fulfilled_by", "updated_at"])
    return item


def due_items_close_by_records(*, items: list[DueItem], today: dt.date | None = None) -> set[int]:
    """Close the listed form-fulfilled items a saved record already fulfils, each linked to that record.

    The worklist calls it as it opens, so an item filled in through "去填写" is gone as soon as its record is saved,
    not at the next sweep; the sweep would find the same record. Returns the ids of those closed.
    """
    today = today or timezone.localdate()
    by_rule: dict[int, list[DueItem]] = {}
    for item in items:
        if item.state in PENDING_STATES and _fulfilment(item.rule) == "form" and item.period_start <= today:
            by_rule.setdefault(item.rule_id, []).append(item)
    closed: dict[int, str] = {}
    for group in by_rule.values():
        rule = group[0].rule
        centre = rule.subject == ReminderRule.Subject.CENTRE
        rows = submission_evidence(
            form_key=rule.fulfilment["form"],
            answers=rule.fulfilment.get("answers", {}),
            date_field=rule.fulfilment.get("date_field"),
            cadre_ids=None if centre else {item.subject_id for item in group},
            created_since=timezone.make_aware(dt.datetime.combine(min(i.period_start for i in group), dt.time())),
            with_id=True,
        )
        found: dict[int, list[tuple[dt.date, int]]] = {}
        for pk, cadre_id, answered, created, day in rows:
            subject = 0 if centre else (cadre_id or _int(answered))
            if subject is not None:
                found.setdefault(subject, []).append((_day(day) or timezone.localtime(created).date(), pk))
        for item in group:
            match = sorted(pk for day, pk in found.get(item.subject_id, ()) if item.period_start <= day <= item.due_on)
            if match:
                closed[item.pk] = f"submission:{match[0]}"
    now = timezone.now()
    for pk, link in closed.items():
        DueItem.objects.filter(pk=pk, state__in=PENDING_STATES).update(
            state=DueItem.State.DONE, done_at=now, fulfilled_by=link, updated_at=now
        )
    return set(closed)


def rule_forms_ensure(**_context) -> list[str]:
    """Set-up step: every form the preloaded rules are fulfilled by exists, made from the library and published.

    A form the centre already has (edited or not) is left alone; returns the keys of the forms made.
    """
    from forms_engine.library import form_from_template, form_template_list
    from forms_engine.services import form_publish

    templates = {template["key"] for template in form_template_list()}
    wanted = {rule.fulfilment["form"] for rule in ReminderRule.objects.all() if "form" in rule.fulfilment}
    made = []
    for key in sorted(wanted & templates):
        if not form_exists(key=key):
            form_publish(form=form_from_template(template_key=key))
            made.append(key)
    return made


def schedules_ensure(*, centre, **_context) -> None:
    """Set-up step: this centre's sweep (every 15 minutes) and its delivery queue (every minute) on django-q2."""
    from tenants.tasks import centre_schedule_ensure

    centre_schedule_ensure(
        schema_name=centre.schema_name, name="sweep", func="notifications.tasks.sweep_run", minutes=15
    )
    centre_schedule_ensure(
        schema_name=centre.schema_name, name="deliveries", func="notifications.tasks.deliveries_due_send", minutes=1
    )

"""The demo centres' past (`make run`): visits, reminders, check-ups, deaths, receptions, transfers, complaints,
surveys and activities since 2025, made day by day through the services as if each centre had been working all along.

Each centre's profile (site/demo.json) says how big it is, who lives alone, and how well it keeps up; its own seed
makes the same history on every machine. The reminders sweep runs for every simulated evening as of that moment
(`due_items_sweep(now=…)`), for the rules that something happened to that day; what the services stamp with the real
time (a submission's time, a workflow move, a transfer) is moved back to the simulated moment afterwards.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from content.services.demo import demo_activity_held
from forms_engine.library import BUREAU_PREFIX, form_from_template
from forms_engine.models import FormDefinition, Submission, SubmissionChange
from forms_engine.services import (
    form_publish,
    submission_bulk_create,
    submission_create,
    submission_move,
    submission_update,
)
from notifications.calendar import EVERY, period_containing
from notifications.models import Delivery, DueItem, ReminderRule
from notifications.services import due_item_waive, due_items_sweep
from registry.demo import Shares, demo_health_checks_add, demo_newcomer_create, demo_trainings_add
from registry.lifecycle import (
    DEATH_ITEMS,
    RECEPTION_ITEMS,
    cadre_death_record,
    cadre_receive,
    cadre_transfer_approve,
    cadre_transfer_execute,
    cadre_transfer_request,
)
from registry.models import Cadre, CadreTombstone, CadreTransfer, Staff
from tenants.models import Centre

EVENING = dt.time(20, 0)  # when the simulated day's sweep runs, after the day's work is noted
VISIT_FORM = "visit-record"
COMPLAINT_FORM = "complaint"
SURVEY_TEMPLATE = "satisfaction"
SURVEY_FORM = BUREAU_PREFIX + SURVEY_TEMPLATE
PENDING = (DueItem.State.OPEN, DueItem.State.OVERDUE, DueItem.State.ESCALATED)
QUARTERLY_RULES = ("quarterly-visit", "care-home-visit")
FESTIVALS = {"army-day": "八一建军节", "chongyang": "重阳节", "spring-festival": "春节"}
COMPLAINTS = [
    "医药费报销进度慢，两个月了还没有到账。",
    "活动室空调坏了很久没有人修。",
    "联络员的电话经常打不通。",
    "体检安排的时间和住院复查冲突，希望调整。",
    "门诊预约困难，希望中心帮助协调。",
    "住房维修申请提交后迟迟没有答复。",
    "订阅的报刊近两个月没有送到。",
    "老年大学书法班名额太少，报不上名。",
    "护理费申请材料退回了三次，说明不清楚。",
    "活动外出的大巴车座位不够，有人只能站着。",
]
RESULTS = [
    "已与相关部门协调，问题已解决。",
    "已安排专人上门说明政策并协助办理。",
    "已维修完毕，并加强日常巡查。",
    "已调整安排，并向军休干部本人致歉。",
]
ACTIVITIES = [
    ("新春团拜会", "culture", "中心多功能厅", 2),
    ("学习贯彻全会精神报告会", "study", "中心会议室", 2),
    ("春季健步走", "sports", "世纪公园", 3),
    ("书画作品展", "culture", "中心书画室", 3),
    ("八一建军节座谈会", "study", "中心会议室", 2),
    ("重阳节文艺汇演", "culture", "中心多功能厅", 3),
    ("智能手机使用培训", "study", "中心电脑室", 2),
    ("乒乓球友谊赛", "sports", "中心健身房", 3),
]
SURVEY_QUESTIONS = ("q_attitude", "q_response", "q_visits", "q_health", "q_activities", "q_information")


# ---------------------------------------------------------------- profiles


@dataclass(frozen=True)
class Transfer:
    """A cadre moving to another demo centre: requested, approved, then carried out on these days."""

    to: str
    requested_on: dt.date
    approved_on: dt.date
    executed_on: dt.date
    reason: str = ""


@dataclass(frozen=True)
class Profile:
    """How one demo centre differs from the others (demo.json → "profile")."""

    seed: int = 1
    cadres: int = 300
    shares: Shares = field(default_factory=Shares)
    area_per_cadre: float = 14.0
    short_rooms: tuple[str, ...] = ()
    on_time: float = 0.96  # visits noted by their due date
    late: float = 0.025  # visits noted after it (the rest are missed)
    daily_on_time: float | None = None  # the daily calls (default: a third as many misses as other visits)
    daily_late: float | None = None
    quarterly_on_time: float | None = None  # the quarterly visits, when they go otherwise
    quarterly_late: float | None = None
    check_ups: float = 0.85  # cadres with their yearly check-up
    complaints: int = 12  # a year
    answer_days: float = 4.0  # median days from receiving a complaint to answering it
    survey: dict[int, float] = field(default_factory=dict)  # year → share of cadres answering
    satisfaction: float = 4.2  # mean score of the survey's questions
    survey_offsets: dict[str, float] = field(default_factory=dict)  # question → points above or below
    deaths: float = 0.03  # share of cadres a year
    receptions: int = 4  # newly retired cadres received a year
    activities: int = 3  # held a year
    created_on: dt.date | None = None  # a centre set up during the history: it starts then
    retired_on: dt.date | None = None  # a centre retired: its history ends then
    transfers: tuple[Transfer, ...] = ()


def profile_from_json(spec: dict[str, Any]) -> Profile:
    """A profile from demo.json; dates as ISO strings, survey shares by year."""
    day = dt.date.fromisoformat
    spec = dict(spec)
    simple = {key: spec[key] for key in Profile.__dataclass_fields__ if key in spec}
    if "shares" in spec:
        simple["shares"] = Shares(**spec["shares"])
    if "short_rooms" in spec:
        simple["short_rooms"] = tuple(spec["short_rooms"])
    if "survey" in spec:
        simple["survey"] = {int(year): share for year, share in spec["survey"].items()}
    for key in ("created_on", "retired_on"):
        if spec.get(key):
            simple[key] = day(spec[key])
    if "transfers" in spec:
        simple["transfers"] = tuple(
            Transfer(
                to=t["to"],
                requested_on=day(t["requested_on"]),
                approved_on=day(t["approved_on"]),
                executed_on=day(t["executed_on"]),
                reason=t.get("reason", ""),
            )
            for t in spec["transfers"]
        )
    return Profile(**simple)


def history_window(profile: Profile, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a centre's history covers: from last January (or its creation) to yesterday (or its retirement)."""
    first = dt.date(today.year - 1, 1, 1)  # so this year compares with last year
    start = max(first, profile.created_on or first)
    end = min(today - dt.timedelta(days=1), profile.retired_on or today)
    return start, end


THURSDAY = 3
NOTING_DAYS = {"day": (0, 1, 2, 3, 4, 5, 6), "week": (4,)}  # weekday numbers; other visits are noted on Thursdays


def _noted_on(day: dt.date, weekdays: tuple[int, ...]) -> dt.date:
    """The first day from `day` on that is one of `weekdays` (when the week's notes are entered)."""
    while day.weekday() not in weekdays:
        day += dt.timedelta(days=1)
    return day


def _filed_on(day: dt.date) -> dt.date:
    """Check-up results and training certificates are filed on the first Thursday of the next month."""
    return _noted_on((day.replace(day=1) + dt.timedelta(days=32)).replace(day=1), (THURSDAY,))


def _working_day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A day between the two, Monday to Friday when there is one."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return rng.choice([day for day in days if day.weekday() < 5] or days)


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


# ---------------------------------------------------------------- the people as the history goes


@dataclass
class Person:
    pk: int
    liaison: int | None
    level: str
    state: str
    flags: frozenset[str]
    died_on: dt.date | None = None  # known to the plan before the death is recorded
    gone: bool = False  # transferred out


FLAGS = ("lives_alone", "childless", "bedridden", "disabled", "dementia", "in_care_home")


def _people() -> dict[int, Person]:
    rows = Cadre.objects.values_list("pk", "liaison_id", "level", "state", *FLAGS)
    return {
        pk: Person(pk, liaison, level, state, frozenset(f for f, on in zip(FLAGS, flags, strict=True) if on))
        for pk, liaison, level, state, *flags in rows
    }


def _concerns(rule: ReminderRule, person: Person) -> bool:
    spec = rule.subject_filter
    if person.gone or (spec.get("state") and person.state not in spec["state"]):
        return False
    if spec.get("level") and person.level not in spec["level"]:
        return False
    wanted = set(spec.get("any_flags", []))
    return not wanted or bool(person.flags & wanted)


# ---------------------------------------------------------------- what happens on a day


class Quota:
    """Outcomes in exactly the given shares: each one goes to the outcome furthest behind its share so far."""

    def __init__(self, shares: dict[str, float]):
        self.shares, self.counts, self.total = shares, dict.fromkeys(shares, 0), 0

    def next(self) -> str:
        self.total += 1
        outcome = max(self.shares, key=lambda name: self.shares[name] * self.total - self.counts[name])
        self.counts[outcome] += 1
        return outcome


@dataclass(frozen=True)
class Visit:
    cadre: int
    visit_type: str
    day: dt.date
    at: dt.datetime  # when it was noted
    visitor: int | None
    extra: tuple[tuple[str, str], ...] = ()


@dataclass
class Day:
    visits: list[Visit] = field(default_factory=list)
    checks: list[tuple[int, dt.date]] = field(default_factory=list)  # cadre, day of the check-up
    trainings: list[tuple[int, str, dt.date]] = field(default_factory=list)  # staff, kind, day
    deaths: list[int] = field(default_factory=list)  # recorded today
    receptions: int = 0
    transfers: list[tuple[str, Transfer]] = field(default_factory=list)


@dataclass
class HistoryResult:
    days: int = 0
    visits: int = 0
    due_items: int = 0
    done: int = 0
    checks: int = 0
    deaths: int = 0
    receptions: int = 0
    transfers: int = 0
    complaints: int = 0
    survey_answers: int = 0
    activities: int = 0
    signups: int = 0


class History:
    """One centre's history between two days, in the current schema (call `make`)."""

    def __init__(self, *, code: str, profile: Profile, start: dt.date, end: dt.date):
        self.code, self.profile, self.start, self.end = code, profile, start, end
        self.rng = random.Random(f"history:{code}:{profile.seed}")  # noqa: S311 - reproducible demo data
        self.user = get_user_model().objects.get(username="admin")
        self.head = Staff.objects.filter(role=Staff.Role.HEAD, active=True).order_by("pk").first()
        self.people = _people()
        self.plan: dict[dt.date, Day] = defaultdict(Day)
        self.rules = list(ReminderRule.objects.filter(active=True))
        self.result = HistoryResult()
        self.quotas: dict[str, Quota] = {}
        self.newcomers = 0
        self.visit_form = FormDefinition.objects.get(key=VISIT_FORM)

    # ------------------------------------------------------------ the day loop

    def make(self) -> HistoryResult:
        """Every day from start to end, then what needs no sweep: complaints, the survey, activities."""
        # The centre has used its rules since the history starts: a transfer in decades before raises nothing.
        ReminderRule.objects.update(starts_on=self.start)
        for day in _days(self.start, self.end):
            if day == self.start or (day.month, day.day) == (1, 1):
                self._plan_year(day)
            touched = self._plan_periods(day)
            touched |= self._live(day)
            self.result.days += 1
            sweep = due_items_sweep(today=day, now=_aware(day, EVENING), rules=None if day == self.start else touched)
            self.result.due_items += sweep.created
            self.result.done += sweep.done
            if day.day == 1 or (day - self.start).days in (2, 7, 20):
                _statistics_refresh()
        self._messages_read()
        if self.profile.retired_on is not None:  # what fell due after the centre closed is nobody's any more
            for item in DueItem.objects.filter(state__in=PENDING, due_on__gt=self.end):
                due_item_waive(item=item, reason="中心撤并，不再办理")
        self._complaints()
        self._survey()
        self._activities()
        return self.result

    def _rates(self, rule: ReminderRule) -> tuple[float, float]:
        p = self.profile
        if rule.key in QUARTERLY_RULES and p.quarterly_on_time is not None:
            return p.quarterly_on_time, p.quarterly_late if p.quarterly_late is not None else p.late
        if rule.cadence.get("every") == "day":
            on_time = p.daily_on_time if p.daily_on_time is not None else 1 - (1 - p.on_time) / 3
            return on_time, p.daily_late if p.daily_late is not None else p.late / 3
        return p.on_time, p.late

    def _visitor(self, person: Person, rule: ReminderRule) -> int | None:
        if rule.responsible == "head" and self.head is not None:
            return self.head.pk
        return person.liaison

    def _at(self, day: dt.date) -> dt.datetime:
        """A moment of the working day on which something is noted."""
        return _aware(day, dt.time(8, 30)) + dt.timedelta(minutes=self.rng.randrange(9 * 60))

    def _plan_periods(self, day: dt.date) -> set[str]:
        """Plan the visits of each rule whose period opens today; the keys of the rules to sweep today."""
        opening = set()
        taken: set[tuple[str, int, str]] = set()  # one quarterly visit closes both quarterly rules
        for rule in self.rules:
            window = self._window(rule, day)
            if window is None:
                continue
            opening.add(rule.key)
            if rule.fulfilment.get("form") == VISIT_FORM and rule.subject == ReminderRule.Subject.CADRE:
                self._plan_visits(rule, *window, taken)
        return opening

    def _window(self, rule: ReminderRule, day: dt.date) -> tuple[str, dt.date, dt.date] | None:
        """(period key, opens, due) when a period of the rule opens today (or the history starts inside it)."""
        cadence = rule.cadence
        if "after_field" in cadence:  # trips back, weekly; newcomers when they are received and checked
            return ("", day, day) if cadence["after_field"] == "trip_returned" and day.weekday() == 0 else None
        period = period_containing(cadence, day)
        if cadence.get("every") in EVERY:
            opens = period.start
        else:
            opens = period.due_on - dt.timedelta(days=rule.lead_days)
            if not opens <= day <= period.due_on:
                return None
        if day != opens and not (day == self.start and opens < day):
            return None
        return period.key, day, period.due_on

    def _plan_visits(self, rule: ReminderRule, key: str, opens: dt.date, due: dt.date, taken: set) -> None:
        """Who is visited in time, who late (noted after the due date, dated inside the period) and who not at all.

        Daily calls are noted the same day; the week's greetings on Friday, other visits on the next Thursday (the
        week's notes entered together), so only those days' sweeps read them.
        """
        visit_type = rule.fulfilment.get("answers", {}).get("visit_type")
        on_time, late = self._rates(rule)
        daily = opens == due
        noting_days = NOTING_DAYS.get(rule.cadence.get("every", ""), (THURSDAY,))
        if visit_type is None:  # any visit will do (the monthly call abroad): noted with the week's greetings
            visit_type, noting_days = "weekly_greeting", NOTING_DAYS["week"]
        last_noting = due
        while last_noting.weekday() not in noting_days:
            last_noting -= dt.timedelta(days=1)
        quota = self.quotas.setdefault(
            rule.key, Quota({"on_time": on_time, "late": late, "missed": 1 - on_time - late})
        )
        concerned = [p for p in self.people.values() if _concerns(rule, p) and (visit_type, p.pk, key) not in taken]
        self.rng.shuffle(concerned)  # who is missed is a matter of chance, how many is not
        for person in concerned:
            taken.add((visit_type, person.pk, key))
            outcome = quota.next()
            if outcome == "on_time":
                if daily:
                    day = noted = opens
                elif last_noting < opens:  # a window too short for a noting day: noted on the day
                    day = noted = _working_day_between(self.rng, opens, due)
                else:
                    day = _working_day_between(self.rng, opens, last_noting)
                    noted = _noted_on(day, noting_days)
            elif outcome == "late":
                day = due - dt.timedelta(days=self.rng.randint(0, min((due - opens).days, 3)))
                if daily:
                    noted = due + dt.timedelta(days=1)  # noted the next morning
                else:
                    noted = _noted_on(due + dt.timedelta(days=self.rng.choice((1, 4, 8, 15))), noting_days)
            else:
                continue
            if noted > self.end:
                continue  # not happened yet
            extra: tuple[tuple[str, str], ...] = ()
            if visit_type == "hospital":
                extra = (("hospital_name", self.rng.choice(("瑞金医院", "华山医院", "中山医院", "仁济医院"))),)
            elif visit_type == "festival":
                extra = (("festival_name", FESTIVALS.get(rule.key, "节日")),)
            elif visit_type in ("quarterly_visit", "yearly_leader_visit"):
                extra = (
                    (
                        "health",
                        self.rng.choice(("身体状况稳定。", "血压偏高，已提醒按时服药。", "行动不便，需要助餐。")),
                    ),
                )
            self.plan[noted].visits.append(
                Visit(person.pk, visit_type, day, self._at(noted), self._visitor(person, rule), extra)
            )

    def _plan_year(self, day: dt.date) -> None:
        """Check-ups, trainings, deaths and receptions of the rest of this year (within the history)."""
        last = min(self.end, dt.date(day.year, 12, 31))
        if last < day:
            return
        share = ((last - day).days + 1) / 365
        served = [p for p in self.people.values() if p.state == Cadre.State.ACTIVE and not p.gone and p.died_on is None]

        def some_day(first: dt.date, final: dt.date) -> dt.date | None:
            first, final = max(first, day), min(final, last)
            if first > final:
                return None
            return first + dt.timedelta(days=self.rng.randint(0, (final - first).days))

        for person in served:
            if self.rng.random() < self.profile.check_ups:
                when = some_day(dt.date(day.year, 3, 1), dt.date(day.year, 11, 30))
                if when is not None and _filed_on(when) <= self.end:
                    self.plan[_filed_on(when)].checks.append((person.pk, when))
        for staff_id in Staff.objects.filter(active=True).values_list("pk", flat=True):
            for kind, chance in (("professional", 0.92), ("security", 0.85)):
                when = some_day(dt.date(day.year, 4, 1), dt.date(day.year, 11, 30))
                if when is not None and self.rng.random() < chance and _filed_on(when) <= self.end:
                    self.plan[_filed_on(when)].trainings.append((staff_id, kind, when))
        for person in self.rng.sample(served, k=min(len(served), round(len(served) * self.profile.deaths * share))):
            died = some_day(day, last)
            if died is not None and died + dt.timedelta(days=6) <= self.end:
                person.died_on = died
                self.plan[died + dt.timedelta(days=self.rng.randint(1, 6))].deaths.append(person.pk)
        for _n in range(round(self.profile.receptions * share)):
            when = some_day(day, last)
            if when is not None:
                self.plan[when].receptions += 1
        for transfer in self.profile.transfers:
            for step, when in (
                ("request", transfer.requested_on),
                ("approve", transfer.approved_on),
                ("execute", transfer.executed_on),
            ):
                if day <= when <= last:
                    self.plan[when].transfers.append((step, transfer))

    def _live(self, day: dt.date) -> set[str]:
        """Do what the plan holds for today; the keys of the rules it concerns."""
        today = self.plan.pop(day, None)
        if today is None:
            return {rule.key for rule in self.rules if rule.cadence.get("every") == "day"}
        touched = {rule.key for rule in self.rules if rule.cadence.get("every") == "day"}
        for _n in range(today.receptions):
            self._receive(day)
            touched |= self._rule_keys(lambda rule: "after_field" in rule.cadence)
        for pk in today.deaths:
            self._death(pk, day)
        for step, transfer in today.transfers:
            self._transfer(step, transfer, day)
        checks = [(pk, when) for pk, when in today.checks if self._alive(pk, when)]
        if checks:
            self.result.checks += demo_health_checks_add(checks=checks, seed=self.profile.seed)
            touched |= self._rule_keys(lambda rule: "health_check" in rule.fulfilment)
        if today.trainings:
            demo_trainings_add(trainings=today.trainings)
            touched |= self._rule_keys(lambda rule: "training" in rule.fulfilment)
        visits = [visit for visit in today.visits if self._alive(visit.cadre, visit.day)]
        if visits:
            self._visits(visits)
            types = {visit.visit_type for visit in visits}
            if any(self.people[visit.cadre].state == Cadre.State.ABROAD for visit in visits):
                types.add(None)  # a rule that takes any visit (the monthly contact abroad)
            touched |= self._rule_keys(
                lambda rule: (
                    rule.fulfilment.get("form") == VISIT_FORM
                    and rule.fulfilment.get("answers", {}).get("visit_type") in types
                )
            )
        return touched

    def _rule_keys(self, test: Callable[[ReminderRule], bool]) -> set[str]:
        return {rule.key for rule in self.rules if test(rule)}

    def _alive(self, pk: int, day: dt.date) -> bool:
        person = self.people.get(pk)
        return person is not None and not person.gone and (person.died_on is None or day < person.died_on)

    # ------------------------------------------------------------ through the services

    def _visits(self, visits: list[Visit]) -> None:
        rows = []
        for visit in visits:
            data: dict[str, Any] = {"cadre": visit.cadre, "visit_type": visit.visit_type, "visit_date": visit.day}
            if visit.visitor is not None:
                data["visitor"] = visit.visitor
            data.update(visit.extra)
            rows.append({"data": {k: str(v) if isinstance(v, dt.date) else v for k, v in data.items()}})
            rows[-1]["cadre"] = visit.cadre
        made = submission_bulk_create(
            form=self.visit_form, rows=rows, channel="admin", at=[visit.at for visit in visits]
        )
        self.result.visits += len(made)

    def _receive(self, day: dt.date) -> None:
        self.newcomers += 1
        cadre = demo_newcomer_create(
            seed=self.profile.seed, index=self.newcomers, arrives_on=day, shares=self.profile.shares
        )
        liaison = Staff.objects.filter(role=Staff.Role.LIAISON, active=True, rest_home=cadre.rest_home_id).first()
        ceremony = min(day + dt.timedelta(days=self.rng.randint(3, 20)), self.end)
        cadre_receive(
            cadre=cadre,
            user=self.user,
            received_on=day,
            liaison=liaison,
            ceremony_on=ceremony,
            first_visit_on=min(day + dt.timedelta(days=self.rng.randint(1, 10)), self.end),
            checklist=[item for item in RECEPTION_ITEMS if self.rng.random() < 0.9],
        )
        person = Person(
            cadre.pk, cadre.liaison_id, cadre.level, cadre.state, frozenset(f for f in FLAGS if getattr(cadre, f))
        )
        self.people[cadre.pk] = person
        checked = day + dt.timedelta(days=self.rng.randint(5, 24))
        if self.rng.random() < 0.85 and _noted_on(checked, (THURSDAY,)) <= self.end:  # medical information (5.4.3)
            self.plan[_noted_on(checked, (THURSDAY,))].checks.append((cadre.pk, checked))
        self.result.receptions += 1

    def _death(self, pk: int, recorded: dt.date) -> None:
        person = self.people[pk]
        if person.gone or person.died_on is None:
            return
        cadre = Cadre.objects.get(pk=pk)
        cadre_death_record(
            cadre=cadre,
            user=self.user,
            died_on=person.died_on,
            condolence_visit_on=recorded,
            pension_stopped_on=(person.died_on.replace(day=1) + dt.timedelta(days=32)).replace(day=1),
            checklist=[item for item in DEATH_ITEMS if self.rng.random() < 0.85],
            benefits={"funeral": {"status": "applied"}},
        )
        person.state = Cadre.State.DECEASED
        self._waive(pk, "军休干部已去世")
        self.result.deaths += 1

    def _waive(self, pk: int, reason: str) -> None:
        for item in DueItem.objects.filter(subject_type="cadre", subject_id=pk, state__in=PENDING):
            due_item_waive(item=item, reason=reason)

    def _transfer(self, step: str, transfer: Transfer, day: dt.date) -> None:
        """One step of a transfer: the cadre is one without records that cannot travel (no visits, no sign-ups)."""
        if step == "request":
            cadre = self._transfer_cadre()
            if cadre is None:
                return
            cadre_transfer_request(
                cadre=cadre, user=self.user, target_centre=transfer.to, reason=transfer.reason, requested_on=day
            )
            return
        open_transfer = CadreTransfer.objects.filter(target_centre=transfer.to).exclude(
            state=CadreTransfer.State.COMPLETED
        )
        moving = open_transfer.order_by("-pk").first()
        if moving is None:
            return
        if step == "approve":
            cadre_transfer_approve(
                transfer=moving,
                user=self.user,
                approved_on=day,
                approval_reference=f"沪军休〔{day.year}〕{moving.pk}号",
            )
            return
        cadre_id = moving.cadre_id
        tombstone = cadre_transfer_execute(transfer=moving, user=self.user)
        moment = self._at(day)
        CadreTombstone.objects.filter(pk=tombstone.pk).update(transferred_on=day)
        CadreTransfer.objects.filter(pk=moving.pk).update(completed_at=moment)
        _transfer_in_backdate(target=transfer.to, id_hash=tombstone.id_hash, moment=moment)
        self.people[cadre_id].gone = True
        self._waive(cadre_id, "已移交其他区军休中心")
        self.result.transfers += 1

    def _transfer_cadre(self) -> Cadre | None:
        """The last served cadre of the registry with no flags and nothing that stays behind."""
        busy = set(Submission.objects.filter(cadre__isnull=False).values_list("cadre_id", flat=True))
        for person in sorted(self.people.values(), key=lambda p: -p.pk):
            if person.state == Cadre.State.ACTIVE and not person.flags and not person.gone and person.pk not in busy:
                if person.died_on is None:
                    return Cadre.objects.get(pk=person.pk)
        return None

    # ------------------------------------------------------------ after the day loop

    def _messages_read(self) -> None:
        """Escalation messages are dated when the sweep sent them; all but the last days' were read next morning."""
        sent = Delivery.objects.filter(key__startswith="escalate:", sent_at__isnull=False)
        sent.update(created_at=F("sent_at"))
        recent = _aware(self.end - dt.timedelta(days=2), dt.time())
        sent.filter(sent_at__lt=recent).update(read_at=F("sent_at") + dt.timedelta(hours=13))

    def _served_now(self) -> list[int]:
        return [p.pk for p in self.people.values() if p.state == Cadre.State.ACTIVE and not p.gone]

    def _complaints(self) -> None:
        """Complaints received through the history, moved through 7.2's workflow on the days they were."""
        form = FormDefinition.objects.filter(key=COMPLAINT_FORM).first()
        if form is None:
            form = form_from_template(template_key=COMPLAINT_FORM)
            form_publish(form=form)
            form.refresh_from_db()
        served = self._served_now()
        handlers = list(Staff.objects.filter(active=True, role=Staff.Role.LIAISON).values_list("pk", flat=True))
        end_moment = _aware(self.end, EVENING)
        received_on = []
        for year in range(self.start.year, self.end.year + 1):  # each year its own share, so years compare
            first, last = max(dt.date(year, 1, 1), self.start), min(dt.date(year, 12, 31), self.end)
            count = round(self.profile.complaints * ((last - first).days + 1) / 365)
            received_on += [first + dt.timedelta(days=self.rng.randint(0, (last - first).days)) for _n in range(count)]
        for day in received_on:
            received = self._at(day)
            serious = self.rng.random() < 0.08
            answer = dt.timedelta(days=self.profile.answer_days * math.exp(self.rng.gauss(0, 0.45)))
            answered = received + max(answer, dt.timedelta(hours=3)) * (1.5 if serious else 1)
            steps = (
                [("escalated", received + dt.timedelta(hours=self.rng.randint(2, 30)))]
                if serious
                else [
                    ("assigned", received + dt.timedelta(hours=self.rng.randint(1, 20))),
                    ("handling", received + dt.timedelta(hours=self.rng.randint(21, 40))),
                ]
            )
            steps.append(("answered", max(answered, steps[-1][1] + dt.timedelta(hours=1))))
            steps.append(("closed", steps[-1][1] + dt.timedelta(days=self.rng.randint(1, 6))))
            cadre_id = self.rng.choice(served) if served else None
            data: dict[str, Any] = {
                "channel": self.rng.choices(("on_site", "phone", "letter", "internet"), (3, 5, 1, 2))[0],
                "received_at": timezone.localtime(received).strftime("%Y-%m-%dT%H:%M"),
                "content": self.rng.choice(COMPLAINTS),
                "serious": serious,
            }
            if cadre_id is not None:
                data["cadre"] = cadre_id
            if serious:
                data["escalation_note"] = "已报告区退役军人事务局。"
            submission = submission_create(form=form, data=data, cadre=Cadre(pk=cadre_id) if cadre_id else None)
            stamps = [received]
            for state, moment in steps:
                if moment > end_moment:
                    break
                if state == "answered":
                    data = {**data, "result": self.rng.choice(RESULTS), "feedback_given": self.rng.random() < 0.9}
                    if handlers:
                        data["handler"] = self.rng.choice(handlers)
                    if data["feedback_given"]:
                        data["feedback_date"] = timezone.localtime(moment).date().isoformat()
                    changed = SubmissionChange.objects.filter(submission=submission).count()
                    submission = submission_update(submission=submission, data=data)
                    stamps += [moment] * (SubmissionChange.objects.filter(submission=submission).count() - changed)
                submission = submission_move(submission=submission, to=state)
                stamps.append(moment)
            changes = list(
                SubmissionChange.objects.filter(submission=submission).order_by("pk").values_list("pk", flat=True)
            )
            _backdate(SubmissionChange, dict(zip(changes, stamps[1:], strict=True)), "at")
            _backdate(Submission, {submission.pk: stamps[0]}, "created_at")
            _backdate(Submission, {submission.pk: stamps[-1]}, "updated_at")
            self.result.complaints += 1

    def _survey(self) -> None:
        """The yearly satisfaction survey (the bureau's template) answered in November by a share of the cadres."""
        form = FormDefinition.objects.filter(key=SURVEY_FORM).first()
        if form is None:
            return
        served = len(self._served_now())
        for year, share in sorted(self.profile.survey.items()):
            first, last = max(dt.date(year, 11, 3), self.start), min(dt.date(year, 11, 28), self.end)
            if first > last:
                continue
            rows, stamps = [], []
            for _n in range(round(served * share)):
                day = first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
                data: dict[str, Any] = {
                    "year": year,
                    "method": self.rng.choices(("democratic", "forum", "online"), (6, 1, 3))[0],
                    "overall": self._score(self.profile.satisfaction),
                }
                for question in SURVEY_QUESTIONS:
                    offset = self.profile.survey_offsets.get(question, 0)
                    data[question] = str(self._score(self.profile.satisfaction + offset))
                rows.append({"data": data})
                stamps.append(self._at(day))
            made = submission_bulk_create(form=form, rows=rows, channel="public", at=stamps)
            self.result.survey_answers += len(made)

    def _score(self, mean: float) -> int:
        return min(5, max(1, round(self.rng.gauss(mean, 0.75))))

    def _activities(self) -> None:
        served = self._served_now()
        for year in range(self.start.year, self.end.year + 1):
            first, last = max(dt.date(year, 1, 5), self.start), min(dt.date(year, 12, 20), self.end)
            if first > last:
                continue
            for title, category, place, hours in self.rng.sample(ACTIVITIES, k=self.profile.activities):
                day = first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
                capacity = self.rng.choice((30, 40, 50, 60, 80))
                wanted = min(len(served), round(capacity * self.rng.uniform(0.5, 1.15)))
                signups = demo_activity_held(
                    title=f"{year}年{title}",
                    category=category,
                    place=place,
                    start=_aware(day, dt.time(9, 30)),
                    hours=hours,
                    capacity=capacity,
                    cadre_ids=self.rng.sample(served, k=wanted),
                    summary="欢迎各位老同志踊跃报名参加。",
                )
                if signups is not None:
                    self.result.activities += 1
                    self.result.signups += signups


def demo_history_make(
    *, centre_id: int, profile: Profile, start: dt.date, end: dt.date
) -> tuple[str, HistoryResult, float] | None:
    """Make a centre's history in one transaction and record that it is made: (its name, what was made, seconds),
    or None when it was made before (nothing is added twice).

    Runs in a process of its own when seed_demo makes several centres at once.
    """
    from junxiu.models import DemoHistory

    started = time.monotonic()
    centre = Centre.objects.get(pk=centre_id)
    with transaction.atomic(), schema_context(centre.schema_name):
        if DemoHistory.objects.select_for_update().filter(centre=centre).exists():
            return None
        result = History(code=centre.schema_name, profile=profile, start=start, end=end).make()
        if profile.retired_on is None:
            due_items_sweep()  # today's, as the centre's own sweep would
        seconds = time.monotonic() - started
        DemoHistory.objects.create(centre=centre, start=start, end=end, seconds=seconds)
    return centre.name, result, seconds


def _statistics_refresh() -> None:
    """Let the planner know how big the tables grew: the whole history is one transaction, autovacuum sees none of
    it, and with a plan for empty tables each sweep would read every item of a rule."""
    tables = [model._meta.db_table for model in (DueItem, Submission, Cadre, Delivery)]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def _backdate(model: type[models.Model], stamps: dict[int, dt.datetime], *columns: str) -> None:
    """Move the services' real-time stamps of these rows back to the simulated moments (the demo only)."""
    if not stamps:
        return
    assignments = ", ".join(f"{column} = m.at" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} t SET {assignments} "  # noqa: S608 - names from the model
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS m(id, at) WHERE t.id = m.id",
            [list(stamps), list(stamps.values())],
        )


def _transfer_in_backdate(*, target: str, id_hash: str, moment: dt.datetime) -> None:
    """The target's 'transfer in' history entry carries the simulated moment (its reports date the arrival by it)."""
    from django.apps import apps

    event = apps.get_model("registry", "CadreEvent")
    with schema_context(target):
        cadre_id = Cadre.objects.filter(id_hash=id_hash).values_list("pk", flat=True).first()
        event.objects.filter(pgh_obj_id=cadre_id, pgh_label="transfer_in").update(pgh_created_at=moment)

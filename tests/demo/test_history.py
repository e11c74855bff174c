"""The demo's history (`make run`): made day by day through the services, in the profile's exact proportions, dated
as of the simulated days, once."""

from __future__ import annotations

import datetime as dt
import statistics
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context
from junxiu.demo_history import History, Profile, Transfer, demo_history_make
from junxiu.models import DemoHistory

from content.models import ActivityPage, SignUp
from content.services import demo_content_ensure
from forms_engine.library import bureau_template_push, bureau_template_save, form_template_get
from forms_engine.models import Submission, SubmissionChange
from notifications.models import DueItem
from registry.models import Cadre, CadreTombstone, CadreTransfer
from registry.selectors import cadre_movements
from tenants.models import Centre
from tests.registry.conftest import new_cadre

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2025, 3, 3)
QUIET = {"complaints": 0, "activities": 0, "deaths": 0, "receptions": 0, "check_ups": 0}


def evening(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(20), tzinfo=SHANGHAI)


@pytest.fixture
def putuo_people(centres):
    """Four cadres living alone and one who does not, in putuo (which has no demo data)."""
    with schema_context("putuo"):
        alone = [new_cadre(f"独居{n}", seq=100 + n, lives_alone=True) for n in range(4)]
        other = new_cadre("同住", seq=200)
    return alone, other


def test_fourteen_days_of_daily_calls_in_the_chosen_split(putuo_people):
    alone, other = putuo_people
    profile = Profile(seed=5, daily_on_time=0.75, daily_late=0.125, on_time=1.0, late=0.0, **QUIET)
    last = MONDAY + dt.timedelta(days=13)
    with schema_context("putuo"):
        result = History(code="putuo", profile=profile, start=MONDAY, end=last).make()
        calls = DueItem.objects.filter(rule__key="daily-call")
        assert calls.count() == 56  # 4 cadres × 14 days
        assert set(calls.values_list("subject_id", flat=True)) == {cadre.pk for cadre in alone}
        on_time = [item for item in calls if item.state == "done" and item.done_at == evening(item.due_on)]
        late = [
            item
            for item in calls
            if item.state == "done" and item.done_at == evening(item.due_on + dt.timedelta(days=1))
        ]
        missed = [item for item in calls if item.state != "done"]
        assert (len(on_time), len(late), len(missed)) == (42, 7, 7)  # 75 % / 12.5 % / 12.5 %, exactly
        assert all(item.escalation_level == 0 for item in late)  # noted the next morning, before it was overdue
        # Missed calls climb both steps the next evening; the last day's is still open.
        assert sorted((item.state, item.escalation_level) for item in missed) == [("escalated", 2)] * 6 + [("open", 0)]
        assert all(item.created_at == evening(item.due_on) for item in calls)
        # Every call done has its visit record, dated that day and noted then (late: the next morning).
        records = Submission.objects.filter(form__key="visit-record", data__visit_type="daily_call")
        noted = {(r.data["cadre"], r.data["visit_date"]): timezone.localtime(r.created_at) for r in records}
        assert len(noted) == records.count() == 49
        for item in on_time:
            assert noted[(item.subject_id, item.due_on.isoformat())].date() == item.due_on
        for item in late:
            assert noted[(item.subject_id, item.due_on.isoformat())].date() == item.due_on + dt.timedelta(days=1)
        # The week's greetings are noted on Friday, all in time here.
        greetings = DueItem.objects.filter(rule__key="weekly-greeting")
        assert (
            sorted(greetings.values_list("period_key", "state", "done_at"))
            == [("2025-W10", "done", evening(dt.date(2025, 3, 7)))] * 4
            + [("2025-W11", "done", evening(dt.date(2025, 3, 14)))] * 4
        )
        assert not DueItem.objects.filter(subject_type="cadre", subject_id=other.pk, rule__key="daily-call").exists()
        assert (result.days, result.visits) == (14, Submission.objects.filter(form__key="visit-record").count())


def test_the_history_is_made_once(putuo_people):
    putuo = Centre.objects.get(schema_name="putuo")
    profile = Profile(seed=5, **QUIET)
    end = MONDAY + dt.timedelta(days=6)
    name, result, _seconds = demo_history_make(centre_id=putuo.pk, profile=profile, start=MONDAY, end=end)
    assert (name, result.days) == ("普陀区军休中心", 7)
    with schema_context("putuo"):
        counts = (DueItem.objects.count(), Submission.objects.count())
    assert demo_history_make(centre_id=putuo.pk, profile=profile, start=MONDAY, end=end) is None
    with schema_context("putuo"):
        assert (DueItem.objects.count(), Submission.objects.count()) == counts
    assert DemoHistory.objects.filter(centre=putuo).values_list("start", "end").get() == (MONDAY, end)


def test_complaints_move_through_the_workflow_on_their_days_and_the_survey_goes_to_the_bureaus_form(putuo_people):
    survey = form_template_get(template_key="satisfaction-survey")
    bureau_template_push(
        template=bureau_template_save(
            key="satisfaction", title=survey["title"], fields=survey["fields"], purpose="survey"
        ),
        centres=["putuo"],
    )
    profile = Profile(
        seed=5, **{**QUIET, "complaints": 61, "activities": 2}, answer_days=20, survey={2025: 1.0}, satisfaction=4.0
    )
    start, end = dt.date(2025, 10, 2), dt.date(2025, 11, 30)
    with schema_context("putuo"):
        demo_content_ensure()
        result = History(code="putuo", profile=profile, start=start, end=end).make()
        complaints = Submission.objects.filter(form__key="complaint").order_by("pk")
        assert result.complaints == complaints.count() == 10  # 61 a year, for 60 days
        answered = []
        for complaint in complaints:
            received = dt.datetime.fromisoformat(complaint.data["received_at"]).replace(tzinfo=SHANGHAI)
            assert complaint.created_at == received
            assert start <= timezone.localtime(received).date() <= end
            moves = list(complaint.changes.filter(kind="state").values_list("new", "at"))
            assert [at for _new, at in moves] == sorted(at for _new, at in moves)
            assert all(received < at <= evening(end) for _new, at in moves)
            assert complaint.state == (moves[-1][0] if moves else "received")
            answered += [(at - received).days for new, at in moves if new == "answered"]
            assert SubmissionChange.objects.filter(submission=complaint).count() >= len(moves)
        assert 10 <= statistics.median(answered) <= 35  # about 20 days
        answers = Submission.objects.filter(form__key="bureau-satisfaction")
        assert answers.count() == result.survey_answers == 5  # every one of the 5 cadres answered
        assert {a.form.bureau_template for a in answers} == {"satisfaction"}
        assert all(
            dt.date(2025, 11, 3) <= timezone.localtime(a.created_at).date() <= dt.date(2025, 11, 28) for a in answers
        )
        assert {a.data["year"] for a in answers} == {2025}
        held = ActivityPage.objects.filter(start__range=(evening(start), evening(end))).order_by("start")
        assert held.count() == result.activities == 2
        for page in held:
            assert page.first_published_at == page.signup_opens == page.start - dt.timedelta(days=14)
            signups = SignUp.objects.filter(page_id=page.pk)
            assert all(page.signup_opens < s.created_at < page.signup_closes for s in signups)
            assert signups.filter(status="signed_up").count() == min(signups.count(), page.capacity)
        assert SignUp.objects.filter(page_id__in=held.values("pk")).count() == result.signups


def test_a_transfer_to_another_demo_centre_is_dated_on_its_days(putuo_people):
    alone, other = putuo_people
    transfer = Transfer(
        to="changning",
        requested_on=MONDAY,
        approved_on=MONDAY + dt.timedelta(days=1),
        executed_on=MONDAY + dt.timedelta(days=2),
        reason="随子女迁居",
    )
    profile = Profile(seed=5, **QUIET, transfers=(transfer,))
    with schema_context("putuo"):
        History(code="putuo", profile=profile, start=MONDAY, end=MONDAY + dt.timedelta(days=6)).make()
        done = CadreTransfer.objects.get()
        assert (done.state, done.requested_on, done.approved_on, done.cadre_name) == (
            "completed",
            MONDAY,
            MONDAY + dt.timedelta(days=1),
            "同住",  # the one without visits: nothing stays behind
        )
        assert timezone.localtime(done.completed_at).date() == MONDAY + dt.timedelta(days=2)
        assert CadreTombstone.objects.get().transferred_on == MONDAY + dt.timedelta(days=2)
        assert not Cadre.objects.filter(pk=other.pk).exists()
        assert not DueItem.objects.filter(subject_id=other.pk, state__in=["open", "overdue", "escalated"]).exists()
    with schema_context("changning"):
        arrived = Cadre.objects.get(name="同住")
        event = apps.get_model("registry", "CadreEvent").objects.get(pgh_obj_id=arrived.pk, pgh_label="transfer_in")
        assert timezone.localtime(event.pgh_created_at).date() == MONDAY + dt.timedelta(days=2)
        assert cadre_movements(start=MONDAY, end=MONDAY + dt.timedelta(days=6)) == [
            ("transferred_in", MONDAY + dt.timedelta(days=2))
        ]


def test_seed_demo_keeps_a_retired_centre_as_it_is_and_dates_a_new_one(centres, capsys):
    call_command("seed_demo", "--centre", "zhabei", "--centre", "chongming", "--cadres", "5", "--no-history")
    zhabei, chongming = Centre.objects.get(schema_name="zhabei"), Centre.objects.get(schema_name="chongming")
    assert (zhabei.status, timezone.localtime(zhabei.retired_at)) == (
        "retired",
        dt.datetime(2025, 12, 31, 18, tzinfo=SHANGHAI),
    )
    assert timezone.localtime(chongming.created_at) == dt.datetime(2026, 6, 15, 9, tzinfo=SHANGHAI)
    with schema_context("chongming"):
        assert Cadre.objects.count() == 5
        assert Submission.objects.filter(form__bureau_template="satisfaction").count() == 0
        assert DueItem.objects.count() == 0
    assert "已停用中心 闸北区军休中心。" in capsys.readouterr().out

    call_command("seed_demo", "--centre", "zhabei", "--centre", "chongming", "--cadres", "5", "--no-history")
    assert "闸北区军休中心已停用，保持原样。" in capsys.readouterr().out
    with schema_context("zhabei"):
        assert Cadre.objects.count() == 5
    assert Centre.objects.get(schema_name="zhabei").retired_at == zhabei.retired_at

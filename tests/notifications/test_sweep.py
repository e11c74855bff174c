"""The preloaded rules on crafted data: what is due, when it is done, what is overdue — idempotently."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_engine.library import form_from_template
from forms_engine.models import Submission
from forms_engine.services import form_publish, submission_create
from notifications.models import DueItem, ReminderRule
from notifications.services import (
    due_items_sweep,
    reminder_rule_check_form,
    reminder_rule_validate,
    reminder_rules_seed,
)
from registry.models import Staff
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def visit(cadre, day: dt.date, visit_type: str, *, submitted: dt.datetime | None = None) -> Submission:
    form = submission_form()
    made = submission_create(
        form=form, data={"cadre": cadre.pk, "visit_type": visit_type, "visit_date": day.isoformat()}, cadre=cadre
    )
    when = submitted or timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    Submission.objects.filter(pk=made.pk).update(created_at=when)
    return made


def submission_form():
    from forms_engine.models import FormDefinition

    form = FormDefinition.objects.filter(key="visit-record").first()
    if form is None:
        form = form_from_template(template_key="visit-record")
        form_publish(form=form)
        form.refresh_from_db()
    return form


def items(rule: str, **filters):
    return list(
        DueItem.objects.filter(rule__key=rule, **filters).order_by("period_key").values_list("period_key", "state")
    )


def test_every_row_of_the_standard_is_preloaded_once(centres):
    with schema_context("huangpu"):
        assert ReminderRule.objects.count() == 25
        assert reminder_rules_seed() == 0
        daily = ReminderRule.objects.get(key="daily-call")
        assert (daily.clause, daily.cadence, daily.subject_filter["any_flags"]) == (
            "5.8.3",
            {"every": "day"},
            ["lives_alone", "childless"],
        )


def test_a_living_alone_cadre_not_called_yesterday_is_overdue_today(huangpu_people):
    wang = huangpu_people["wang"]  # lives alone
    with schema_context("huangpu"):
        due_items_sweep(today=D(2026, 11, 28))
        assert items("daily-call", subject_id=wang.pk) == [("2026-11-28", "open")]
        result = due_items_sweep(today=D(2026, 11, 29))
        # Overdue, and at once escalated: the rule escalates a missed daily call on the same day (5.8.3).
        assert items("daily-call", subject_id=wang.pk) == [("2026-11-28", "escalated"), ("2026-11-29", "open")]
        assert result.overdue >= 1
        assert (
            DueItem.objects.get(rule__key="daily-call", period_key="2026-11-29").assignee == huangpu_people["liaison"]
        )
        visit(wang, D(2026, 11, 29), "daily_call")
        due_items_sweep(today=D(2026, 11, 29))
        assert items("daily-call", subject_id=wang.pk) == [("2026-11-28", "escalated"), ("2026-11-29", "done")]
        # Nobody else: 曾国平 and 赵建华 neither live alone nor are childless.
        assert DueItem.objects.filter(rule__key="daily-call").exclude(subject_id=wang.pk).count() == 0


def test_a_call_noted_next_morning_counts_for_its_day(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        due_items_sweep(today=D(2026, 11, 28))
        visit(wang, D(2026, 11, 28), "daily_call", submitted=dt.datetime(2026, 11, 29, 8, 30, tzinfo=SHANGHAI))
        due_items_sweep(today=D(2026, 11, 29))
        assert items("daily-call", subject_id=wang.pk)[0] == ("2026-11-28", "done")


def test_a_quarterly_visit_on_31_march_fulfils_q1(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        due_items_sweep(today=D(2026, 3, 30))
        visit(wang, D(2026, 3, 31), "quarterly_visit")
        due_items_sweep(today=D(2026, 3, 31))
        assert items("quarterly-visit", subject_id=wang.pk) == [("2026-Q1", "done")]
        visit(wang, D(2026, 4, 1), "quarterly_visit")  # the first day of Q2 counts for Q2 only
        due_items_sweep(today=D(2026, 4, 1))
        assert items("quarterly-visit", subject_id=wang.pk) == [("2026-Q1", "done"), ("2026-Q2", "done")]


def test_chongyang_2026_is_due_on_18_october_and_opens_its_lead_time_before(huangpu_people):
    with schema_context("huangpu"):
        due_items_sweep(today=D(2026, 10, 3))
        assert items("chongyang") == []
        due_items_sweep(today=D(2026, 10, 4))
        assert list(DueItem.objects.filter(rule__key="chongyang").values_list("due_on", flat=True)) == [D(2026, 10, 18)]


def test_a_deadline_on_a_saturday_falls_due_the_working_day_before(huangpu_people):
    with schema_context("huangpu"):
        due_items_sweep(today=D(2026, 9, 15))
        assert DueItem.objects.get(rule__key="transfer-hand-over").due_on == D(2026, 10, 30)


def test_a_second_sweep_creates_nothing(huangpu_people):
    with schema_context("huangpu"):
        first = due_items_sweep(today=D(2026, 11, 29))
        count = DueItem.objects.count()
        second = due_items_sweep(today=D(2026, 11, 29))
        assert first.created > 0
        assert (second.created, second.done, DueItem.objects.count()) == (0, 0, count)


def test_without_a_liaison_the_centre_head_answers(huangpu_people):
    with schema_context("huangpu"):
        huangpu_people["wang"].liaison = None
        huangpu_people["wang"].save(update_fields=["liaison"])
        due_items_sweep(today=D(2026, 11, 29))
        assert DueItem.objects.get(rule__key="daily-call").assignee is None  # shown as unassigned
        head = Staff.objects.create(name="中心主任", role=Staff.Role.HEAD)
        DueItem.objects.all().delete()
        due_items_sweep(today=D(2026, 11, 29))
        assert DueItem.objects.get(rule__key="daily-call").assignee == head


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cadence": {"every": "fortnight"}}, "未知的重复方式“fortnight”。"),
        ({"escalation": [{"to": "supervisor"}, {"to": "supervisor"}]}, "逐级上报中同一人出现了两次（循环）。"),
        ({"escalation": [{"to": "mayor"}]}, "只能上报给联络员的上级或中心负责人。"),
    ],
)
def test_impossible_rules_are_refused(kwargs, message):
    spec = {"subject": "cadre", "cadence": {"every": "day"}, "fulfilment": {}, "escalation": [], **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        reminder_rule_validate(**spec)
    assert excinfo.value.messages == [message]


def test_an_unknown_form_or_field_is_refused(huangpu_people):
    with schema_context("huangpu"):
        submission_form()
        with pytest.raises(ValidationError, match="没有表单“no-such-form”"):
            reminder_rule_check_form(fulfilment={"form": "no-such-form"})
        with pytest.raises(ValidationError, match="没有字段 mood"):
            reminder_rule_check_form(fulfilment={"form": "visit-record", "answers": {"mood": "good"}})
        reminder_rule_check_form(fulfilment={"form": "visit-record", "answers": {"visit_type": "daily_call"}})


def test_huangpus_sweep_leaves_putuo_alone(huangpu_people):
    with schema_context("huangpu"):
        due_items_sweep(today=D(2026, 11, 29))
        assert DueItem.objects.count() > 0
    with schema_context("putuo"):
        assert DueItem.objects.count() == 0


def test_overdue_items_climb_their_escalation_steps_and_tell_each_person_once(huangpu_people):
    from notifications.models import Delivery
    from tests.conftest import make_user

    liaison = huangpu_people["liaison"]
    with schema_context("huangpu"):
        supervisor = Staff.objects.create(name="李主管", role=Staff.Role.CASEWORKER, user=make_user("huangpu", "boss"))
        head = Staff.objects.create(name="中心主任", role=Staff.Role.HEAD, user=make_user("huangpu", "head"))
        liaison.supervisor = supervisor
        liaison.save(update_fields=["supervisor"])
        due_items_sweep(today=D(2026, 11, 22))  # week 47 (16–22 November): a greeting is due on the 22nd
        item = DueItem.objects.get(rule__key="weekly-greeting", subject_id=huangpu_people["wang"].pk)
        assert (item.period_key, item.due_on, item.assignee) == ("2026-W47", D(2026, 11, 22), liaison)

        due_items_sweep(today=D(2026, 11, 23))  # one day late: the supervisor is told
        item.refresh_from_db()
        assert (item.state, item.escalation_level) == ("escalated", 1)
        assert list(Delivery.objects.filter(due_item=item).values_list("key", "user__username", "channel")) == [
            (f"escalate:{item.pk}:1", "boss", "inbox")
        ]
        due_items_sweep(today=D(2026, 11, 24))  # nothing new to tell
        assert Delivery.objects.filter(due_item=item).count() == 1

        due_items_sweep(today=D(2026, 11, 25))  # three days late: the centre head
        item.refresh_from_db()
        assert item.escalation_level == 2
        assert sorted(Delivery.objects.filter(due_item=item).values_list("user__username", flat=True)) == [
            "boss",
            "head",
        ]
        assert (
            Delivery.objects.get(key=f"escalate:{item.pk}:2").subject == "已逾期：独居、孤老、长期卧床军休干部每周问候"
        )
        assert head.user.deliveries.filter(due_item=item).count() == 1


def test_today_worklist_and_the_centres_panel(huangpu_people):
    from tenants.roles import Role
    from tests.conftest import PASSWORD, client_for
    from tests.registry.test_admin_ui import login

    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        due_items_sweep(today=timezone.localdate() - dt.timedelta(days=1))
        due_items_sweep()
    liaison = client_for("huangpu")
    liaison.post("/admin/login/", {"username": "liaison", "password": PASSWORD})
    page = liaison.get("/admin/reminders/today/").content.decode()
    assert "独居、孤老军休干部每日联系" in page and "今天有" in page and "已逾期" in page
    with schema_context("huangpu"):
        mine = DueItem.objects.filter(
            assignee=huangpu_people["liaison"], subject_id=wang.pk, due_on__lte=timezone.localdate()
        ).exclude(state__in=["done", "waived"])
        assert mine.filter(rule__key="daily-call").count() == 2  # yesterday's (late) and today's call
        expected = mine.count()
    assert page.count(f">{wang.name}</a></td>") == expected
    assert "赵建华" not in page  # not theirs
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    home = admin.get("/admin/").content.decode()
    assert "待办提醒" in home and "李联络" in home
    putuo = login("putuo", "pt-admin", Role.CENTRE_ADMIN)
    assert "独居、孤老军休干部每日联系</td><td>" not in putuo.get("/admin/").content.decode()


def test_a_sweep_as_of_a_past_moment_stamps_every_change_with_that_moment(huangpu_people):
    from notifications.models import Delivery

    wang = huangpu_people["wang"]
    evening = dt.datetime(2025, 3, 3, 20, 0, tzinfo=SHANGHAI)
    with schema_context("huangpu"):
        head = Staff.objects.create(name="中心主任", role=Staff.Role.HEAD, user=make_user("huangpu", "head"))
        visit(wang, D(2025, 3, 3), "daily_call")
        due_items_sweep(today=D(2025, 3, 3), now=evening)
        call = DueItem.objects.get(rule__key="daily-call", subject_id=wang.pk)
        assert (call.period_key, call.state, call.done_at, call.created_at, call.updated_at) == (
            "2025-03-03",
            "done",
            evening,
            evening,
            evening,
        )
        # Items made for the centre and for staff (built one by one) carry the same moment.
        assert set(DueItem.objects.values_list("created_at", flat=True)) == {evening}
        assert ReminderRule.objects.get(key="daily-call").swept_at == evening

        next_evening = evening + dt.timedelta(days=1)
        due_items_sweep(today=D(2025, 3, 4), now=next_evening)  # no call on the 4th
        due_items_sweep(today=D(2025, 3, 5), now=next_evening + dt.timedelta(days=1))
        missed = DueItem.objects.get(rule__key="daily-call", period_key="2025-03-04")
        assert (missed.state, missed.escalation_level, missed.escalated_to, missed.updated_at, missed.done_at) == (
            "escalated",
            2,
            head,
            next_evening + dt.timedelta(days=1),
            None,
        )
        told = Delivery.objects.filter(due_item=missed).order_by("key")
        assert [(d.key, d.sent_at) for d in told] == [
            (f"escalate:{missed.pk}:1", next_evening + dt.timedelta(days=1)),
            (f"escalate:{missed.pk}:2", next_evening + dt.timedelta(days=1)),
        ]


def test_a_late_note_closes_the_item_at_the_moment_of_the_sweep_that_finds_it(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        due_items_sweep(today=D(2025, 3, 3), now=dt.datetime(2025, 3, 3, 20, 0, tzinfo=SHANGHAI))
        entered = dt.datetime(2025, 3, 4, 9, 15, tzinfo=SHANGHAI)
        made = visit(wang, D(2025, 3, 3), "daily_call", submitted=entered)
        Submission.objects.filter(pk=made.pk).update(updated_at=entered)
        later = dt.datetime(2025, 3, 4, 20, 0, tzinfo=SHANGHAI)
        assert due_items_sweep(today=D(2025, 3, 4), now=later, rules={"daily-call"}).done == 1
        call = DueItem.objects.get(rule__key="daily-call", period_key="2025-03-03")
        assert (call.state, call.done_at, call.due_on) == ("done", later, D(2025, 3, 3))


def test_a_sweep_of_chosen_rules_makes_only_their_items(huangpu_people):
    with schema_context("huangpu"):
        result = due_items_sweep(today=D(2026, 11, 29), rules={"daily-call", "weekly-greeting"})
        assert result.created == 2  # 王德胜's call and greeting
        assert set(DueItem.objects.values_list("rule__key", flat=True)) == {"daily-call", "weekly-greeting"}
        assert due_items_sweep(today=D(2026, 11, 29)).created > 0
        assert DueItem.objects.filter(rule__key="yearly-check-up").count() == 3

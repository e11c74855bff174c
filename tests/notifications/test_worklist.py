"""Today's worklist as a liaison meets it: rules counting from old record dates raise nothing stale, stale items go in
one waiver, tabs and filters with counts, 去填写 → a prefilled form whose record closes the item, a call marked done
with a note, the waiver's reason checked in Chinese beside the field; another centre sees and changes none of it."""

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_engine.models import Submission
from notifications.models import DueItem, ReminderRule
from notifications.services import due_items_sweep
from registry.models import Cadre
from tenants.roles import Role
from tests.notifications.test_sweep import submission_form
from tests.registry.test_admin_ui import login

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 11, 27)
MEDICAL = "medical-info-after-transfer"
WORKLIST = "/admin/reminders/today/"


def transferred_decades_ago(people) -> None:
    """The centre's cadres came in 1983, 1995 and 2004 (long before the centre used the reminders)."""
    for name, day in (("wang", D(1983, 5, 1)), ("zeng", D(1995, 9, 1)), ("zhao", D(2004, 3, 15))):
        Cadre.objects.filter(pk=people[name].pk).update(transfer_in_date=day)


def medical_items():
    return list(
        DueItem.objects.filter(rule__key=MEDICAL)
        .order_by("period_key")
        .values_list("subject_id", "period_key", "state")
    )


def test_a_rule_counting_from_transfer_dates_raises_nothing_for_cadres_transferred_before_it_came_into_force(
    huangpu_people,
):
    wang, zhao = huangpu_people["wang"], huangpu_people["zhao"]
    with schema_context("huangpu"):
        transferred_decades_ago(huangpu_people)
        ReminderRule.objects.filter(key=MEDICAL).update(starts_on=D(2026, 11, 1))
        due_items_sweep(today=TODAY)
        assert medical_items() == []
        # A newcomer transferred in after the rule came into force gets the item, due 30 days later.
        Cadre.objects.filter(pk=zhao.pk).update(transfer_in_date=D(2026, 11, 20))
        due_items_sweep(today=TODAY)
        assert medical_items() == [(zhao.pk, "2026-11-20", "open")]
        # Moving the start back makes the older records count again (the rule's digest changed).
        ReminderRule.objects.filter(key=MEDICAL).update(starts_on=D(1983, 1, 1))
        due_items_sweep(today=TODAY)
        assert [row[:2] for row in medical_items()] == [
            (wang.pk, "1983-05-01"),
            (huangpu_people["zeng"].pk, "1995-09-01"),
            (zhao.pk, "2026-11-20"),
        ]


def test_a_rule_preloaded_for_a_new_centre_is_in_force_from_that_day(centres):
    with schema_context("putuo"):
        rule = ReminderRule.objects.get(key=MEDICAL)
        made = ReminderRule.objects.create(key="new-rule", title="新规则", subject="centre", cadence={"every": "year"})
        assert made.starts_on == timezone.localdate()
        assert rule.starts_on <= timezone.localdate()
        assert set(ReminderRule.objects.filter(done_by_note=True).values_list("key", flat=True)) == {
            "daily-call",
            "weekly-greeting",
            "abroad-monthly-contact",
        }


def test_an_existing_rule_comes_into_force_when_it_made_its_first_item(huangpu_people):
    """The migration's default: the local day of the rule's first item, else left at today."""
    from importlib import import_module

    rules_start = import_module("notifications.migrations.0005_rule_start_and_item_audit").rules_start
    with schema_context("huangpu"):
        transferred_decades_ago(huangpu_people)
        ReminderRule.objects.update(starts_on=D(1900, 1, 1), done_by_note=False)
        due_items_sweep(today=TODAY, now=dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.UTC))  # 07:30 on the 28th
        made = DueItem.objects.filter(rule__key="daily-call").count()
        assert made == 1
        ReminderRule.objects.filter(key="health-lecture").update(starts_on=D(2026, 12, 2))
        DueItem.objects.filter(rule__key="health-lecture").delete()
        rules_start(apps, None)
        starts = dict(ReminderRule.objects.values_list("key", "starts_on"))
        assert (starts[MEDICAL], starts["daily-call"], starts["health-lecture"]) == (
            D(2026, 11, 28),
            D(2026, 11, 28),
            D(2026, 12, 2),
        )
        assert ReminderRule.objects.get(key="daily-call").done_by_note is True


def _stale_setup(people) -> list[int]:
    """Items made before the rule had a start (all transfers since 1983), then the start set to the first sweep."""
    transferred_decades_ago(people)
    ReminderRule.objects.filter(key=MEDICAL).update(starts_on=D(1900, 1, 1))
    due_items_sweep()
    ReminderRule.objects.filter(key=MEDICAL).update(starts_on=timezone.localdate())
    return list(DueItem.objects.filter(rule__key=MEDICAL).order_by("pk").values_list("pk", flat=True))


def test_stale_items_are_waived_in_one_step_with_the_reason_and_who(huangpu_people):
    with schema_context("huangpu"):
        stale = _stale_setup(huangpu_people)
        rule = ReminderRule.objects.get(key=MEDICAL)
        assert len(stale) == 3 and DueItem.objects.filter(pk__in=stale, state="overdue").count() == 3
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    page = admin.get(WORKLIST).content.decode()
    assert f"“移交后一个月内采集基本医疗信息”自 {timezone.localdate():%Y-%m-%d} 起施行" in page
    assert "免除这 3 项" in page
    assert 'name="expected" value="3"' in page

    empty = admin.post(WORKLIST, {"action": "waive_stale", "rule": rule.pk, "expected": 3, "reason": " "})
    assert empty.status_code == 400
    assert re.search(r'id="stale-error-\d+" role="alert">请说明免除的原因。</p>', empty.content.decode())
    changed = admin.post(WORKLIST, {"action": "waive_stale", "rule": rule.pk, "expected": 2, "reason": "历史记录"})
    assert "此类待办的数量已变为 3，请核对后再确认。" in changed.content.decode()
    with schema_context("huangpu"):
        assert DueItem.objects.filter(pk__in=stale, state="waived").count() == 0

    done = admin.post(
        WORKLIST + "?tab=overdue",
        {"action": "waive_stale", "rule": rule.pk, "expected": 3, "reason": "规则施行前的历史记录"},
    )
    assert (done.status_code, done["Location"]) == (302, WORKLIST + "?tab=overdue")
    with schema_context("huangpu"):
        rows = set(DueItem.objects.filter(pk__in=stale).values_list("state", "waived_reason", "waived_by__username"))
        assert rows == {("waived", "规则施行前的历史记录", "hp-admin")}
        assert DueItem.objects.filter(pk__in=stale, waived_at__isnull=True).count() == 0
        assert due_items_sweep().created == 0  # nothing stale comes back
    assert "免除这" not in admin.get(WORKLIST).content.decode()


def test_a_liaison_waives_only_their_own_stale_items(huangpu_people):
    with schema_context("huangpu"):
        stale = _stale_setup(huangpu_people)
        theirs = set(
            DueItem.objects.filter(pk__in=stale, assignee=huangpu_people["liaison"]).values_list("pk", flat=True)
        )
        assert len(theirs) == 1  # 王德胜 is theirs; the others have no liaison
        rule = ReminderRule.objects.get(key=MEDICAL)
    liaison = login("huangpu", "liaison")
    assert "免除这 1 项" in liaison.get(WORKLIST).content.decode()
    liaison.post(WORKLIST, {"action": "waive_stale", "rule": rule.pk, "expected": 1, "reason": "历史记录"})
    with schema_context("huangpu"):
        assert set(DueItem.objects.filter(pk__in=stale, state="waived").values_list("pk", flat=True)) == theirs


def _items_for_liaison(people, today: dt.date) -> dict[str, DueItem]:
    """Due items made directly (dates relative to today): two calls, a greeting due on Sunday, a quarterly visit."""
    rules = {r.key: r for r in ReminderRule.objects.all()}
    liaison, wang, zeng = people["liaison"], people["wang"], people["zeng"]
    sunday = today + dt.timedelta(days=6 - today.weekday())
    rows = {
        "late_call": (rules["daily-call"], wang, today - dt.timedelta(days=1), "overdue"),
        "call": (rules["daily-call"], wang, today, "open"),
        "greeting": (rules["weekly-greeting"], zeng, sunday, "open"),
        "visit": (rules["quarterly-visit"], zeng, today, "open"),
    }
    made = {}
    for name, (rule, cadre, due, state) in rows.items():
        made[name] = DueItem.objects.create(
            rule=rule,
            subject_type="cadre",
            subject_id=cadre.pk,
            period_key=due.isoformat(),
            period_start=due,
            due_on=due,
            state=state,
            assignee=liaison,
        )
    return made


def tab_counts(page: str) -> dict[str, int]:
    return {
        name: int(count)
        for name, count in re.findall(r'data-tab="(\w+)".*?<span class="worklist-count">(\d+)</span>', page)
    }


def listed(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-item="(\d+)">', page)]


def test_tabs_count_and_filter_by_rule_and_rest_home_kept_in_the_address(huangpu_people):
    today = timezone.localdate()
    with schema_context("huangpu"):
        made = _items_for_liaison(huangpu_people, today)
        west_cadre = huangpu_people["zhao"]
        Cadre.objects.filter(pk=huangpu_people["zeng"].pk).update(rest_home=huangpu_people["west"])
        daily = made["call"].rule_id
        west = huangpu_people["west"].pk
    liaison = login("huangpu", "liaison")
    page = liaison.get(WORKLIST).content.decode()
    monday = today.weekday() == 0  # yesterday's call is then last week's
    sunday = today.weekday() == 6  # the greeting is then due today
    assert tab_counts(page) == {
        "all": 3 + sunday,
        "today": 2 + sunday,
        "overdue": 1,
        "week": 3 + (not monday),
    }
    due_by_today = {made["late_call"].pk, made["call"].pk, made["visit"].pk} | (
        {made["greeting"].pk} if sunday else set()
    )
    assert set(listed(page)) == due_by_today
    assert "西休养所" in page and west_cadre.name not in page  # a rest home to filter by; not their cadre

    by_rule = liaison.get(WORKLIST, {"tab": "today", "rule": daily}).content.decode()
    assert listed(by_rule) == [made["call"].pk]
    assert tab_counts(by_rule) == {"all": 2, "today": 1, "overdue": 1, "week": 1 + (not monday)}
    # The tabs keep the filters, and the filter form keeps the tab.
    assert f'href="?tab=overdue&amp;rule={daily}"' in by_rule
    assert '<input type="hidden" name="tab" value="today">' in by_rule
    assert f'<option value="{daily}" selected>独居、孤老军休干部每日联系</option>' in by_rule

    week_west = liaison.get(WORKLIST, {"tab": "week", "rest_home": west}).content.decode()
    assert set(listed(week_west)) == {made["visit"].pk, made["greeting"].pk}
    assert tab_counts(week_west) == {"all": 1 + sunday, "today": 1 + sunday, "overdue": 0, "week": 2}


def test_fill_in_opens_the_form_prefilled_and_saving_it_clears_the_item(huangpu_people):
    today = timezone.localdate()
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        form = submission_form()
        made = _items_for_liaison(huangpu_people, today)
    liaison = login("huangpu", "liaison")
    page = liaison.get(WORKLIST + "?tab=today").content.decode()
    links = dict(
        re.findall(r'<tr data-item="(\d+)">.*?<a class="button button-small" href="([^"]+)" data-fill>', page, re.S)
    )
    link = html.unescape(links[str(made["call"].pk)])
    everything = liaison.get(WORKLIST).content.decode()
    late_link = html.unescape(
        re.search(rf'<tr data-item="{made["late_call"].pk}">.*?href="([^"]+)" data-fill>', everything, re.S).group(1)
    )
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == f"/admin/forms-engine/{form.pk}/submissions/new/"
    assert query == {
        "visit_type": ["daily_call"],
        "cadre": [str(wang.pk)],
        "visit_date": [today.isoformat()],
        "next": [WORKLIST + "?tab=today"],
    }
    # A late item's visit is dated on its own day (a note of that day's call still counts for it).
    assert parse_qs(urlsplit(late_link).query)["visit_date"] == [(today - dt.timedelta(days=1)).isoformat()]

    fill = liaison.get(link).content.decode()
    assert 'name="visit_type" value="daily_call" checked>' in fill
    assert f'id="fe-visit_date" name="visit_date" value="{today.isoformat()}"' in fill
    # The cadre it is about, and the form's own cadre field, both chosen.
    assert f'<input type="hidden" name="cadre" value="{wang.pk}" id="fe-cadre-link">' in fill
    assert f'<input type="hidden" name="cadre" value="{wang.pk}" id="fe-cadre">' in fill
    assert f'name="next" value="{WORKLIST}?tab=today"' in fill

    saved = liaison.post(
        link,
        {
            "cadre": wang.pk,
            "next": WORKLIST + "?tab=today",
            "visit_type": "daily_call",
            "visit_date": today.isoformat(),
            "thought": "精神很好",
        },
    )
    assert (saved.status_code, saved["Location"]) == (302, WORKLIST + "?tab=today")
    after = liaison.get(saved["Location"]).content.decode()
    assert made["call"].pk not in listed(after)
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=form, cadre=wang)
        item = DueItem.objects.get(pk=made["call"].pk)
        assert (item.state, item.fulfilled_by) == ("done", f"submission:{submission.pk}")
        assert DueItem.objects.get(pk=made["late_call"].pk).state == "overdue"  # today's call is not yesterday's


def test_a_call_is_marked_done_with_a_one_line_note(huangpu_people):
    today = timezone.localdate()
    with schema_context("huangpu"):
        made = _items_for_liaison(huangpu_people, today)
    liaison = login("huangpu", "liaison")
    page = liaison.get(WORKLIST).content.decode()
    rows = dict(re.findall(r'<tr data-item="(\d+)">(.*?)</tr>', page, re.S))
    assert "data-done" in rows[str(made["call"].pk)]
    assert "data-done" not in rows[str(made["visit"].pk)]  # a quarterly visit needs its record
    empty = liaison.post(WORKLIST, {"action": "done", "item": made["call"].pk, "note": ""})
    assert empty.status_code == 400
    assert f'id="note-error-{made["call"].pk}" role="alert">请写一句做了什么，例如：已通话，一切正常。</p>' in (
        empty.content.decode()
    )
    assert liaison.post(WORKLIST, {"action": "done", "item": made["visit"].pk, "note": "走访了"}).status_code == 404
    done = liaison.post(WORKLIST, {"action": "done", "item": made["call"].pk, "note": "已通话，身体很好"})
    assert done.status_code == 302
    with schema_context("huangpu"):
        item = DueItem.objects.get(pk=made["call"].pk)
        assert (item.state, item.done_note, item.done_by.username, item.fulfilled_by) == (
            "done",
            "已通话，身体很好",
            "liaison",
            "note",
        )
        assert DueItem.objects.get(pk=made["visit"].pk).state == "open"


def test_an_empty_waiver_reason_is_refused_in_chinese_beside_the_field(huangpu_people):
    today = timezone.localdate()
    with schema_context("huangpu"):
        made = _items_for_liaison(huangpu_people, today)
    liaison = login("huangpu", "liaison")
    page = liaison.get(WORKLIST).content.decode()
    assert not re.search(r'<input[^>]*name="(reason|note)"[^>]*required', page)  # no English browser tooltip
    assert '<form method="post" novalidate class="worklist-action" data-waive>' in page
    pk = made["visit"].pk
    refused = liaison.post(WORKLIST + "?tab=today", {"action": "waive", "item": pk, "reason": "   "})
    body = refused.content.decode()
    assert refused.status_code == 400
    assert f'aria-describedby="reason-error-{pk}"' in body
    assert f'<p class="worklist-error" id="reason-error-{pk}" role="alert">请说明免除的原因。</p>' in body
    with schema_context("huangpu"):
        assert DueItem.objects.get(pk=pk).state == "open"
    ok = liaison.post(WORKLIST + "?tab=today", {"action": "waive", "item": pk, "reason": "住院治疗"})
    assert (ok.status_code, ok["Location"]) == (302, WORKLIST + "?tab=today")
    with schema_context("huangpu"):
        item = DueItem.objects.get(pk=pk)
        assert (item.state, item.waived_reason, item.waived_by.username) == ("waived", "住院治疗", "liaison")


def test_another_centre_sees_and_changes_none_of_a_centres_worklist(huangpu_people):
    today = timezone.localdate()
    with schema_context("huangpu"):
        made = _items_for_liaison(huangpu_people, today)
        stale = _stale_setup(huangpu_people)
        rule = ReminderRule.objects.get(key=MEDICAL)
        before = list(DueItem.objects.order_by("pk").values_list("pk", "state", "updated_at"))
    putuo = login("putuo", "pt-admin", Role.CENTRE_ADMIN)
    page = putuo.get(WORKLIST).content.decode()
    assert listed(page) == [] and "免除这" not in page and "王德胜" not in page
    assert putuo.post(WORKLIST, {"action": "waive", "item": made["call"].pk, "reason": "x"}).status_code == 404
    assert putuo.post(WORKLIST, {"action": "done", "item": made["call"].pk, "note": "x"}).status_code == 404
    putuo.post(WORKLIST, {"action": "waive_stale", "rule": rule.pk, "expected": len(stale), "reason": "x"})
    with schema_context("huangpu"):
        assert list(DueItem.objects.order_by("pk").values_list("pk", "state", "updated_at")) == before


def test_a_centre_admin_sets_when_a_rule_comes_into_force(centres):
    import json

    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        rule = ReminderRule.objects.get(key=MEDICAL)
    url = f"/admin/reminder_rules/edit/{rule.pk}/"
    assert (
        "按记录日期计算的规则（如移交接收、回国（境））：只为此日期及以后的记录生成待办。"
        in admin.get(url).content.decode()
    )
    data = {
        "key": rule.key,
        "title": rule.title,
        "clause": rule.clause,
        "subject": rule.subject,
        "subject_filter": json.dumps(rule.subject_filter),
        "cadence": json.dumps(rule.cadence),
        "fulfilment": json.dumps(rule.fulfilment),
        "responsible": rule.responsible,
        "lead_days": 0,
        "escalation": json.dumps(rule.escalation),
        "starts_on": "2025-01-01",
        "active": "on",
    }
    assert admin.post(url, data).status_code == 302
    with schema_context("huangpu"):
        assert ReminderRule.objects.get(pk=rule.pk).starts_on == D(2025, 1, 1)
    with schema_context("putuo"):
        assert ReminderRule.objects.get(key=MEDICAL).starts_on != D(2025, 1, 1)


def test_the_worklist_reads_the_same_number_of_queries_for_4_items_or_40(huangpu_people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.registry.conftest import new_cadre

    today = timezone.localdate()
    with schema_context("huangpu"):
        _items_for_liaison(huangpu_people, today)
    liaison = login("huangpu", "liaison")
    liaison.get(WORKLIST)  # the session and permissions warmed up

    LAST: list = []

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert liaison.get(WORKLIST).status_code == 200
        LAST[:] = captured.captured_queries
        return len(captured)

    few = queries()
    with schema_context("huangpu"):
        rules = {r.key: r for r in ReminderRule.objects.filter(key__in=["daily-call", "quarterly-visit"])}
        for index in range(18):
            cadre = new_cadre(f"测试{index}", seq=400 + index, rest_home=huangpu_people["west"])
            for rule in rules.values():
                DueItem.objects.create(
                    rule=rule,
                    subject_type="cadre",
                    subject_id=cadre.pk,
                    period_key=today.isoformat(),
                    period_start=today,
                    due_on=today,
                    assignee=huangpu_people["liaison"],
                )
    liaison.get(WORKLIST)  # the connection back in the centre's search path, as before the first count
    many = queries()
    assert len(listed(liaison.get(WORKLIST).content.decode())) == 3 + (today.weekday() == 6) + 36
    assert many == few, (few, many)
    assert few <= 25, "\n".join(q["sql"][:150] for q in LAST)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_fill_page_goes_back_only_to_a_page_of_this_site(huangpu_people, target):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        form = submission_form()
    liaison = login("huangpu", "liaison")
    url = f"/admin/forms-engine/{form.pk}/submissions/new/"
    assert 'name="next"' not in liaison.get(url, {"cadre": wang.pk, "next": target}).content.decode()
    data = {"cadre": wang.pk, "visit_type": "daily_call", "visit_date": "2026-11-27", "next": target}
    saved = liaison.post(url, data)
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=form, cadre=wang)
    assert (saved.status_code, saved["Location"]) == (302, f"/admin/forms-engine/submissions/{submission.pk}/")

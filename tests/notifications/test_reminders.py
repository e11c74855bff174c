"""Reminders told to people: staff once a day (per rule or a digest), cadres by SMS; waiving; the admin screens."""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition
from notifications.delivery import delivery_failures
from notifications.models import Delivery, DueItem, NotificationPreference, ReminderRule
from notifications.selectors import worklist_for_staff
from notifications.services import due_items_sweep, reminders_send, rule_forms_ensure
from registry.models import Staff
from tenants.roles import Role
from tests.registry.test_admin_ui import login, refused

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 27)  # a Friday
MORNING = dt.datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)


def keys(**filters) -> set[str]:
    return set(Delivery.objects.filter(**filters).values_list("key", flat=True))


def test_every_centre_has_the_forms_its_rules_are_fulfilled_by(centres):
    for code in ("huangpu", "putuo"):
        with schema_context(code):
            form = FormDefinition.objects.get(key="visit-record")
            assert form.current_version is not None and form.current_version.number == 1
            assert rule_forms_ensure() == []  # already there: left alone


def test_staff_hear_once_a_day_one_message_per_rule(huangpu_people, tmp_path):
    liaison = huangpu_people["liaison"]
    with schema_context("huangpu"), override_settings(JUNXIU_SMS_FILE=str(tmp_path / "sms.jsonl")):
        due_items_sweep(today=TODAY)
        early = dt.datetime(2026, 11, 27, 7, 0, tzinfo=SHANGHAI)
        assert reminders_send(today=TODAY, now=early) == 0  # before 07:30 nobody is told
        mine = worklist_for_staff(staff=liaison, today=TODAY)
        rules = {item.rule_id for item in mine}
        assert ReminderRule.objects.get(key="daily-call").pk in rules
        sent = reminders_send(today=TODAY, now=MORNING)
        expected = {f"remind:{liaison.pk}:{rule}:2026-11-27:inbox" for rule in rules}
        assert keys(user=liaison.user) == expected
        daily = Delivery.objects.get(
            key=f"remind:{liaison.pk}:{ReminderRule.objects.get(key='daily-call').pk}:2026-11-27:inbox"
        )
        assert (daily.subject, daily.body, daily.status) == (
            "独居、孤老军休干部每日联系：今天有 1 项",
            "王德胜",
            "sent",
        )
        # The cadre's own SMS (the yearly check-up) goes out too; the cadres without a mobile get none.
        cadre_sms = Delivery.objects.filter(channel="sms", key__startswith="cadre:")
        assert sent == len(expected) + cadre_sms.count()
        assert reminders_send(today=TODAY, now=MORNING + dt.timedelta(hours=3)) == 0  # once a day


def test_a_digest_instead_and_sms_when_chosen(huangpu_people, tmp_path):
    liaison = huangpu_people["liaison"]
    with schema_context("huangpu"), override_settings(JUNXIU_SMS_FILE=str(tmp_path / "sms.jsonl")):
        NotificationPreference.objects.create(user=liaison.user, channels=["sms"], daily_digest=True)
        due_items_sweep(today=TODAY)
        mine = worklist_for_staff(staff=liaison, today=TODAY)
        count, late = len(mine), sum(1 for item in mine if item.state != "open")
        assert late > 0  # yearly duties "by 31 October" are already late on the first sweep
        reminders_send(today=TODAY, now=MORNING)
        digest = f"digest:{liaison.pk}:2026-11-27"
        assert keys(user=liaison.user) == {f"{digest}:inbox", f"{digest}:sms"}
        sms = Delivery.objects.get(key=f"{digest}:sms")
        assert (sms.address, sms.status, sms.subject) == (
            "13900001111",
            "queued",
            f"今日待办：共 {count} 项，已逾期 {late} 项",
        )
        assert "独居、孤老军休干部每日联系：1 项（王德胜）" in sms.body.splitlines()


def test_cadres_who_must_act_get_one_sms_in_plain_chinese(huangpu_people, tmp_path):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"), override_settings(JUNXIU_SMS_FILE=str(tmp_path / "sms.jsonl")):
        Staff.objects.create(name="周主任", role=Staff.Role.HEAD, phone="021-63001234")
        due_items_sweep(today=TODAY)
        reminders_send(today=TODAY, now=MORNING)
        check_up = DueItem.objects.get(rule__key="yearly-check-up", subject_id=wang.pk)
        sms = Delivery.objects.get(key=f"cadre:{check_up.pk}")
        assert (sms.channel, sms.address, sms.due_item_id) == ("sms", "13812345678", check_up.pk)
        assert sms.body == (
            "王德胜同志您好：黄浦区军休中心提醒您，请于2026年12月31日前完成“每年一次常规体检”。"
            "如需帮助，请致电021-63001234。"
        )
        # Only wang has a mobile phone; zeng and zhao are left to their liaison's worklist.
        assert list(Delivery.objects.filter(key__startswith="cadre:").values_list("address", flat=True)) == [
            "13812345678"
        ]
        reminders_send(today=TODAY + dt.timedelta(days=1), now=MORNING + dt.timedelta(days=1))
        assert Delivery.objects.filter(key__startswith="cadre:").count() == 1  # one per item, not one per day
    # Sent through the SMS channel by the delivery task: the file backend writes one line.
    from notifications.delivery import delivery_send

    with schema_context("huangpu"), override_settings(JUNXIU_SMS_FILE=str(tmp_path / "sms.jsonl")):
        assert delivery_send(delivery_id=sms.pk, now=MORNING) == "sent"
    line = json.loads((tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (line["phone"], line["key"]) == ("13812345678", f"cadre:{check_up.pk}")


def test_escalated_items_are_on_the_supervisors_worklist(huangpu_people):
    liaison = huangpu_people["liaison"]
    with schema_context("huangpu"):
        boss = Staff.objects.create(name="孙科长", role=Staff.Role.CASEWORKER)
        Staff.objects.filter(pk=liaison.pk).update(supervisor=boss)
        due_items_sweep(today=TODAY)
        due_items_sweep(today=TODAY + dt.timedelta(days=1))  # yesterday's call is late: the supervisor is told
        late = DueItem.objects.get(rule__key="daily-call", period_key="2026-11-27")
        assert (late.state, late.escalated_to_id) == ("escalated", boss.pk)
        assert [i.pk for i in worklist_for_staff(staff=boss, today=TODAY + dt.timedelta(days=1))] == [late.pk]


def test_waiving_from_the_worklist_and_the_cadre_page(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        due_items_sweep()
        item = DueItem.objects.filter(rule__key="daily-call", subject_id=wang.pk).get()
    liaison = login("huangpu", "liaison")
    tab = liaison.get(f"/admin/registry/cadres/{wang.pk}/reminders/")
    assert tab.status_code == 200
    html = tab.content.decode()
    assert f'data-item="{item.pk}"' in html and "独居、孤老军休干部每日联系" in html
    assert f'action="/admin/reminders/items/{item.pk}/waive/"' in html

    empty = liaison.post(f"/admin/reminders/items/{item.pk}/waive/", {"reason": "  "}, follow=True)
    assert "请说明免除的原因。" in empty.content.decode()
    with schema_context("huangpu"):
        item.refresh_from_db()
        assert item.state == "open"

    other = login("huangpu", "other-liaison", Role.CASEWORKER)
    assert other.post(f"/admin/reminders/items/{item.pk}/waive/", {"reason": "住院"}).status_code == 404

    done = liaison.post(
        f"/admin/reminders/items/{item.pk}/waive/",
        {"reason": "住院治疗", "next": f"/admin/registry/cadres/{wang.pk}/reminders/"},
    )
    assert (done.status_code, done["Location"]) == (302, f"/admin/registry/cadres/{wang.pk}/reminders/")
    with schema_context("huangpu"):
        item.refresh_from_db()
        assert (item.state, item.waived_reason) == ("waived", "住院治疗")
    again = liaison.post(f"/admin/reminders/items/{item.pk}/waive/", {"reason": "再次"})
    assert again.status_code == 404  # no longer pending

    putuo = login("putuo", "pt-admin", Role.CENTRE_ADMIN)
    assert putuo.get(f"/admin/registry/cadres/{wang.pk}/reminders/").status_code == 404
    assert putuo.post(f"/admin/reminders/items/{item.pk}/waive/", {"reason": "x"}).status_code == 404


def test_inbox_and_preferences(huangpu_people):
    liaison = huangpu_people["liaison"]
    with schema_context("huangpu"):
        due_items_sweep(today=TODAY)
        reminders_send(today=TODAY, now=MORNING)
        mine = list(Delivery.objects.filter(user=liaison.user).order_by("pk").values_list("pk", flat=True))
    client = login("huangpu", "liaison")
    page = client.get("/admin/reminders/inbox/").content.decode()
    assert re.findall(r'data-delivery="(\d+)" class="unread"', page) == [str(pk) for pk in reversed(mine)]
    assert client.post("/admin/reminders/inbox/", {"id": mine[0]}).status_code == 302
    with schema_context("huangpu"):
        assert Delivery.objects.filter(pk__in=mine, read_at__isnull=True).count() == len(mine) - 1
    assert client.post("/admin/reminders/inbox/", {"all": "1"}).status_code == 302
    with schema_context("huangpu"):
        assert Delivery.objects.filter(pk__in=mine, read_at__isnull=True).count() == 0
        Delivery.objects.filter(pk__in=mine[1:]).update(read_at=None)  # as they were, for the checks below
    stranger = login("huangpu", "someone-else", Role.VIEWER)
    assert stranger.post("/admin/reminders/inbox/", {"id": mine[1]}).status_code == 404
    assert 'class="unread"' not in stranger.get("/admin/reminders/inbox/").content.decode()
    putuo = login("putuo", "liaison", Role.CASEWORKER)  # the same username in another centre is another person
    assert 'data-delivery="' not in putuo.get("/admin/reminders/inbox/").content.decode()
    assert putuo.post("/admin/reminders/inbox/", {"id": mine[1]}).status_code == 404

    half = client.post("/admin/reminders/preferences/", {"channels": ["sms"], "quiet_from": "22:00"})
    assert "请同时填写免打扰时段的开始和结束，或都不填。" in half.content.decode()
    saved = client.post(
        "/admin/reminders/preferences/",
        {"channels": ["sms", "email"], "quiet_from": "22:00", "quiet_until": "07:00", "daily_digest": "on"},
    )
    assert saved.status_code == 302
    with schema_context("huangpu"):
        preference = NotificationPreference.objects.get(user=liaison.user)
        assert (preference.channels, preference.quiet_from, preference.quiet_until, preference.daily_digest) == (
            ["email", "sms"],
            dt.time(22),
            dt.time(7),
            True,
        )
    bad = client.post("/admin/reminders/preferences/", {"channels": ["pigeon"]})
    assert bad.status_code == 200 and "pigeon" in bad.content.decode()


def test_failed_messages_are_shown_to_the_centre_admin_and_sent_again_by_hand(huangpu_people):
    with schema_context("huangpu"):
        failed = Delivery.objects.create(
            key="t:failed",
            channel="sms",
            address="13800000000",
            subject="提醒",
            body="…",
            status="failed",
            attempts=6,
            last_error="provider said no",
        )
        Delivery.objects.create(
            key="t:ok", channel="sms", address="13800000001", subject="提醒", body="…", status="sent"
        )
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    page = admin.get("/admin/reminders/failures/").content.decode()
    assert re.findall(r'data-delivery="(\d+)"', page) == [str(failed.pk)]
    assert "provider said no" in page and "13800000000" not in page  # the address is not shown in full
    assert "<td>138****0000</td>" in page
    assert admin.post("/admin/reminders/failures/", {"id": failed.pk}).status_code == 302
    with schema_context("huangpu"):
        failed.refresh_from_db()
        assert (failed.status, failed.not_before) == ("queued", None)
        assert list(delivery_failures(since=failed.created_at)) == [failed]  # queued, with its last error
    caseworker = login("huangpu", "liaison3", Role.CASEWORKER)
    assert refused(caseworker.get("/admin/reminders/failures/"))
    assert refused(caseworker.post("/admin/reminders/failures/", {"id": failed.pk}))
    putuo = login("putuo", "pt-admin", Role.CENTRE_ADMIN)
    assert 'data-delivery="' not in putuo.get("/admin/reminders/failures/").content.decode()


def test_centre_admins_edit_rules_and_bad_ones_are_refused(centres):
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        rule = ReminderRule.objects.get(key="quarterly-visit")
    url = f"/admin/reminder_rules/edit/{rule.pk}/"
    edit = admin.get(url).content.decode()
    assert "lives_alone（独居）" in edit and "留空表示手动完成。" in edit  # the JSON fields say what they take

    def post(**changes):
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
            "starts_on": rule.starts_on.isoformat(),
            "active": "on",
        }
        data.update(changes)
        return admin.post(url, data)

    bad_cadence = post(cadence=json.dumps({"every": "fortnight"}))
    assert "未知的重复方式“fortnight”。" in bad_cadence.content.decode()
    loop = post(escalation=json.dumps([{"after_days": 1, "to": "head"}, {"after_days": 2, "to": "head"}]))
    assert "逐级上报中同一人出现了两次（循环）。" in loop.content.decode()
    unknown = post(fulfilment=json.dumps({"form": "visit-record", "answers": {"mood": "good"}}))
    assert "表单“visit-record”没有字段 mood。" in unknown.content.decode()
    assert post(title="工作人员季度走访（已调整）", lead_days=7).status_code == 302
    with schema_context("huangpu"):
        rule.refresh_from_db()
        assert (rule.title, rule.lead_days, rule.cadence) == ("工作人员季度走访（已调整）", 7, {"every": "quarter"})
    with schema_context("putuo"):
        assert ReminderRule.objects.get(key="quarterly-visit").title == "独居、孤老、长期卧床军休干部工作人员季度走访"
    assert refused(login("huangpu", "liaison4", Role.CASEWORKER).get(url))


def test_a_sweep_after_the_first_reads_only_what_changed_and_misses_nothing(huangpu_people):
    from forms_engine.models import Submission
    from forms_engine.services import submission_create, submission_update
    from tests.notifications.test_sweep import submission_form

    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        due_items_sweep(today=TODAY)
        rule = ReminderRule.objects.get(key="daily-call")
        assert rule.swept_at is not None
        item = DueItem.objects.get(rule=rule, subject_id=wang.pk, period_key="2026-11-27")
        form = submission_form()
        # Made after the first sweep, first as the wrong kind of visit, then corrected.
        note = submission_create(
            form=form, data={"cadre": wang.pk, "visit_type": "weekly_greeting", "visit_date": "2026-11-27"}
        )
        Submission.objects.filter(pk=note.pk).update(created_at=rule.swept_at - dt.timedelta(days=3))
        due_items_sweep(today=TODAY)
        item.refresh_from_db()
        assert item.state == "open"
        submission_update(
            submission=note, data={"cadre": wang.pk, "visit_type": "daily_call", "visit_date": "2026-11-27"}
        )
        assert due_items_sweep(today=TODAY).done == 1
        item.refresh_from_db()
        assert (item.state, item.fulfilled_by) == ("done", "form")

"""A liaison's day on the worklist, in Chromium: the tabs' counts, a filter kept in the address, 去填写 → the visit
record already filled in → saved → the item gone; a call marked done with a note; a waiver refused in Chinese beside
the field when its reason is empty, then accepted; the stale items of a rule waived in one step."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_engine.models import Submission
from notifications.models import DueItem, ReminderRule
from registry.models import AccessLog, Cadre, RestHome, Staff
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user
from tests.registry.conftest import new_cadre

USER, EAST, WEST = "journey-liaison", "旅程东休养所", "旅程西休养所"
WORKLIST = "/admin/reminders/today/"


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    cadres = list(Cadre.objects.filter(rest_home__name__in=[EAST, WEST]).values_list("pk", flat=True))
    DueItem.objects.filter(subject_type="cadre", subject_id__in=cadres).delete()
    Submission.objects.filter(cadre_id__in=cadres).delete()
    Cadre.objects.filter(pk__in=cadres).delete()
    Staff.objects.filter(user__username=USER).delete()
    RestHome.objects.filter(name__in=[EAST, WEST]).delete()
    AccessLog.objects.filter(username=USER).delete()
    LoginLog.objects.filter(username=USER).delete()
    AccessAttempt.objects.filter(username=USER).delete()
    get_user_model().objects.filter(username=USER).delete()


@pytest.fixture
def liaisons_day(committed_db, centre_server):
    """A liaison with yesterday's and today's call, a quarterly visit due today and a greeting due on Sunday, and one
    medical-information item from a transfer in 1983 (before the rule came into force)."""
    today = timezone.localdate()
    with schema_context("huangpu"):
        _clean()
        east, west = RestHome.objects.create(name=EAST), RestHome.objects.create(name=WEST)
        user = make_user("huangpu", USER, groups=(role_group_name(Role.CASEWORKER),))
        liaison = Staff.objects.create(user=user, name="旅程联络员", rest_home=east)
        wang = new_cadre("旅王德", seq=731, area="310109", rest_home=east, liaison=liaison, lives_alone=True)
        zeng = new_cadre("旅曾平", seq=741, area="310109", rest_home=west, liaison=liaison)
        old = new_cadre("旅老兵", seq=751, area="310109", rest_home=east, liaison=liaison)
        rules = {r.key: r for r in ReminderRule.objects.all()}
        sunday = today + dt.timedelta(days=6 - today.weekday())
        rows = {
            "late_call": ("daily-call", wang, today - dt.timedelta(days=1), today - dt.timedelta(days=1)),
            "call": ("daily-call", wang, today, today),
            "visit": ("quarterly-visit", zeng, today, today),
            "greeting": ("weekly-greeting", zeng, sunday, sunday),
            "stale": ("medical-info-after-transfer", old, dt.date(1983, 5, 1), dt.date(1983, 5, 31)),
        }
        items = {
            name: DueItem.objects.create(
                rule=rules[rule],
                subject_type="cadre",
                subject_id=cadre.pk,
                period_key=start.isoformat(),
                period_start=start,
                due_on=due,
                state="overdue" if due < today else "open",
                assignee=liaison,
            )
            for name, (rule, cadre, start, due) in rows.items()
        }
        assert rules["medical-info-after-transfer"].starts_on > dt.date(1983, 5, 1)
    connection.set_schema_to_public()
    yield {"items": items, "wang": wang, "rules": rules, "today": today}
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


def counts(page) -> dict[str, int]:
    found = {}
    for tab in page.locator("[data-tab]").all():
        found[tab.get_attribute("data-tab")] = int(tab.locator(".worklist-count").text_content())
    return found


def rows(page) -> set[int]:
    return {int(pk) for pk in page.locator("tr[data-item]").evaluate_all("rows => rows.map(r => r.dataset.item)")}


def test_a_liaisons_day_on_the_worklist(browser, centre_server, liaisons_day, screenshot_dir):
    from axe_playwright_python.sync_playwright import Axe

    items, today = liaisons_day["items"], liaisons_day["today"]
    monday, sunday = today.weekday() == 0, today.weekday() == 6
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.goto(centre_server.url("huangpu", "/admin/login/"))
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))

    # The worklist opens on everything due by today, a count on each tab; the stale item is offered for waiving.
    page.goto(centre_server.url("huangpu", WORKLIST))
    assert counts(page) == {"all": 4 + sunday, "today": 2 + sunday, "overdue": 2, "week": 3 + (not monday)}
    assert [t.strip() for t in page.locator("[data-tab]").all_text_contents()][:3] == [
        f"全部待办 {4 + sunday}",
        f"今天到期 {2 + sunday}",
        "已逾期 2",
    ]
    page.screenshot(path=str(screenshot_dir / "worklist.png"), full_page=True)
    stale = page.locator("form[data-stale-rule]")
    assert "自" in stale.text_content() and "此前日期的 1 项待办已过时" in stale.text_content()
    results = Axe().run(page, context={"include": [["main"]]}).response
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]] == []
    assert len(results["passes"]) >= 10  # axe did check the worklist (its tabs, filters, table and forms)
    print("axe on the worklist:", len(results["passes"]), "rules passed,", len(results["violations"]), "violations")

    # Filter by rule: the address keeps it, and the tabs count within it.
    page.select_option("#filter-rule", label="独居、孤老军休干部每日联系")
    page.click(".worklist-filters button")
    page.wait_for_url(re.compile(r"rule=\d+"))
    assert counts(page) == {"all": 2, "today": 1, "overdue": 1, "week": 1 + (not monday)}
    page.click('[data-tab="today"]')
    page.wait_for_url(re.compile(r"\?tab=today&rule=\d+$"))
    assert rows(page) == {items["call"].pk}

    # 去填写: the visit record opens filled with the cadre, the call and today's date; saving it clears the item.
    page.click(f'tr[data-item="{items["call"].pk}"] a[data-fill]')
    page.wait_for_url(re.compile(r"/submissions/new/"))
    assert page.locator("#fe-cadre-chooser .chosen [data-chooser-title]").text_content().strip() == "旅王德"
    assert page.locator('input[name="visit_type"][value="daily_call"]').is_checked()
    assert page.locator("#fe-visit_date").input_value() == today.isoformat()
    page.fill("#fe-thought", "精神很好，按时服药")
    page.click("button.fe-button")
    page.wait_for_url(re.compile(r"/admin/reminders/today/\?tab=today&rule=\d+$"))
    assert rows(page) == set()
    assert "已保存" in page.locator(".messages").text_content()
    with schema_context("huangpu"):
        done = DueItem.objects.get(pk=items["call"].pk)
        record = Submission.objects.get(cadre=liaisons_day["wang"], form__key="visit-record")
        assert (done.state, done.fulfilled_by) == ("done", f"submission:{record.pk}")
        assert (record.data["visit_type"], record.data["visit_date"]) == ("daily_call", today.isoformat())
    connection.set_schema_to_public()

    # Yesterday's call, made but not noted: marked done with a one-line note.
    page.click('[data-tab="overdue"]')
    page.wait_for_url(re.compile(r"\?tab=overdue&rule=\d+$"))
    late = page.locator(f'tr[data-item="{items["late_call"].pk}"]')
    late.locator('input[name="note"]').fill("昨天下午已通话，一切正常")
    late.locator("[data-done] button").click()
    page.wait_for_load_state()
    assert rows(page) == set()
    with schema_context("huangpu"):
        late_item = DueItem.objects.get(pk=items["late_call"].pk)
        assert (late_item.state, late_item.done_note, late_item.done_by.username) == (
            "done",
            "昨天下午已通话，一切正常",
            USER,
        )
    connection.set_schema_to_public()

    # Waiving the quarterly visit without a reason: the page says so in Chinese beside the field (no browser tooltip).
    page.goto(centre_server.url("huangpu", WORKLIST + "?tab=today"))
    visit = page.locator(f'tr[data-item="{items["visit"].pk}"]')
    visit.locator("[data-waive] button").click()
    page.wait_for_load_state()
    error = page.locator(f"#reason-error-{items['visit'].pk}")
    assert error.text_content() == "请说明免除的原因。"
    page.screenshot(path=str(screenshot_dir / "worklist-waive-refused.png"), full_page=True)
    assert page.locator(f"#reason-{items['visit'].pk}").get_attribute("aria-describedby") == error.get_attribute("id")
    page.fill(f"#reason-{items['visit'].pk}", "住院治疗中，出院后补走访")
    page.locator(f'tr[data-item="{items["visit"].pk}"] [data-waive] button').click()
    page.wait_for_url(re.compile(r"\?tab=today$"))
    assert items["visit"].pk not in rows(page)

    # The stale item of 1983, waived in one step with a reason (an empty one refused first).
    rule = liaisons_day["rules"]["medical-info-after-transfer"].pk
    page.locator(f'form[data-stale-rule="{rule}"] button').click()
    page.wait_for_load_state()
    assert page.locator(f"#stale-error-{rule}").text_content() == "请说明免除的原因。"
    page.fill(f"#stale-reason-{rule}", "中心启用提醒前的历史记录")
    page.locator(f'form[data-stale-rule="{rule}"] button').click()
    page.wait_for_load_state()
    assert page.locator("form[data-stale-rule]").count() == 0
    assert "已免除 1 项规则施行前的待办。" in page.locator(".messages").text_content()
    with schema_context("huangpu"):
        waived = DueItem.objects.filter(pk__in=[items["visit"].pk, items["stale"].pk]).order_by("pk")
        assert list(waived.values_list("state", "waived_reason", "waived_by__username")) == [
            ("waived", "住院治疗中，出院后补走访", USER),
            ("waived", "中心启用提醒前的历史记录", USER),
        ]
    connection.set_schema_to_public()
    page.close()

"""A centre admin who has never seen XLSForm adds a single-choice field in Chromium: only that type's settings show,
choices are typed in rows (values made from the labels, reordered by keyboard), the machine name comes from the label,
the condition is picked question → comparison → answer; the stored expression and choices are exact. Once published,
the name is read-only and a forged change to it is refused."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, FormField
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user

KEY, USER = "browser-field-builder", "browser-field-builder"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    LoginLog.objects.filter(username=USER).delete()
    AccessAttempt.objects.filter(username=USER).delete()
    FormDefinition.objects.filter(key=KEY).delete()
    get_user_model().objects.filter(username=USER).delete()


@pytest.fixture
def builder_form(committed_db, centre_server):
    from forms_engine.services import form_create, form_field_add

    with schema_context("huangpu"):
        _clean()
        form = form_create(title="浏览器走访登记", key=KEY, purpose="visit")
        form_field_add(
            form=form,
            name="visit_type",
            field_type="choice",
            label="走访类型",
            choices=[
                {"value": "call", "label": "日常电话"},
                {"value": "hospital", "label": "住院探望"},
                {"value": "home", "label": "上门走访"},
            ],
        )
        form_field_add(form=form, name="minutes", field_type="integer", label="时长（分钟）")
        form_field_add(
            form=form, name="remark", field_type="text", label="备注", relevant="string-length(${visit_type}) > 2"
        )
        make_user("huangpu", USER, groups=(role_group_name(Role.CENTRE_ADMIN),))
    connection.set_schema_to_public()
    yield form
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


def visible(page, selector: str) -> bool:
    return page.locator(selector).first.is_visible()


def test_a_centre_admin_builds_a_choice_field_with_editor_and_picker(browser, centre_server, builder_form):
    from playwright.sync_api import expect

    form = builder_form
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    page.goto(centre_server.url("huangpu", "/admin/login/"))
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(centre_server.url("huangpu", f"/admin/forms-engine/{form.pk}/fields/add/"))
    # A short text at first: its own settings, no choices; the rare ones folded under 更多设置.
    assert page.locator("details.fe-more > summary").text_content().strip() == "更多设置"
    assert not visible(page, "[data-fe-choice-editor]") and not visible(page, 'input[name="max_mb"]')
    page.select_option('select[name="field_type"]', "choice")
    assert page.locator('select[name="field_type"] option:checked').text_content().strip() == "单选"
    assert visible(page, "[data-fe-choice-editor]")
    for hidden in ("min_value", "max_mb", "max_rows", "calculation", "accept"):
        assert not visible(page, f'input[name="{hidden}"]'), hidden
    page.click("details.fe-more > summary")
    assert visible(page, 'select[name="widget"]') and not visible(page, 'input[name="pattern"]')
    assert not visible(page, 'input[name="min_length"]')

    page.fill('input[name="label"]', "陪同方式")
    expect(page.locator('input[name="name"]')).to_have_value("pei_tong_fang_shi")  # proposed from the label
    # Choices in rows: labels only (values are made from them), one with its own value; one added then removed.
    rows = page.locator("[data-fe-choice-row]")
    assert rows.count() == 1
    rows.nth(0).locator('input[name="choice_label"]').fill("子女陪同")
    for label in ("独自前往", "社工陪同", "临时一行"):
        page.click("[data-fe-choice-add]")
        focused = page.evaluate("document.activeElement.name")
        assert focused == "choice_label"
        page.keyboard.type(label)
    rows.nth(2).locator('input[name="choice_value"]').fill("social")
    rows.nth(3).locator("[data-fe-choice-remove]").click()
    assert rows.count() == 3
    # 社工陪同 goes up one place by keyboard; the focus stays on its button.
    rows.nth(2).locator("[data-fe-choice-up]").focus()
    page.keyboard.press("Enter")
    assert [rows.nth(i).locator('input[name="choice_label"]').input_value() for i in range(3)] == [
        "子女陪同",
        "社工陪同",
        "独自前往",
    ]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "上移：社工陪同"

    # The condition: 走访类型 is 住院探望, or 走访类型 is 上门走访; the answers are offered from the question.
    picker = page.locator('[data-fe-picker="relevant"]')
    picker.locator("[data-fe-condition-add]").click()
    line = picker.locator("[data-fe-condition-row]").nth(0)
    assert line.locator("[data-fe-condition-question] option").all_text_contents() == [
        "（选择问题）",
        "走访类型",
        "时长（分钟）",
        "备注",
    ]
    line.locator("[data-fe-condition-question]").select_option("visit_type")
    line = picker.locator("[data-fe-condition-row]").nth(0)
    assert line.locator("[data-fe-condition-value] option").all_text_contents() == [
        "（选择答案）",
        "日常电话",
        "住院探望",
        "上门走访",
    ]
    line.locator("[data-fe-condition-value]").select_option(label="住院探望")
    assert page.input_value('input[name="relevant"]') == "${visit_type} = 'hospital'"
    picker.locator("[data-fe-condition-add]").click()
    second = picker.locator("[data-fe-condition-row]").nth(1)
    second.locator("[data-fe-condition-question]").select_option("visit_type")
    second = picker.locator("[data-fe-condition-row]").nth(1)
    second.locator("[data-fe-condition-value]").select_option(label="上门走访")
    picker.locator("[data-fe-join]").select_option("or")
    expected = "${visit_type} = 'hospital' or ${visit_type} = 'home'"
    assert page.input_value('input[name="relevant"]') == expected

    # The editor and the picker as built by the script: axe (WCAG 2.2 AA) finds nothing in the field form.
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context="[data-fe-field-form]", options=AXE_OPTIONS).response
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]] == []

    page.click('form[data-fe-field-form] button[type="submit"]')
    page.wait_for_url(re.compile(rf"/admin/forms-engine/{form.pk}/$"))
    with schema_context("huangpu"):
        field = FormField.objects.get(form=form, label="陪同方式")
        assert (field.name, field.field_type, field.choices, field.relevant, field.pattern, field.options) == (
            "pei_tong_fang_shi",
            "choice",
            [
                {"value": "zi_nv_pei_tong", "label": "子女陪同"},
                {"value": "social", "label": "社工陪同"},
                {"value": "du_zi_qian_wang", "label": "独自前往"},
            ],
            expected,
            "",
            {},
        )
    connection.set_schema_to_public()

    # Published: the name is read-only, the picker shows the condition back, and a forged name is refused.
    page.click(f'form[action="/admin/forms-engine/{form.pk}/publish/"] button[type="submit"]')
    page.wait_for_url(re.compile(rf"/admin/forms-engine/{form.pk}/$"))
    page.goto(centre_server.url("huangpu", f"/admin/forms-engine/{form.pk}/fields/{field.pk}/"))
    name = page.locator('input[name="name"]')
    assert name.input_value() == "pei_tong_fang_shi" and not name.is_editable()
    shown = page.locator('[data-fe-picker="relevant"] [data-fe-condition-row]')
    assert shown.count() == 2
    assert [shown.nth(i).locator("[data-fe-condition-value]").input_value() for i in range(2)] == ["hospital", "home"]
    assert page.locator('[data-fe-picker="relevant"] [data-fe-join]').input_value() == "or"
    assert [
        page.locator("[data-fe-choice-row]").nth(i).locator('input[name="choice_value"]').input_value()
        for i in range(3)
    ] == [
        "zi_nv_pei_tong",
        "social",
        "du_zi_qian_wang",
    ]
    page.evaluate("document.querySelector('input[name=\"name\"]').removeAttribute('readonly')")
    name.fill("escort")
    page.click('form[data-fe-field-form] button[type="submit"]')
    page.wait_for_load_state()
    assert [text.strip() for text in page.locator(".error-message").all_text_contents()] == [
        "该字段已在发布的版本中：字段名保持为“pei_tong_fang_shi”。"
    ]
    with schema_context("huangpu"):
        assert list(FormField.objects.filter(form=form).values_list("name", flat=True)) == [
            "visit_type",
            "minutes",
            "remark",
            "pei_tong_fang_shi",
        ]
        remark = FormField.objects.get(form=form, name="remark")
    connection.set_schema_to_public()

    # A hand-written condition that the picker cannot show stays as written, with a note saying so.
    page.goto(centre_server.url("huangpu", f"/admin/forms-engine/{form.pk}/fields/{remark.pk}/"))
    note = page.locator('[data-fe-picker="relevant"] .fe-picker__note')
    assert note.is_visible() and note.text_content().startswith("这个条件是手写的表达式")
    assert page.locator('[data-fe-picker="relevant"] [data-fe-condition-row]').count() == 0
    assert page.input_value('input[name="relevant"]') == "string-length(${visit_type}) > 2"
    page.close()

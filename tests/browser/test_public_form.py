"""A cadre fills in a public form with a condition in Chromium: the conditional question appears, the answers arrive."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, Submission
from forms_engine.personal import answers_reveal
from forms_engine.services import form_create, form_field_add, form_publish

KEY = "browser-feedback"


def build_form() -> FormDefinition:
    form = form_create(title="意见建议（浏览器测试）", key=KEY, purpose="complaint", public=True)
    form_field_add(
        form=form,
        name="topic",
        field_type="choice",
        label="类别",
        required=True,
        choices=[{"value": "meal", "label": "助餐"}, {"value": "other", "label": "其他"}],
    )
    form_field_add(
        form=form,
        name="other_topic",
        field_type="text",
        label="请写明类别",
        relevant="${topic} = 'other'",
        required_if="${topic} = 'other'",
    )
    form_field_add(form=form, name="content", field_type="textarea", label="内容", required=True)
    form_field_add(
        form=form, name="length", field_type="calculated", label="字数", calculation="string-length(${content})"
    )
    form_field_add(form=form, name="phone", field_type="phone", label="联系电话")
    form_publish(form=form)
    return form


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Also makes pytest-django set up the test database when only this module runs (its test below needs no
    test transaction: the live server sees committed rows only)."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


@pytest.fixture
def public_form(committed_db, centre_server):
    with schema_context("huangpu"):
        FormDefinition.objects.filter(key=KEY).delete()
        form = build_form()
    yield form
    with schema_context("huangpu"):
        Submission.objects.filter(form__key=KEY).delete()
        FormDefinition.objects.filter(key=KEY).delete()
    connection.set_schema_to_public()


def test_a_cadre_fills_in_a_form_with_a_condition(browser, centre_server, public_form, screenshot_dir):
    page = browser.new_page(locale="zh-CN", viewport={"width": 800, "height": 1000})
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.goto(centre_server.url("huangpu", f"/forms/{KEY}/"))
    other = page.locator('[data-name="other_topic"]')
    other_input = page.locator('input[name="other_topic"]')

    # Hidden until "其他" is chosen; big type and targets.
    assert other.is_hidden()
    assert other_input.is_disabled()
    size = page.locator('textarea[name="content"]').evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 18
    button = page.get_by_role("button", name="提交").bounding_box()
    assert button["height"] >= 44 and button["width"] >= 44
    assert page.locator("label", has_text="助餐").bounding_box()["height"] >= 44

    # Shown when chosen, hidden again (and not sent) when the choice changes.
    page.get_by_label("其他").check()
    assert other.is_visible()
    other_input.fill("出行")
    page.get_by_label("助餐").check()
    assert other.is_hidden()
    page.get_by_label("内容").fill("饭菜偏咸")
    assert page.locator('[data-name="length"] output').inner_text() == "4"
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/done/"))
    first = page.locator("#receipt-number").inner_text()

    page.goto(centre_server.url("huangpu", f"/forms/{KEY}/"))
    page.get_by_label("其他").check()
    page.locator('input[name="other_topic"]').fill("  出行<b>安排</b>  ")
    page.get_by_label("内容").fill("希望增加班车")
    page.get_by_label("联系电话").fill("138 0013 8000")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/done/"))
    second = page.locator("#receipt-number").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "谢谢，我们已收到"
    page.screenshot(path=str(screenshot_dir / "public-form-receipt.png"), full_page=True)

    page.goto(centre_server.url("huangpu", f"/forms/status/?receipt={second}"))
    assert page.locator("#status-result").inner_text().split("\n")[-1] == "已受理"
    page.close()
    assert script_errors == []

    with schema_context("huangpu"):
        rows = list(Submission.objects.filter(form__key=KEY).order_by("pk").values_list("receipt", "data", "channel"))
    assert rows[1][1]["phone"].startswith("enc:")  # a phone number is personal data, stored sealed
    rows = [(receipt, answers_reveal(data), channel) for receipt, data, channel in rows]
    assert rows == [
        (first, {"topic": "meal", "content": "饭菜偏咸", "length": 4}, "public"),
        (
            second,
            {
                "topic": "other",
                "other_topic": "出行<b>安排</b>",
                "content": "希望增加班车",
                "length": 6,
                "phone": "13800138000",
            },
            "public",
        ),
    ]

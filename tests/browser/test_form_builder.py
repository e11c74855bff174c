"""The form builder as a centre admin meets it, in Chromium under the admin's Content-Security-Policy: the field list
reordered by the keyboard's Up/Down buttons (announced, the focus kept) and by dragging a row, each order saved on the
server at once and the preview beside it (the public form's own rendering) following; the form list showing key,
version and state, and a second form of the same title warned about in Chinese."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from forms_engine.models import FormDefinition, FormField
from forms_engine.services import form_create, form_field_add, form_publish
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user

KEY, COPY_KEY, USER = "browser-builder", "browser-builder-copy", "browser-builder"
TITLE = "浏览器慰问登记"


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    LoginLog.objects.filter(username=USER).delete()
    AccessAttempt.objects.filter(username=USER).delete()
    FormDefinition.objects.filter(key__in=[KEY, COPY_KEY]).update(current_version=None)
    FormDefinition.objects.filter(key__in=[KEY, COPY_KEY]).delete()
    get_user_model().objects.filter(username=USER).delete()


@pytest.fixture
def builder_data(committed_db, centre_server):
    with schema_context("huangpu"):
        _clean()
        form = form_create(title=TITLE, key=KEY, purpose="visit")
        form_field_add(
            form=form,
            name="visit_kind",
            field_type="choice",
            label="慰问方式",
            choices=[{"value": "home", "label": "上门"}, {"value": "call", "label": "电话"}],
        )
        form_field_add(form=form, name="gift", field_type="text", label="慰问品")
        form_field_add(form=form, name="minutes", field_type="integer", label="时长（分钟）")
        form_field_add(form=form, name="remark", field_type="textarea", label="备注")
        form_publish(form=form)
        make_user("huangpu", USER, groups=(role_group_name(Role.CENTRE_ADMIN),))
    connection.set_schema_to_public()
    yield form
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


def log_in(browser, centre_server):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page.goto(centre_server.url("huangpu", "/admin/login/"))
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


def stored_order(form) -> list[str]:
    with schema_context("huangpu"):
        names = list(FormField.objects.filter(form=form).order_by("sort_order", "pk").values_list("name", flat=True))
    connection.set_schema_to_public()
    return names


def listed_order(page) -> list[str]:
    return page.locator(".fe-field-list tbody tr").evaluate_all("rows => rows.map(r => r.dataset.field)")


def preview_order(page) -> list[str]:
    frame = page.frame_locator("#fe-preview-frame")
    return frame.locator(".fe-public-form .fe-field").evaluate_all("fields => fields.map(f => f.dataset.name)")


def test_fields_are_reordered_by_the_keyboard_and_by_dragging_and_the_preview_follows(
    browser, centre_server, builder_data, screenshot_dir
):
    form = builder_data
    page = log_in(browser, centre_server)
    page.goto(centre_server.url("huangpu", f"/admin/forms-engine/{form.pk}/"))
    original = ["visit_kind", "gift", "minutes", "remark"]
    assert listed_order(page) == original
    expect(page.locator("#fe-draft-state")).to_have_text("草稿与第 1 版相同。")
    expect(page.frame_locator("#fe-preview-frame").locator("h1")).to_have_text(TITLE)
    assert preview_order(page) == original
    # The preview is the public form: its send button does nothing here.
    expect(page.frame_locator("#fe-preview-frame").locator("button.fe-submit")).to_be_disabled()

    # Keyboard: Tab to 慰问品's Down button and press Enter twice; the focus stays on it, each move is announced.
    with schema_context("huangpu"):
        ids = dict(FormField.objects.filter(form=form).values_list("name", "pk"))
    connection.set_schema_to_public()
    down = page.locator(f"#field-{ids['gift']} [data-fe-move=down] button")
    down.focus()
    page.keyboard.press("Enter")
    status = page.locator("#fe-reorder-status")
    expect(status).to_have_text("字段“慰问品”已移到第 3 位（共 4 个）。 新的顺序已保存。")
    expect(down).to_be_focused()
    expect(page.locator("#fe-draft-state")).to_have_text("草稿有改动：发布后成为第 2 版。")  # was: the same as v1
    page.keyboard.press("Enter")
    expect(status).to_have_text("字段“慰问品”已移到第 4 位（共 4 个）。 新的顺序已保存。")
    # At the bottom its Down button is off; the focus moved to its Up button.
    expect(down).to_be_disabled()
    expect(page.locator(f"#field-{ids['gift']} [data-fe-move=up] button")).to_be_focused()
    assert listed_order(page) == ["visit_kind", "minutes", "remark", "gift"]
    assert stored_order(form) == ["visit_kind", "minutes", "remark", "gift"]
    expect(page.frame_locator("#fe-preview-frame").locator(".fe-field").last).to_have_attribute("data-name", "gift")
    assert preview_order(page) == ["visit_kind", "minutes", "remark", "gift"]

    # Drag 备注 by its handle onto the top half of 慰问方式: it becomes the first field.
    page.locator(f"#field-{ids['remark']} .fe-drag__handle").drag_to(
        page.locator(f"#field-{ids['visit_kind']}"), target_position={"x": 200, "y": 5}
    )
    expect(status).to_have_text("字段“备注”已移到第 1 位（共 4 个）。 新的顺序已保存。")
    assert listed_order(page) == ["remark", "visit_kind", "minutes", "gift"]
    assert stored_order(form) == ["remark", "visit_kind", "minutes", "gift"]
    expect(page.frame_locator("#fe-preview-frame").locator(".fe-field").first).to_have_attribute("data-name", "remark")
    assert preview_order(page) == ["remark", "visit_kind", "minutes", "gift"]
    page.screenshot(path=str(screenshot_dir / "form-builder-reordered.png"))

    # The published version keeps its order: the page says the draft differs, and so does the list.
    page.reload()
    assert listed_order(page) == ["remark", "visit_kind", "minutes", "gift"]
    expect(page.locator(".fe-badge", has_text="草稿有改动")).to_be_visible()
    page.goto(centre_server.url("huangpu", "/admin/forms-engine/"))
    row = page.locator(f'tr[data-key="{KEY}"]')
    expect(row.locator("td").nth(1)).to_have_text(KEY)
    expect(row.locator("td").nth(3)).to_have_text("v1")
    expect(row.locator("td").nth(4)).to_have_text("已发布，草稿有未发布的改动")
    page.screenshot(path=str(screenshot_dir / "form-list.png"), full_page=True)
    page.close()


def test_a_second_form_of_the_same_title_is_warned_about_and_told_apart_in_the_list(
    browser, centre_server, builder_data
):
    page = log_in(browser, centre_server)
    page.goto(centre_server.url("huangpu", "/admin/forms-engine/new/"))
    page.fill('input[name="title"]', TITLE)
    page.fill('input[name="key"]', COPY_KEY)
    page.click('button[type="submit"]:has-text("创建")')
    page.wait_for_url(re.compile(r"/admin/forms-engine/\d+/$"))
    warning = page.locator(".messages .warning")
    expect(warning).to_contain_text(f"另有一个表单也叫“{TITLE}”（标识：{KEY}）")
    page.goto(centre_server.url("huangpu", "/admin/forms-engine/"))
    for key, version, state in ((KEY, "v1", "已发布"), (COPY_KEY, "未发布", "草稿，未发布")):
        row = page.locator(f'tr[data-key="{key}"]')
        expect(row.locator("td").nth(1)).to_have_text(key)
        expect(row.locator("td").nth(2)).to_have_text("走访记录" if key == KEY else "其他")
        expect(row.locator("td").nth(3)).to_have_text(version)
        expect(row.locator("td").nth(4)).to_have_text(state)
        expect(row.locator("[data-fe-same-title]")).to_have_text("与其他表单同名")
    page.close()

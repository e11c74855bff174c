"""The form builder's form-level pages: the draft's field order saved in one POST (all or nothing), the live preview of
the draft through the public form's rendering, and the form list's key, version and state with a duplicate title
warned about."""

import re

import pytest
from django_tenants.utils import schema_context

from forms_engine.models import FormField, FormVersion
from forms_engine.services import form_create, form_field_add, form_field_update
from tenants.roles import Role
from tests.forms_engine.conftest import build_visit_form
from tests.forms_engine.test_admin_ui import BASE, login, page

pytestmark = pytest.mark.django_db


def names(form) -> list[str]:
    return list(FormField.objects.filter(form=form).order_by("sort_order", "pk").values_list("name", flat=True))


def ids(form, order: list[str]) -> list[int]:
    by_name = dict(FormField.objects.filter(form=form).values_list("name", "pk"))
    return [by_name[name] for name in order]


def test_the_whole_order_is_saved_in_one_post_and_the_published_version_keeps_its_own(centres):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = build_visit_form()
        published = FormVersion.objects.get(form=form).schema
        order = ["minutes", "visit_type", "hospital", "needs", "need_count", "visitors", "visitor", "health"]
        wanted = ids(form, order)
    response = admin.post(f"{BASE}{form.pk}/fields/reorder/", {"field": wanted})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "order": wanted, "message": "新的顺序已保存。", "warnings": []}
    with schema_context("huangpu"):
        assert names(form) == order
        assert FormVersion.objects.get(form=form).schema == published  # the published version is untouched
    html = page(admin.get(f"{BASE}{form.pk}/"))
    assert re.findall(r'data-field="(\w+)"', html) == order
    assert "草稿有改动：发布后成为第 2 版。" in html


@pytest.mark.parametrize(
    "order",
    [
        ["visit_type", "hospital", "minutes", "needs", "need_count", "visitors", "visitor"],  # one left out
        ["visit_type"] * 8,
        ["visit_type", "hospital", "minutes", "needs", "need_count", "visitors", "visitor", "health", "health"],
    ],
)
def test_an_order_that_does_not_name_every_field_once_is_refused_and_nothing_moves(centres, order):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = build_visit_form()
        before = list(FormField.objects.filter(form=form).order_by("pk").values_list("name", "sort_order"))
        wanted = ids(form, order)
    response = admin.post(f"{BASE}{form.pk}/fields/reorder/", {"field": wanted})
    assert (response.status_code, response.json()) == (
        400,
        {"ok": False, "errors": ["此页面打开后表单的字段有了变化，请刷新页面后再试。"]},
    )
    with schema_context("huangpu"):
        assert list(FormField.objects.filter(form=form).order_by("pk").values_list("name", "sort_order")) == before
    response = admin.post(f"{BASE}{form.pk}/fields/reorder/", {"field": ["1", "x"]})
    assert (response.status_code, response.json()) == (400, {"ok": False, "errors": ["发送的顺序无法读取。"]})


@pytest.mark.parametrize(
    ("order", "problem"),
    [
        # The repeat group's child above its group.
        (
            ["visitor", "visit_type", "hospital", "minutes", "needs", "need_count", "visitors", "health"],
            "字段“姓名”（visitor）：所属重复组“visitors”必须是前面的重复组字段。",
        ),
        # A condition reading a later answer.
        (
            ["hospital", "visit_type", "minutes", "needs", "need_count", "visitors", "visitor", "health"],
            "字段“医院”（hospital）：表达式引用了后面或不存在的字段：visit_type",
        ),
    ],
)
def test_an_order_that_breaks_the_draft_is_kept_with_what_to_put_right_before_publishing(centres, order, problem):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = build_visit_form()
        wanted = ids(form, order)
    response = admin.post(f"{BASE}{form.pk}/fields/reorder/", {"field": wanted})
    assert response.status_code == 200
    answer = response.json()
    assert answer["warnings"][0] == "发布前请改正："
    assert problem in answer["warnings"][1:]
    with schema_context("huangpu"):
        assert names(form) == order


def test_reordering_is_for_centre_admins_of_the_form_s_own_centre(centres):
    with schema_context("huangpu"):
        form = build_visit_form()
        before = names(form)
        wanted = list(reversed(ids(form, before)))
    caseworker = login("huangpu", "fb-case", Role.CASEWORKER)
    assert caseworker.post(f"{BASE}{form.pk}/fields/reorder/", {"field": wanted}).status_code == 404
    assert caseworker.get(f"{BASE}{form.pk}/preview/").status_code == 404
    other = login("putuo", "fb-admin", Role.CENTRE_ADMIN)
    assert other.post(f"{BASE}{form.pk}/fields/reorder/", {"field": wanted}).status_code == 404
    assert other.get(f"{BASE}{form.pk}/preview/").status_code == 404
    with schema_context("huangpu"):
        assert names(form) == before


def test_the_up_and_down_buttons_without_javascript_move_one_field(centres):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = build_visit_form()
        minutes = FormField.objects.get(form=form, name="minutes")
    response = admin.post(f"{BASE}{form.pk}/fields/{minutes.pk}/move/", {"direction": "up"})
    assert response.status_code == 302
    with schema_context("huangpu"):
        assert names(form)[:3] == ["visit_type", "minutes", "hospital"]
    admin.post(f"{BASE}{form.pk}/fields/{minutes.pk}/move/", {"direction": "up"})
    with schema_context("huangpu"):
        assert names(form)[:3] == ["minutes", "visit_type", "hospital"]


def test_the_preview_renders_the_draft_as_the_public_form_does(centres):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = build_visit_form()
        form_field_add(form=form, name="remark", field_type="text", label="备注（草稿新加）")
        secret = FormField.objects.get(form=form, name="minutes")
        form_field_update(field=secret, options={"staff_only": True})
    response = admin.get(f"{BASE}{form.pk}/preview/")
    html = page(response)
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # The draft's field (not yet published) is shown, the staff-only one is not, by the public templates.
    assert 'name="remark"' in html and "备注（草稿新加）" in html
    assert 'name="minutes"' not in html
    assert "1 个仅限工作人员的字段未显示。" in html
    assert 'class="fe-public-form"' in html and "forms_engine/conditions.js" in html
    assert re.search(r'<button type="submit" class="fe-submit" disabled>', html)
    # The condition travels to conditions.js as on the public page.
    assert "data-relevant=" in html
    # The builder page frames it.
    assert f'src="{BASE}{form.pk}/preview/"' in page(admin.get(f"{BASE}{form.pk}/"))


def test_the_preview_names_the_draft_s_problems(centres):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = form_create(title="坏草稿", key="broken")
        form_field_add(form=form, name="pick", field_type="choice", label="选一个")
    html = page(admin.get(f"{BASE}{form.pk}/preview/"))
    assert "草稿需要先改正以下问题才能显示：" in html
    assert "字段“选一个”（pick）：选择题需要选项。" in html

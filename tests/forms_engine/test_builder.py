"""The form builder's form-level pages: the draft's field order saved in one POST (all or nothing), the live preview of
the draft through the public form's rendering, and the form list's key, version and state with a duplicate title
warned about."""

import re

import pytest
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, FormField, FormVersion
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
    assert response.json() == {
        "ok": True,
        "order": wanted,
        "message": "新的顺序已保存。",
        "draft": "草稿有改动：发布后成为第 2 版。",
        "warnings": [],
    }
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


def warnings_shown(response) -> list[str]:
    return [re.sub(r"\s+", " ", m.message).strip() for m in response.context["messages"] if m.level_tag == "warning"]


def test_a_duplicate_title_is_warned_about_on_create_rename_and_from_a_template_but_allowed(centres):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        first = form_create(title="走访慰问记录", key="visits-a")
        other = form_create(title="慰问品发放", key="gifts")
    response = admin.post(f"{BASE}new/", {"title": "走访慰问记录 ", "key": "visits-b", "purpose": "visit"}, follow=True)
    assert warnings_shown(response) == [
        "另有一个表单也叫“走访慰问记录”（标识：visits-a）。"
        "两个都会保留；请给这个表单起一个能区分的标题，或确认它不是重复的副本。"
    ]
    # Renaming another form to the same title (spaces ignored) warns naming both others; keeping one's title does not.
    edit = {"title": "走访 慰问记录", "purpose": "other", "description": ""}
    response = admin.post(f"{BASE}{other.pk}/", edit, follow=True)
    assert warnings_shown(response) == [
        "另有一个表单也叫“走访 慰问记录”（标识：visits-a、visits-b）。"
        "两个都会保留；请给这个表单起一个能区分的标题，或确认它不是重复的副本。"
    ]
    assert warnings_shown(admin.post(f"{BASE}{first.pk}/", {**edit, "title": "走访慰问记录"}, follow=True)) == []
    response = admin.post(f"{BASE}templates/", {"template_key": "visit-record", "key": "visits-c"}, follow=True)
    assert "（标识：visits-a、gifts、visits-b）" in warnings_shown(response)[0]  # oldest first
    with schema_context("huangpu"):
        assert sorted(FormDefinition.objects.values_list("key", flat=True)) == [
            "gifts",
            "visits-a",
            "visits-b",
            "visits-c",
        ]


def test_the_form_list_shows_key_purpose_version_and_state_in_few_queries(centres, django_assert_max_num_queries):
    admin = login("huangpu", "fb-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        visits = build_visit_form()
        form_field_add(form=visits, name="extra", field_type="text", label="补充")  # the draft now differs
        same = build_visit_form("visit-same")
        draft = form_create(title="走访记录", key="visit-draft")
        for n in range(12):
            build_visit_form(f"more-{n}")
    with django_assert_max_num_queries(20):
        html = page(admin.get(BASE))
    rows = {
        key: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).split()
        for key, row in re.findall(r'<tr data-form="\d+" data-key="([\w-]+)" data-state="\w+">(.*?)</tr>', html, re.S)
    }
    changed = "已发布，草稿有未发布的改动"
    assert rows[visits.key][:6] == ["走访记录", "与其他表单同名", "visit", "走访记录", "v1", changed]
    assert rows[same.key][:6] == ["走访记录", "与其他表单同名", "visit-same", "走访记录", "v1", "已发布"]
    assert rows[draft.key][:6] == ["走访记录", "与其他表单同名", "visit-draft", "其他", "未发布", "草稿，未发布"]


def test_the_builder_s_own_pages_carry_no_inline_script_style_or_handler():
    """The admin's policy still allows inline code for Wagtail's own pages; ours need none (static files only)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "forms_engine" / "templates" / "forms_engine" / "admin"
    for name in ("form_edit.html", "form_list.html", "form_preview.html", "submission_list.html"):
        text = (root / name).read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), name
        assert "style=" not in text, name
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), name

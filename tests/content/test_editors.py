"""Editors in the Wagtail admin: a new notice is dated today with a paragraph ready, its address is short pinyin, and
approving a submitted page says it is published (已发布) and where."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.models import WorkflowState

from content.blocks import BodyBlock
from content.models import NoticePage
from tenants.roles import Role
from tests.content.conftest import publish, section
from tests.content.test_review import notice_form, staff

pytestmark = pytest.mark.django_db


def test_a_new_notice_is_dated_today_and_starts_with_an_empty_paragraph(centres):
    notices = section("huangpu", "notices")
    editor = staff("huangpu", "ed-new", Role.EDITOR)
    answer = editor.get(reverse("wagtailadmin_pages:add", args=("content", "noticepage", notices.pk)))
    assert answer.status_code == 200
    form = answer.context["form"]
    assert form.initial["date"] == timezone.localdate()
    assert [(block.block_type, str(block.value)) for block in form.initial["body"]] == [("paragraph", "")]
    html = answer.content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    # The first block the picker offers is the paragraph.
    assert list(BodyBlock().child_blocks)[:2] == ["paragraph", "heading"]


def test_a_new_page_gets_a_short_pinyin_address_and_a_published_one_keeps_its_own(centres):
    notices = section("huangpu", "notices")
    editor = staff("huangpu", "ed-slug", Role.EDITOR)
    title = "关于开展2026年度健康体检的通知"
    add = reverse("wagtailadmin_pages:add", args=("content", "noticepage", notices.pk))
    # Wagtail's page fills the address with the title itself (percent-encoded in the URL): it is replaced.
    assert editor.post(add, notice_form(title, slug=title)).status_code == 302
    assert editor.post(add, notice_form(title, slug=title)).status_code == 302
    with schema_context("huangpu"):
        slugs = list(NoticePage.objects.filter(title=title).order_by("pk").values_list("slug", flat=True))
        assert slugs == ["guan-yu-kai-zhan-2026-nian-du-jian-kang", "guan-yu-kai-zhan-2026-nian-du-jian-kang-2"]
        published = publish(notices, NoticePage(title="旧通知", slug="旧通知", date=timezone.localdate()))
    # An address typed in ASCII by the editor stays as typed.
    assert editor.post(add, notice_form("冬季讲座", slug="winter-talk")).status_code == 302
    # A page already public keeps its address (links to it must not break).
    edit = reverse("wagtailadmin_pages:edit", args=(published.pk,))
    assert editor.post(edit, notice_form("旧通知", slug="旧通知")).status_code == 302
    with schema_context("huangpu"):
        assert NoticePage.objects.get(title="冬季讲座").slug == "winter-talk"
        assert NoticePage.objects.get(pk=published.pk).slug == "旧通知"


def approve_setup(title: str, slug: str):
    notices = section("huangpu", "notices")
    editor = staff("huangpu", f"ed-{slug}", Role.EDITOR)
    add = reverse("wagtailadmin_pages:add", args=("content", "noticepage", notices.pk))
    assert editor.post(add, {**notice_form(title, slug=slug), "action-submit": "1"}).status_code == 302
    with schema_context("huangpu"):
        page = NoticePage.objects.get(slug=slug)
        task_state = WorkflowState.objects.get(object_id=str(page.pk)).current_task_state
    return page, task_state


def texts(answer) -> list[tuple[str, list[str]]]:
    """Each message's text and the links of its buttons."""
    found = []
    for message in get_messages(answer.wsgi_request):
        text = str(message.message)
        found.append((text.split("\n")[0], re.findall(r'<a href="([^"]+)"[^>]*>查看已发布的网页</a>', text)))
    return found


def test_approving_from_the_dashboard_says_published_with_the_public_address(centres):
    page, task_state = approve_setup("冬季保暖须知", "dong-ji")
    admin = staff("huangpu", "ad-dash", Role.CENTRE_ADMIN)
    action = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    answer = admin.post(action, {})
    assert answer.status_code == 302
    with schema_context("huangpu"):
        url = NoticePage.objects.get(pk=page.pk).get_full_url()
    assert url.endswith("/notices/dong-ji/")
    assert texts(answer) == [(f"“冬季保暖须知”已审核通过，已发布：{url}", [url])]


def test_approving_in_the_editor_says_published_not_updated(centres):
    page, task_state = approve_setup("春节慰问安排", "chun-jie")
    admin = staff("huangpu", "ad-edit", Role.CENTRE_ADMIN)
    answer = admin.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        {
            **notice_form("春节慰问安排", slug="chun-jie"),
            "action-workflow-action": "true",
            "workflow-action-name": "approve",
        },
    )
    assert answer.status_code == 302
    with schema_context("huangpu"):
        fresh = NoticePage.objects.get(pk=page.pk)
        assert fresh.live is True
        url = fresh.get_full_url()
    assert texts(answer) == [(f"“春节慰问安排”已审核通过，已发布：{url}", [url])]


def test_the_root_page_editors_see_in_the_breadcrumbs_is_named_in_chinese(centres):
    from wagtail.models import Page

    from content.services import centre_root_title_setup

    with schema_context("huangpu"):
        Page.objects.filter(depth=1).update(title="Root", draft_title="Root")  # as wagtailcore's migration makes it
        assert centre_root_title_setup() == 1
        assert centre_root_title_setup() == 0
        root = Page.get_first_root_node()
        assert (root.title, root.draft_title) == ("全部网站", "全部网站")

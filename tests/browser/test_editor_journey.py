"""An editor and a moderator in Chromium, in the Chinese admin: the editor writes a notice (dated today, a paragraph
ready to type, a short pinyin address) and submits it to the 保密审查; the centre admin approves it from the dashboard
and is told it is published (已发布) with its public link, which opens the notice. Every admin page they pass through
shows no English left untranslated."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from content.models import HomePage, NoticePage, SectionPage
from content.services import centre_root_title_setup
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user

CODE = "huangpu"
EDITOR, ADMIN = "journey-editor", "journey-admin"
SECTION_SLUG = "journey-notices"
TITLE = "关于冬季用电安全的提醒"
SLUG = "guan-yu-dong-ji-yong-dian-an-quan-de-ti"
# English words a Chinese editor may still meet: product names, units and codes are not sentences.
ALLOWED_ENGLISH = {"Wagtail", "URL", "SEO", "HTML", "ID", "API", "slug", "journey", "editor", "admin"}
# Visible text of the page (what a reader sees: no scripts, no hidden parts), its English words.
ENGLISH_JS = r"""() => {
  const found = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, template, [hidden], [aria-hidden="true"]')) continue;
    const box = parent.getBoundingClientRect();
    const style = getComputedStyle(parent);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    const text = node.textContent.trim();
    if (/[A-Za-z]{2,}/.test(text)) found.add(text.slice(0, 80));
  }
  for (const element of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    for (const name of ['placeholder', 'title', 'aria-label']) {
      const value = element.getAttribute(name);
      if (value && /[A-Za-z]{2,}/.test(value)) found.add(name + '=' + value.slice(0, 80));
    }
  }
  if (/[A-Za-z]{2,}/.test(document.title)) found.add('title=' + document.title);
  return [...found];
}"""


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres[CODE].domains.filter(domain=f"{CODE}.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt, AccessLog

    for page in SectionPage.objects.filter(slug=SECTION_SLUG):
        page.delete()
    AccessLog.objects.filter(username__in=[EDITOR, ADMIN]).delete()
    AccessAttempt.objects.filter(username__in=[EDITOR, ADMIN]).delete()
    get_user_model().objects.filter(username__in=[EDITOR, ADMIN]).delete()


@pytest.fixture
def editors(committed_db, centre_server):
    with schema_context(CODE):
        _clean()
        centre_root_title_setup()
        home = HomePage.objects.get()
        section = SectionPage(title="通知公告（旅程）", slug=SECTION_SLUG, kind="notices")
        home.add_child(instance=section)
        section.save_revision().publish()
        make_user(CODE, EDITOR, groups=(role_group_name(Role.EDITOR),))
        make_user(CODE, ADMIN, groups=(role_group_name(Role.CENTRE_ADMIN),))
    connection.set_schema_to_public()
    yield {"section": section, "home": home}
    with schema_context(CODE):
        _clean()
    connection.set_schema_to_public()


def english(page) -> list[str]:
    return sorted(
        text for text in page.evaluate(ENGLISH_JS) if not set(re.findall(r"[A-Za-z]{2,}", text)) <= ALLOWED_ENGLISH
    )


def log_in(browser, centre_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(centre_server.url(CODE, "/admin/login/"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))
    return context, page


def test_an_editor_writes_a_notice_and_a_moderator_approves_it(browser, centre_server, editors, screenshot_dir):
    section, home = editors["section"], editors["home"]
    seen: dict[str, list[str]] = {}
    context, page = log_in(browser, centre_server, EDITOR)
    try:
        seen["dashboard"] = english(page)
        page.goto(centre_server.url(CODE, "/admin/pages/"))
        seen["explorer root"] = english(page)
        page.goto(centre_server.url(CODE, f"/admin/pages/{home.pk}/"))
        seen["explorer home"] = english(page)
        page.goto(centre_server.url(CODE, f"/admin/pages/{section.pk}/"))
        seen["explorer section"] = english(page)
        page.goto(centre_server.url(CODE, f"/admin/pages/add/content/noticepage/{section.pk}/"))
        seen["new notice"] = english(page)
        assert page.input_value('input[name="date"]') == f"{timezone.localdate():%Y-%m-%d}"
        editors_in_body = page.locator('[data-contentpath="body"] .Draftail-Editor')
        assert editors_in_body.count() == 1  # the paragraph, ready to type
        page.fill('input[name="title"]', TITLE)
        page.fill('textarea[name="summary"]', "天气转冷，请注意用电安全。")
        paragraph = editors_in_body.first.locator('[contenteditable="true"]')
        paragraph.click()
        # Draft.js takes keys only once it has the focus (on a loaded machine a moment after the click).
        page.wait_for_function("el => el.contains(document.activeElement)", arg=paragraph.element_handle())
        page.keyboard.type("不要在床上使用电热毯过夜，外出时请关闭取暖器。")
        expect(paragraph).to_contain_text("不要在床上使用电热毯过夜，外出时请关闭取暖器。")
        # Draftail writes what was typed into the block's hidden input a moment later: send only once it has.
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-contentpath="body"] input[type="hidden"]')]
                .some((input) => input.value.includes("电热毯"))"""
        )
        page.screenshot(path=str(screenshot_dir / "editor-new-notice.png"), full_page=True)
        page.locator("footer .w-dropdown__toggle, footer [data-w-dropdown-target='toggle']").first.click()
        page.click('button[name="action-submit"]')
        page.wait_for_url(re.compile(rf"/admin/pages/{section.pk}/$"))
        seen["after submit"] = english(page)
        with schema_context(CODE):
            submitted = NoticePage.objects.get(title=TITLE)
        connection.set_schema_to_public()
        page.goto(centre_server.url(CODE, f"/admin/pages/{submitted.pk}/edit/"))
        seen["edit in review"] = english(page)
        page.goto(centre_server.url(CODE, f"/admin/pages/{submitted.pk}/history/"))
        seen["history"] = english(page)
        page.goto(centre_server.url(CODE, "/admin/pages/search/?q=%E7%94%A8%E7%94%B5"))
        seen["page search"] = english(page)
    finally:
        context.close()
    with schema_context(CODE):
        notice = NoticePage.objects.get(title=TITLE)
        assert (notice.slug, notice.live, notice.date) == (SLUG, False, timezone.localdate())
        assert [block.block_type for block in notice.get_latest_revision_as_object().body] == ["paragraph"]
    connection.set_schema_to_public()

    context, page = log_in(browser, centre_server, ADMIN)
    try:
        seen["moderator dashboard"] = english(page)
        row = page.locator("tr", has_text=TITLE)  # 等待您审核的页面
        row.get_by_role("button", name="操作").click()
        row.get_by_role("button", name="批准", exact=True).click()
        message = page.locator(".messages .success, .messages li.success").first
        message.wait_for()
        with schema_context(CODE):
            notice = NoticePage.objects.get(pk=notice.pk)
            url = notice.get_full_url()
        connection.set_schema_to_public()
        assert notice.live is True
        assert message.inner_text().strip().startswith(f"“{TITLE}”已审核通过，已发布：{url}")
        assert message.get_by_role("link", name="查看已发布的网页").get_attribute("href") == url
        page.screenshot(path=str(screenshot_dir / "moderator-approved.png"), full_page=True)
        public = page.goto(centre_server.url(CODE, f"/{SECTION_SLUG}/{SLUG}/"))
        assert public.status == 200
        assert page.locator("h1").inner_text() == TITLE
    finally:
        context.close()
    assert {name: texts for name, texts in seen.items() if texts} == {}

"""The public site's frame: display modes by plain links, the centre's hotline and menu, hostile text shown as text."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from content.display import DISPLAY_COOKIE
from tests.conftest import client_for
from tests.content.public_pages import HOTLINE, home_hotline_set, home_page, notice_make, section_make

pytestmark = pytest.mark.django_db


def html_class(response) -> str:
    match = re.search(r"<html lang=\"zh-Hans\"(?: class=\"([^\"]*)\")?>", response.content.decode())
    assert match, "no <html lang=zh-Hans>"
    return match.group(1) or ""


def test_the_display_mode_is_switched_by_links_and_remembered(centres):
    client = client_for("huangpu")
    assert html_class(client.get("/")) == ""

    response = client.get("/display/", {"text": "large", "next": "/search/?q=教育"})
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=%E6%95%99%E8%82%B2"
    cookie = response.cookies[DISPLAY_COOKIE]
    assert cookie.value == "large.standard"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 400 * 24 * 60 * 60
    assert "no-store" in response["Cache-Control"]
    assert html_class(client.get("/")) == "mode-large"

    client.get("/display/", {"colours": "contrast", "next": "/"})
    assert client.cookies[DISPLAY_COOKIE].value == "large.contrast"
    page = client.get("/")
    assert html_class(page) == "mode-large mode-contrast"
    # The current choice is marked for screen readers and by a tick, not by colour alone.
    assert re.search(r'href="/display/\?text=large&amp;next=%2F" aria-current="true"', page.content.decode())

    client.get("/display/", {"text": "standard", "next": "/"})
    client.get("/display/", {"text": "huge", "colours": "<script>", "next": "/"})
    assert client.cookies[DISPLAY_COOKIE].value == "standard.contrast"
    assert html_class(client.get("/")) == "mode-contrast"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "",
        "http://putuo.localhost/",
    ],
)
def test_the_display_switch_goes_back_only_to_this_site(centres, next_url):
    response = client_for("huangpu").get("/display/", {"text": "large", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_bureau_portal_has_the_switch_too(centres):
    response = client_for(None).get("/display/", {"colours": "contrast", "next": "/login/"})
    assert response["Location"] == "/login/"
    page = client_for(None).get("/login/", HTTP_COOKIE=f"{DISPLAY_COOKIE}=standard.contrast")
    assert html_class(page) == "mode-contrast"


def test_every_page_has_the_hotline_the_menu_and_the_landmarks(centres):
    with schema_context("huangpu"):
        home_hotline_set()
        notices = section_make("notices", "通知公告", "notices")
        section_make("policies", "政策文件", "policies")
        notice_make(notices, title="关于重阳节活动的通知", slug="double-ninth", body="<b>时间</b>待定。")
    client = client_for("huangpu")
    for path in ("/", "/notices/", "/notices/double-ninth/", "/search/?q=重阳"):
        html = client.get(path).content.decode()
        header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
        assert f'<a href="tel:02163210000">{HOTLINE}</a>' in header, path
        menu = re.findall(r'<li><a href="([^"]+)"(?: aria-current="(\w+)")?>([^<]+)</a></li>', header)
        assert [href for href, _current, _label in menu] == ["/", "/notices/", "/policies/", "#contact"], path
        assert html.count('<a class="skip-link" href="#main">') == 1
        assert '<nav class="site-nav" aria-label="' in html
        assert '<main id="main"' in html
        assert '<footer class="site-footer" id="contact">' in html
        assert '<html lang="zh-Hans">' in html
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    current = re.findall(
        r'<a href="(/notices/)" aria-current="(\w+)">', client.get("/notices/double-ninth/").content.decode()
    )
    assert current == [("/notices/", "true")]
    current = re.findall(r'<a href="(/notices/)" aria-current="(\w+)">', client.get("/notices/").content.decode())
    assert current == [("/notices/", "page")]


def test_the_menu_is_each_centres_own(centres):
    with schema_context("huangpu"):
        section_make("activities", "活动安排", "activities")
    huangpu = client_for("huangpu").get("/").content.decode()
    putuo = client_for("putuo").get("/").content.decode()
    assert 'href="/activities/"' in huangpu
    assert 'href="/activities/"' not in putuo
    assert "黄浦区军休中心" in huangpu and "黄浦区军休中心" not in putuo


def test_a_draft_section_is_not_in_the_menu(centres):
    from content.models import SectionPage

    with schema_context("huangpu"):
        home_page().add_child(instance=SectionPage(title="老年大学", slug="courses", kind="courses", live=False))
    assert 'href="/courses/"' not in client_for("huangpu").get("/").content.decode()


def test_hostile_titles_and_bodies_are_shown_as_text(centres):
    long_word = "长" * 5000
    with schema_context("huangpu"):
        notices = section_make("notices", "通知公告", "notices")
        notice_make(
            notices,
            title='<script>alert("title")</script>',
            slug="hostile",
            summary=f"<img src=x onerror=alert(1)> {long_word}",
            # As the editor stores what was typed (escaped), plus a link only a direct write could store.
            body='&lt;script&gt;alert("body")&lt;/script&gt; <a href="javascript:alert(1)">点我</a>',
        )
    client = client_for("huangpu")
    for path in ("/notices/hostile/", "/notices/", "/"):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in html, path
        assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", ""), path
        # Whatever reaches a page cannot run: the public pages allow only the site's own script files.
        policy = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
        assert (policy["script-src"], policy["object-src"], policy["base-uri"]) == ("'self'", "'none'", "'self'")
        assert "Cookie" in response["Vary"]  # the display mode comes from a cookie
    detail = client.get("/notices/hostile/").content.decode()
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in detail
    assert '&lt;script&gt;alert("body")&lt;/script&gt;' in detail
    assert long_word in detail

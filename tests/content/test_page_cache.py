"""Rendered public pages are cached per centre and display mode, dropped on publish, never for sessions or cookies."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from content.display import DISPLAY_COOKIE
from content.page_cache import content_version_bump
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user
from tests.content.public_pages import home_hotline_set, notice_make, section_make

pytestmark = pytest.mark.django_db

# SQL statements per request. Uncached: the page rendered right after a publish (the menu rebuilt, Wagtail's own
# site-root cache warm, as in a running server); cached: none, the stored page is returned before any query (the
# host's centre is kept by the process too, tenants.middleware; it was `SET search_path` and the domain lookup).
UNCACHED_QUERIES = {"home": 9, "notice_list": 13, "notice_detail": 13}
CACHED_QUERIES = 0
PATHS = {"home": "/", "notice_list": "/notices/", "notice_detail": "/notices/autumn-trip/"}


@pytest.fixture
def page_cache(settings):
    settings.JUNXIU_PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(centres):
    with schema_context("huangpu"):
        home_hotline_set()
        notices = section_make("notices", "通知公告", "notices")
        for day in range(1, 6):
            notice_make(notices, title=f"十一月第{day}号通知", slug=f"notice-{day}", body="内容" * 50, day=day)
        notice_make(notices, title="秋游通知", slug="autumn-trip", body="组织军休干部参观红色教育基地。", day=9)
        return notices


def queries_any(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured)


def queries(client, path: str, **headers) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    assert response.status_code == 200, path
    return len(captured), response.content.decode()


@pytest.mark.parametrize("name", list(PATHS))
def test_query_counts_uncached_and_cached(site, settings, name):
    client = client_for("huangpu")
    settings.JUNXIU_PAGE_CACHE_SECONDS = 300
    cache.clear()
    queries(client, PATHS[name])
    with schema_context("huangpu"):
        content_version_bump()  # what a publish does
    uncached, html = queries(client, PATHS[name])
    cached, cached_html = queries(client, PATHS[name])
    assert (uncached, cached) == (UNCACHED_QUERIES[name], CACHED_QUERIES)
    assert cached_html == html
    cache.clear()


def test_publishing_unpublishing_moving_and_deleting_drop_the_centres_pages(site, page_cache):
    client = client_for("huangpu")
    assert "冬季讲座" not in client.get("/notices/").content.decode()
    with schema_context("huangpu"):
        lecture = notice_make(site, title="冬季讲座", slug="lecture", day=20)
    assert "冬季讲座" in client.get("/notices/").content.decode()
    assert "冬季讲座" in client.get("/").content.decode()

    with schema_context("huangpu"):
        lecture.title = "冬季健康讲座"
        lecture.save_revision().publish()
    assert "冬季健康讲座" in client.get("/notices/").content.decode()

    with schema_context("huangpu"):
        lecture.unpublish()
    assert "冬季健康讲座" not in client.get("/notices/").content.decode()
    assert client.get("/notices/lecture/").status_code == 404

    with schema_context("huangpu"):
        lecture.save_revision().publish()
        policies = section_make("policies", "政策文件", "policies")
    assert 'href="/policies/"' in client.get("/notices/").content.decode()  # the menu follows too
    with schema_context("huangpu"):
        policies.delete()
    assert 'href="/policies/"' not in client.get("/notices/").content.decode()

    assert client.get("/notices/lecture/").status_code == 200
    with schema_context("huangpu"):
        from content.models import HomePage

        lecture.refresh_from_db()
        lecture.move(HomePage.objects.get(), pos="last-child")
    assert client.get("/lecture/").status_code == 200
    assert client.get("/notices/lecture/").status_code == 301  # Wagtail's redirect from the old address


def test_one_centre_publishing_keeps_the_others_cache(site, page_cache):
    huangpu, putuo = client_for("huangpu"), client_for("putuo")
    assert "黄浦区军休中心" in huangpu.get("/").content.decode()
    assert "普陀区军休中心" in putuo.get("/").content.decode()  # same path, its own entry
    with schema_context("huangpu"):
        notice_make(site, title="黄浦新通知", slug="new", day=21)
    assert queries(putuo, "/")[0] == CACHED_QUERIES
    assert queries(huangpu, "/")[0] > CACHED_QUERIES


def test_each_display_mode_has_its_own_copy(site, page_cache):
    client = client_for("huangpu")
    assert '<html lang="zh-Hans">' in client.get("/").content.decode()
    client.cookies[DISPLAY_COOKIE] = "large.contrast"
    count, html = queries(client, "/")
    assert '<html lang="zh-Hans" class="mode-large mode-contrast">' in html
    assert count > CACHED_QUERIES
    assert queries(client, "/")[0] == CACHED_QUERIES
    client.cookies[DISPLAY_COOKIE] = "nonsense"  # an unknown value is the standard mode, and its cached copy
    count, html = queries(client, "/")
    assert '<html lang="zh-Hans">' in html and count == CACHED_QUERIES


def test_staff_and_cadre_sessions_are_never_served_from_the_cache(site, page_cache):
    anonymous = client_for("huangpu")
    queries(anonymous, "/notices/autumn-trip/")
    assert queries(anonymous, "/notices/autumn-trip/")[0] == CACHED_QUERIES

    editor = client_for("huangpu")
    editor.force_login(make_user("huangpu", "cache-editor", groups=(role_group_name(Role.EDITOR),)))
    first, _ = queries(editor, "/notices/autumn-trip/")
    second, _ = queries(editor, "/notices/autumn-trip/")
    assert first > CACHED_QUERIES and second > CACHED_QUERIES

    any_session = client_for("huangpu")
    any_session.cookies["sessionid"] = "a-cadre-or-anyone"
    assert queries(any_session, "/notices/autumn-trip/")[0] > CACHED_QUERIES


def test_responses_that_set_cookies_or_carry_other_parameters_are_not_stored(site, page_cache):
    client = client_for("huangpu")
    client.get("/notices/?utm_source=wechat")
    assert queries_any(client, "/notices/?utm_source=wechat") > CACHED_QUERIES
    for _ in range(2):
        assert client.get("/display/?text=large&next=/").cookies[DISPLAY_COOKIE].value == "large.standard"
    client.cookies.clear()
    # A page whose form gives the visitor a CSRF cookie is rendered afresh each time.
    from forms_engine.services import form_create, form_field_add, form_publish

    with schema_context("huangpu"):
        from content.models import FormPage, HomePage

        form = form_create(title="意见建议", key="cache-complaint", purpose="complaint", public=True)
        form_field_add(form=form, name="content", field_type="textarea", label="内容", required=True)
        form_publish(form=form)
        page = FormPage(title="投诉建议", slug="complaints", form=form)
        HomePage.objects.get().add_child(instance=page)
        page.save_revision().publish()
    response = client.get("/complaints/")
    assert "csrftoken" in response.cookies
    client.cookies.clear()
    assert queries(client, "/complaints/")[0] > CACHED_QUERIES
    assert 'href="/complaints/"' in client.get("/").content.decode()  # and it is the menu's complaints link

"""The Content-Security-Policy in Chromium: the watch of tests/browser/conftest.py catches a violation, and the pages
not visited by the other browser tests (the cadre log-in, the Wagtail admin, the API docs, the lockout page) run
without one (issue 13, defect 8)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tenants.services import centre_user_ensure
from tests.browser.conftest import CSP_VIOLATIONS
from tests.conftest import PASSWORD

CODE = "huangpu"
ADMIN = "browser-csp-admin"


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres[CODE].domains.filter(domain=f"{CODE}.localhost").exists()


@pytest.fixture
def centre_admin(committed_db, centre_server) -> Iterator[str]:
    with schema_context(CODE):
        centre_user_ensure(username=ADMIN, password=PASSWORD, superuser=True)
    yield ADMIN
    with schema_context(CODE):
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django.contrib.auth import get_user_model

        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__in=[ADMIN, "browser-csp-nobody"]).delete()
        get_user_model().objects.filter(username=ADMIN).delete()
    connection.set_schema_to_public()


def new_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    return context, context.new_page()


def test_the_watch_catches_an_inline_script_and_style(browser, centre_server, committed_db):
    """Positive control: a page under the site's own policy with an inline script and a style attribute."""
    context, page = new_page(browser)
    policy = page.goto(centre_server.url(CODE, "/cadre/login/")).headers["content-security-policy"]
    probe = centre_server.url(CODE, "/csp-probe/")
    html = "<!DOCTYPE html><p style='color:red'>x</p><script>document.title = 'ran'</script>"
    headers = {"Content-Security-Policy": policy}
    page.route(probe, lambda route: route.fulfill(body=html, content_type="text/html", headers=headers))
    page.goto(probe)
    page.wait_for_timeout(200)
    assert page.title() != "ran"  # the inline script did not run
    found, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    assert any("script-src" in line for line in found), found
    assert any("style-src" in line for line in found), found
    context.close()


def test_cadre_login_and_the_lockout_page_keep_the_policy(browser, centre_server, centre_admin):
    context, page = new_page(browser)
    for path in ("/cadre/login/", "/forms/status/"):
        assert page.goto(centre_server.url(CODE, path)).status == 200, path
    # Five wrong passwords: the lockout page (the site's frame) keeps the strict policy too.
    page.goto(centre_server.url(CODE, "/admin/login/"))
    for _n in range(5):
        page.fill("input[name=username]", "browser-csp-nobody")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        if "登录已锁定" in page.content():
            break
        page.goto(centre_server.url(CODE, "/admin/login/"))
    assert page.locator("h1").inner_text() == "登录已锁定"
    context.close()


def test_the_wagtail_admin_and_the_api_docs_run_under_their_policies(browser, centre_server, centre_admin):
    context, page = new_page(browser)
    page.goto(centre_server.url(CODE, "/admin/login/"))
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(centre_server.url(CODE, "/admin/"))
    with schema_context(CODE):
        from content.models import HomePage

        home = HomePage.objects.get().pk
    connection.set_schema_to_public()
    for path in (
        "/admin/",
        "/admin/pages/",
        f"/admin/pages/{home}/",
        f"/admin/pages/{home}/edit/",
        "/admin/locked-logins/",
        "/admin/reminders/today/",
        "/admin/forms-engine/",
    ):
        response = page.goto(centre_server.url(CODE, path))
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    response = page.goto(centre_server.url(CODE, "/api/docs/"))
    assert response.status == 200
    page.wait_for_selector(".swagger-ui .info .title")
    assert "junxiu API" in page.locator(".swagger-ui .info .title").inner_text()
    context.close()

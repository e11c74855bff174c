"""The bureau's overview in Chromium: every small multiple is drawn as a chart from its table; without JavaScript
the same tables are there and the page is complete."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from reports.models import CentreRefresh, Fact, Indicator
from reports.roles import BureauRole, bureau_role_grant
from reports.services import centre_facts_refresh
from tenants.models import Centre
from tests.conftest import PASSWORD

YEAR = timezone.localdate().year


@pytest.mark.django_db
def test_the_centres_are_there(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert len(centres) == 3


@pytest.fixture
def bureau_figures(committed_db, centre_server):
    remove_user()  # left by an interrupted run
    user = get_user_model().objects.create_user(username="browser-bureau", password=PASSWORD)
    bureau_role_grant(user=user, role=BureauRole.ANALYST)
    for centre in Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE):
        assert centre_facts_refresh(centre=centre, year=YEAR).status == CentreRefresh.Status.OK
    yield user
    Fact.objects.filter(year=YEAR).delete()
    CentreRefresh.objects.filter(year=YEAR).delete()
    remove_user()
    connection.set_schema_to_public()


def remove_user() -> None:
    """Without the ORM's cascade, which would look for centre-only tables (inbox preferences…) in public."""
    users = get_user_model().objects.filter(username="browser-bureau")
    get_user_model().groups.through.objects.filter(user__in=users).delete()
    users._raw_delete(users.db)


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login/?next=/")
    page.fill("input[name=username]", "browser-bureau")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{base}/")


def test_overview_draws_a_chart_for_every_table(browser, bureau_figures, centre_server, screenshot_dir):
    base = f"http://localhost:{centre_server.port}"
    headline = Indicator.objects.filter(headline=True).count()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base)
    page.wait_for_selector("figure.report-chart .chart-canvas svg")
    assert page.locator("figure.report-chart").count() == headline
    assert page.locator("figure.report-chart .chart-canvas svg").count() == headline
    assert page.locator("figure.report-chart table.chart-data").count() == headline
    assert page.locator("figure.report-chart table.chart-data tbody tr").count() == headline * 3
    label = page.locator("figure.report-chart .chart-canvas").first.get_attribute("aria-label")
    assert label and "在册军休干部" in label
    page.screenshot(path=str(screenshot_dir / "reports-overview.png"), full_page=True)
    assert errors == []
    context.close()


def test_overview_is_complete_without_javascript(browser, bureau_figures, centre_server):
    base = f"http://localhost:{centre_server.port}"
    headline = Indicator.objects.filter(headline=True).count()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base)
    assert page.locator("figure.report-chart .chart-canvas").count() == 0
    tables = page.locator("figure.report-chart table.chart-data")
    assert tables.count() == headline
    assert tables.first.is_visible()
    rows = page.locator("figure.report-chart table.chart-data tbody tr th").all_inner_texts()
    assert [row.split()[0] for row in rows[:3]] == ["长宁区军休中心", "黄浦区军休中心", "普陀区军休中心"]
    assert page.locator(".card .figure").count() == headline
    context.close()

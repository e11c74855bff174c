"""Shared fixtures: three test centres made once per test database, clients per host, users per centre."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tenants.middleware import host_cache_clear
from tenants.models import Centre
from tenants.services import centre_create, centre_setup_sync, centre_user_ensure

TEST_CENTRES = {"huangpu": "黄浦区军休中心", "putuo": "普陀区军休中心", "changning": "长宁区军休中心"}
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create the test centres by the real provisioning path, once (kept with --reuse-db)."""
    with django_db_blocker.unblock():
        for code, name in TEST_CENTRES.items():
            if not Centre.objects.filter(schema_name=code).exists():
                centre_create(code=code, name=name)
        centre_setup_sync()  # a reused test database may predate an app's roles


@pytest.fixture(autouse=True)
def _back_to_public():
    """A request or schema_context must never leak its schema into the next test."""
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _hosts_forgotten():
    """Nor a host's centre kept by the middleware: a rolled-back test's domains send no signal when they vanish."""
    host_cache_clear()
    yield
    host_cache_clear()


@pytest.fixture
def centres(db) -> dict[str, Centre]:
    return {centre.schema_name: centre for centre in Centre.objects.filter(schema_name__in=TEST_CENTRES)}


def host(code: str | None) -> str:
    return f"{code}.localhost" if code else "localhost"


def client_for(code: str | None) -> Client:
    """A test client whose every request goes to the centre's host (or the bureau's, for None)."""
    return Client(HTTP_HOST=host(code))


def make_user(code: str, username: str, **kwargs):
    with schema_context(code):
        return centre_user_ensure(username=username, password=PASSWORD, **kwargs)


def publish_notice(code: str, *, title: str, slug: str):
    """Publish a notice under the centre's home page, as an editor would."""
    from content.models import HomePage, NoticePage

    with schema_context(code):
        home = HomePage.objects.get()
        page = NoticePage(title=title, slug=slug, date=dt.date(2026, 11, 1), summary=title)
        home.add_child(instance=page)
        page.save_revision().publish()
        return page

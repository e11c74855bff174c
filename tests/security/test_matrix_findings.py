"""The holes the route matrix found (issue 13), each pinned by a test of its own."""

from __future__ import annotations

from django.conf import settings
from django_tenants.utils import schema_context

from tests.conftest import client_for, make_user


def signed_in(code: str | None, user):
    client = client_for(code)
    with schema_context(code or "public"):
        client.force_login(user)
    return client


def test_head_or_options_to_the_admin_log_out_keeps_the_session_and_its_cookie(centres):
    client = signed_in("huangpu", make_user("huangpu", "m-stays", superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    head, options = client.head("/admin/logout/"), client.options("/admin/logout/")

    assert (head.status_code, options.status_code) == (200, 405)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == cookie
    assert client.get("/admin/").status_code == 200

"""The holes the route matrix found (issue 13), each pinned by a test of its own."""

from __future__ import annotations

from django.conf import settings
from django_tenants.utils import schema_context

from content.bureau.models import CitywideItem
from content.models import CadreAccessCode
from reports.roles import BureauRole, bureau_role_grant
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user
from tests.content.conftest import make_cadre


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


def test_read_only_roles_cannot_issue_a_cadres_access_code(centres):
    cadre = make_cadre("huangpu", "王德胜", seq=11, mobile="13812345678")
    for role in (Role.VIEWER, Role.HEALTH_OFFICER, Role.EDITOR):
        client = signed_in("huangpu", make_user("huangpu", f"m-{role}", groups=(role_group_name(role),)))

        for answer in (
            client.get("/admin/content/access-codes/"),
            client.post("/admin/content/access-codes/", {"cadre_id": cadre.pk}),
        ):
            assert (answer.status_code, answer["Location"]) == (302, "/admin/")  # Wagtail's "permission denied"
    with schema_context("huangpu"):
        assert CadreAccessCode.objects.count() == 0
    caseworker = make_user("huangpu", "m-caseworker", groups=(role_group_name(Role.CASEWORKER),))
    assert signed_in("huangpu", caseworker).get("/admin/content/access-codes/").status_code == 200


def test_only_the_bureau_head_and_analysts_publish_city_wide_items(centres):
    form = {"kind": "notice", "title": "全市通知", "date": "2026-12-01", "body": "内容"}
    viewer = make_user("public", "m-bureau-viewer")
    bureau_role_grant(user=viewer, role=BureauRole.VIEWER)
    for user in (viewer, make_user("public", "m-no-role")):
        client = signed_in(None, user)

        assert client.get("/citywide/").status_code == 403
        assert client.post("/citywide/new/", form).status_code == 403
    assert CitywideItem.objects.count() == 0
    analyst = make_user("public", "m-bureau-analyst")
    bureau_role_grant(user=analyst, role=BureauRole.ANALYST)
    assert signed_in(None, analyst).get("/citywide/").status_code == 200


def test_options_on_the_api_docs_page_is_a_405_not_a_server_error(centres):
    centre = signed_in("huangpu", make_user("huangpu", "m-reader", groups=(role_group_name(Role.VIEWER),)))
    bureau = signed_in(None, make_user("public", "m-bureau-reader"))

    for client in (centre, bureau):
        answer = client.options("/api/docs/")

        assert (answer.status_code, answer["Allow"]) == (405, "GET, HEAD")
        assert client.get("/api/docs/").status_code == 200

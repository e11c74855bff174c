"""One centre's pages, users and sessions are worthless on another centre, through every route."""

import datetime as dt
import re

import pytest
from django_tenants.utils import schema_context

from reports.roles import BureauRole, bureau_role_grant
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, TEST_CENTRES, client_for, make_user, publish_notice

pytestmark = pytest.mark.django_db

EDITOR = role_group_name(Role.EDITOR)


@pytest.fixture
def huangpu_notice(centres):
    return publish_notice("huangpu", title="Huangpu-only 黄浦独有的通知", slug="huangpu-only")


def test_page_published_in_huangpu_is_served_only_on_huangpu(huangpu_notice):
    response = client_for("huangpu").get("/huangpu-only/")
    assert response.status_code == 200
    assert "黄浦独有的通知" in response.content.decode()
    assert client_for("putuo").get("/huangpu-only/").status_code == 404


def test_page_published_in_huangpu_is_absent_from_putuos_api(huangpu_notice):
    huangpu = client_for("huangpu").get("/api/v2/pages/", {"type": "content.NoticePage", "fields": "date"}).json()
    putuo = client_for("putuo").get("/api/v2/pages/", {"type": "content.NoticePage", "fields": "date"}).json()
    assert [item["title"] for item in huangpu["items"]] == ["Huangpu-only 黄浦独有的通知"]
    assert huangpu["items"][0]["date"] == "2026-11-01"
    assert putuo == {"meta": {"total_count": 0}, "items": []}
    search = {"search": "Huangpu-only"}
    assert client_for("huangpu").get("/api/v2/pages/", search).json()["meta"]["total_count"] == 1
    assert client_for("putuo").get("/api/v2/pages/", search).json()["meta"]["total_count"] == 0


def test_page_published_in_huangpu_is_absent_from_putuos_admin(huangpu_notice):
    make_user("putuo", "putuo-admin", superuser=True)
    client = client_for("putuo")
    response = client.post("/admin/login/", {"username": "putuo-admin", "password": PASSWORD})
    assert response.status_code == 302
    search = client.get("/admin/pages/search/", {"q": "Huangpu-only"})
    assert search.status_code == 200
    assert "黄浦独有的通知" not in search.content.decode()
    explorer = client.get("/admin/pages/")
    assert "黄浦独有的通知" not in explorer.content.decode()
    # The same search by huangpu's own admin finds it, so the search above did look.
    make_user("huangpu", "huangpu-admin", superuser=True)
    own = client_for("huangpu")
    own.post("/admin/login/", {"username": "huangpu-admin", "password": PASSWORD})
    assert "黄浦独有的通知" in own.get("/admin/pages/search/", {"q": "Huangpu-only"}).content.decode()


def test_huangpu_user_cannot_log_in_on_putuo(centres):
    make_user("huangpu", "hp-editor", groups=(EDITOR,))
    refused = client_for("putuo").post("/admin/login/", {"username": "hp-editor", "password": PASSWORD})
    assert refused.status_code == 200
    assert "/admin/login/" in refused.request["PATH_INFO"]
    accepted = client_for("huangpu").post("/admin/login/", {"username": "hp-editor", "password": PASSWORD})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/admin/"


def test_huangpu_session_cookie_is_refused_on_putuo(centres):
    make_user("huangpu", "hp-editor", groups=(EDITOR,))
    huangpu = client_for("huangpu")
    assert huangpu.post("/admin/login/", {"username": "hp-editor", "password": PASSWORD}).status_code == 302
    assert huangpu.get("/admin/").status_code == 200
    putuo = client_for("putuo")
    putuo.cookies = huangpu.cookies  # the same cookie jar, presented to putuo's host
    response = putuo.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_bureau_user_is_not_a_centre_user(centres, django_user_model):
    django_user_model.objects.create_user(username="bureau-staff", password=PASSWORD)
    refused = client_for("huangpu").post("/admin/login/", {"username": "bureau-staff", "password": PASSWORD})
    assert refused.status_code == 200
    make_user("huangpu", "hp-only")
    assert client_for(None).post("/login/", {"username": "hp-only", "password": PASSWORD}).status_code == 200


def test_admin_login_page_is_in_chinese_even_for_an_english_browser(centres):
    response = client_for("huangpu").get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in body
    assert "登录" in body


def test_unknown_host_and_template_get_404(centres):
    assert client_for("nosuchcentre").get("/").status_code == 404
    assert client_for("centre-template").get("/").status_code == 404
    assert client_for("huangpu").get("/").status_code == 200


def test_home_page_of_each_centre_is_its_own(centres):
    for code, name in TEST_CENTRES.items():
        body = client_for(code).get("/").content.decode()
        assert f"<h1>{name}</h1>" in body


def test_bureau_portal_lists_centres_for_bureau_users_only(centres, django_user_model):
    from registry.idcard import resident_id_make
    from registry.services import cadre_create

    with schema_context("putuo"):
        for seq in (1, 2):
            cadre_create(
                name="测试",
                id_number=resident_id_make("310107", dt.date(1940, 1, 1), seq),
                level="division",
                kind="lixiu",
            )
    anonymous = client_for(None).get("/")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/login/?next=/"
    assert client_for(None).get("/admin/login/").status_code == 404  # no Wagtail on the bureau's schema
    staff = django_user_model.objects.create_user(username="bureau-staff", password=PASSWORD)
    client = client_for(None)
    assert client.post("/login/", {"username": "bureau-staff", "password": PASSWORD}).status_code == 302
    assert client.get("/centres/").status_code == 403  # logged in, but no bureau role yet
    bureau_role_grant(user=staff, role=BureauRole.VIEWER)
    body = client.get("/centres/").content.decode()
    for code, name in TEST_CENTRES.items():
        assert f'<a href="http://{code}.localhost/">{name}</a>' in body
    assert "centre_template" not in body
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", body)] == [0, 0, 2]  # changning, huangpu, putuo

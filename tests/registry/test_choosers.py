"""The admin's cadre and staff choosers: searchable past any list's length, scoped to whom the user may see, the
exact-ID lookup only for roles with the identity permission (limited and logged), and nothing of another centre."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django_tenants.utils import schema_context

from registry.crypto import lookup_hash
from registry.idcard import resident_id_make
from registry.models import AccessLog, Cadre, RestHome
from registry.pinyin import name_search_keys
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

CADRES = "/admin/registry/choose/cadre/"
STAFF = "/admin/registry/choose/staff/"
SURNAMES, GIVEN = "王李张刘陈杨黄周吴徐", "建国华明德志文军平海"


def login(code: str, username: str, role: Role | None = None):
    make_user(code, username, groups=(role_group_name(role),) if role else ())
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def liaison_client():
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": "liaison", "password": PASSWORD}).status_code == 302
    return client


def results(client, url: str, **params) -> list[str]:
    """Names listed by a chooser (its modal on open, its results panel when searching), in order."""
    response = client.get(url + ("results/" if params else ""), params)
    assert response.status_code == 200, response.status_code
    html = json.loads(response.content)["html"] if not params else response.content.decode()
    return re.findall(r"<a [^>]*data-chooser-modal-choice[^>]*>\s*([^<]+?)\s*</a>", html)


def refused(response) -> bool:
    """Wagtail answers a missing permission by sending the user back to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def chosen(client, url: str, pk: int) -> dict | int:
    """What choosing one person gives the widget, or the status code when refused."""
    response = client.get(f"{url}chosen/{pk}/")
    if response.status_code != 200:
        return response.status_code
    data = json.loads(response.content)
    assert data["step"] == "chosen"
    return data["result"]


def bulk_cadres(count: int, *, special: dict[int, str], rest_home: RestHome) -> list[int]:
    """`count` cadres made in one statement, named from a pool without the initials o…; `special` names some."""
    rows = []
    for index in range(count):
        name = special.get(index) or (SURNAMES[index % 10] + GIVEN[(index // 10) % 10] + GIVEN[(index // 100) % 10])
        pinyin, initials = name_search_keys(name)
        id_number = resident_id_make("310104", dt.date(1930, 1, 1) + dt.timedelta(days=index // 900), index % 900 + 1)
        rows.append(
            Cadre(
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                gender="M",
                birth_date=dt.date(1930, 1, 1),
                id_number=id_number,
                id_hash=lookup_hash(id_number),
                level="division",
                kind="lixiu",
                rest_home=rest_home,
            )
        )
    return [cadre.pk for cadre in Cadre.objects.bulk_create(rows, batch_size=1000)]


def test_the_chooser_finds_the_4999th_of_5000_cadres_by_pinyin_initials(huangpu_people):
    with schema_context("huangpu"):
        ids = bulk_cadres(5000, special={4998: "欧阳春雪"}, rest_home=huangpu_people["west"])
        assert Cadre.objects.count() == 5003
    admin = login("huangpu", "ch-admin", Role.CENTRE_ADMIN)
    assert len(results(admin, CADRES)) == 20  # a page at a time, never the whole roster
    assert results(admin, CADRES, q="oycx") == ["欧阳春雪"]
    assert results(admin, CADRES, q="ouyangchun") == ["欧阳春雪"]
    assert results(admin, CADRES, q="春雪") == ["欧阳春雪"]
    assert chosen(admin, CADRES, ids[4998]) == {"id": str(ids[4998]), "title": "欧阳春雪", "edit_url": None}


def test_a_liaisons_chooser_lists_only_their_own_cadres_and_colleagues(huangpu_people):
    caseworker = liaison_client()
    assert results(caseworker, CADRES) == ["王德胜", "曾国平"]  # zhao lives in the other rest home
    assert results(caseworker, CADRES, q="zjh") == []
    assert results(caseworker, CADRES, q="赵") == []
    assert chosen(caseworker, CADRES, huangpu_people["zhao"].pk) == 404
    assert chosen(caseworker, CADRES, huangpu_people["wang"].pk)["title"] == "王德胜"
    assert results(caseworker, STAFF) == ["李联络"]
    with schema_context("huangpu"):
        other = huangpu_people["west"].staff.create(name="西所联络员")
    assert chosen(caseworker, STAFF, other.pk) == 404
    admin = login("huangpu", "ch-admin", Role.CENTRE_ADMIN)
    assert results(admin, CADRES) == ["王德胜", "曾国平", "赵建华"]  # by pinyin: wang, zeng, zhao
    assert results(admin, STAFF) == ["李联络", "西所联络员"]


def test_an_id_number_finds_a_cadre_only_for_the_identity_permission_and_is_logged(huangpu_people):
    wang = huangpu_people["wang"]
    id_number = resident_id_make("310101", dt.date(1940, 5, 1), 11)
    caseworker = liaison_client()
    html = caseworker.get(CADRES + "results/", {"q": id_number}).content.decode()
    assert "您无权按身份证号查询，请按姓名、拼音或首字母查询。" in html
    assert re.findall(r"data-chooser-modal-choice", html) == []
    with schema_context("huangpu"):
        assert AccessLog.objects.count() == 0
    admin = login("huangpu", "ch-admin", Role.CENTRE_ADMIN)
    assert results(admin, CADRES, q=id_number) == ["王德胜"]
    with schema_context("huangpu"):
        assert list(AccessLog.objects.values_list("username", "action", "channel", "record_ids", "fields")) == [
            ("ch-admin", "search", "admin", [wang.pk], ["id_number"])
        ]


def test_another_centres_cadres_never_appear(huangpu_people):
    putuo = login("putuo", "pt-admin", Role.CENTRE_ADMIN)
    with schema_context("putuo"):
        assert Cadre.objects.count() == 0
    assert results(putuo, CADRES) == []
    assert results(putuo, CADRES, q="wds") == []
    assert chosen(putuo, CADRES, huangpu_people["wang"].pk) == 404
    assert chosen(putuo, STAFF, huangpu_people["liaison"].pk) == 404
    # A huangpu session is worth nothing on putuo's host.
    huangpu = liaison_client()
    response = client_for("putuo")
    response.cookies = huangpu.cookies
    assert response.get(CADRES).status_code == 302


def test_anonymous_users_get_no_chooser(huangpu_people):
    anonymous = client_for("huangpu")
    for url in (CADRES, CADRES + "results/?q=wds", f"{CADRES}chosen/{huangpu_people['wang'].pk}/", STAFF):
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_only_those_who_may_view_people_open_the_choosers_and_none_creates_anyone(huangpu_people):
    editor = login("huangpu", "ch-editor", Role.EDITOR)
    wang, liaison = huangpu_people["wang"].pk, huangpu_people["liaison"].pk
    for url in (CADRES, CADRES + "results/", f"{CADRES}chosen/{wang}/", f"{CADRES}chosen-multiple/?id={wang}"):
        assert refused(editor.get(url))
    assert refused(editor.get(f"{STAFF}chosen/{liaison}/"))
    caseworker = liaison_client()
    zhao = huangpu_people["zhao"].pk
    response = caseworker.get(f"{CADRES}chosen-multiple/", {"id": [wang, zhao]})
    assert [item["title"] for item in json.loads(response.content)["result"]] == ["王德胜"]
    assert caseworker.get(CADRES + "create/").status_code == 404
    assert caseworker.post(CADRES + "create/", {"name": "新人"}).status_code == 404
    assert results(caseworker, CADRES) == ["王德胜", "曾国平"]  # the modal opens without a "create" tab
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 3


def test_every_admin_form_that_picks_a_person_uses_a_chooser_and_saves_the_chosen_id(huangpu_people):
    wang, zeng, liaison = huangpu_people["wang"], huangpu_people["zeng"], huangpu_people["liaison"]
    admin = login("huangpu", "ch-admin", Role.CENTRE_ADMIN)
    pages = {
        f"/admin/registry/cadres/{wang.pk}/edit/": ("id_liaison", "staff"),
        f"/admin/registry/lifecycle/cadres/{zeng.pk}/receive/": ("id_liaison", "staff"),
        "/admin/content/access-codes/": ("id_cadre_id", "cadre"),
    }
    for url, (field_id, kind) in pages.items():
        html = admin.get(url).content.decode()
        assert f'new Chooser("{field_id}", {{"modalUrl": "/admin/registry/choose/{kind}/"}});' in html, url
        assert "<select" not in html.split(f'id="{field_id}-chooser"')[0].rsplit("<label", 1)[-1], url
        assert "wagtailadmin/js/chooser-widget.js" in html, url
    # wang's page shows his liaison chosen, by name
    assert re.findall(r"data-chooser-title [^>]*>([^<]+)<", admin.get(next(iter(pages))).content.decode()) == ["李联络"]
    response = admin.post(
        f"/admin/registry/lifecycle/cadres/{zeng.pk}/receive/", {"received_on": "2026-03-02", "liaison": liaison.pk}
    )
    assert response.status_code == 302
    with schema_context("huangpu"):
        zeng.refresh_from_db()
        assert (zeng.received_on, zeng.liaison_id) == (dt.date(2026, 3, 2), liaison.pk)
    response = admin.post("/admin/content/access-codes/", {"cadre_id": wang.pk})
    assert response.status_code == 200 and "王德胜" in response.content.decode()

"""The registry REST API: scoped to what the user may see, masked unless permitted, logged, isolated per centre."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from django_tenants.utils import schema_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from registry.crypto import lookup_hash
from registry.idcard import resident_id_make
from registry.models import AccessLog, Cadre, FamilyMember, HealthCheck, RestHome, TripAbroad
from registry.pinyin import name_search_keys
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

CADRES = "/api/registry/cadres/"
PERSONAL = ["id_number", "phone", "mobile", "address"]


def api_client(code: str, user):
    """A client of the centre's host, logged in (session) as a user of that centre."""
    client = client_for(code)
    with schema_context(code):
        client.force_login(user)
    return client


def role_user(code: str, username: str, role: Role):
    return make_user(code, username, groups=(role_group_name(role),))


def access_logs(code: str) -> list[tuple]:
    with schema_context(code):
        return list(
            AccessLog.objects.order_by("pk").values_list(
                "username", "action", "channel", "model", "record_ids", "fields"
            )
        )


def cadre_state(code: str, pk: int) -> tuple:
    with schema_context(code):
        cadre = Cadre.objects.get(pk=pk)
        return cadre.name, cadre.rest_home_id, cadre.mobile, cadre.notes


@pytest.fixture
def viewer(centres):
    return role_user("huangpu", "viewer", Role.VIEWER)


@pytest.fixture
def centre_admin(centres):
    return role_user("huangpu", "centre-admin", Role.CENTRE_ADMIN)


@pytest.fixture
def many_cadres(huangpu_people):
    """210 more cadres in huangpu's east rest home, made in bulk (enough for page sizes 5, 50 and the 200 cap)."""
    with schema_context("huangpu"):
        cadres = []
        for i in range(210):
            name = f"测试{i:03d}"
            id_number = resident_id_make("310104", dt.date(1930, 1, 1) + dt.timedelta(days=i), 500 + i)
            pinyin, initials = name_search_keys(name)
            cadres.append(
                Cadre(
                    name=name,
                    name_pinyin=pinyin,
                    name_initials=initials,
                    gender="M",
                    birth_date=dt.date(1930, 1, 1) + dt.timedelta(days=i),
                    id_number=id_number,
                    id_hash=lookup_hash(id_number),
                    mobile=f"139{i:08d}",
                    level="regiment",
                    kind="tuixiu",
                    rest_home=huangpu_people["east"],
                    liaison=huangpu_people["liaison"],
                )
            )
        Cadre.objects.bulk_create(cadres)
    return huangpu_people


def test_a_viewer_gets_personal_fields_masked_and_nothing_is_logged(huangpu_people, viewer):
    wang = huangpu_people["wang"]
    response = api_client("huangpu", viewer).get(CADRES, {"q": "wds"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["name"] == "王德胜"
    assert row["id_number"] == "*" * 17 + wang.id_number[-1]
    assert (row["birth_date"], row["age"]) == (None, wang.age_on(timezone.localdate()))
    assert row["phone"] == "021*****0000"
    assert row["mobile"] == "138****5678"
    assert row["address"] == "上海市黄浦区****"
    assert (row["rest_home_name"], row["liaison_name"], row["lives_alone"]) == ("东休养所", "李联络", True)
    assert access_logs("huangpu") == []


def test_a_centre_admin_sees_personal_fields_and_each_response_is_logged_once(huangpu_people, centre_admin):
    people = huangpu_people
    client = api_client("huangpu", centre_admin)
    body = client.get(CADRES).json()
    assert [row["name"] for row in body["results"]] == ["王德胜", "曾国平", "赵建华"]  # by pinyin
    wang = body["results"][0]
    assert (wang["id_number"], wang["phone"], wang["mobile"], wang["address"]) == (
        people["wang"].id_number,
        "021-63210000",
        "13812345678",
        "上海市黄浦区南京东路100号",
    )
    ids = sorted(people[name].pk for name in ("wang", "zeng", "zhao"))
    assert access_logs("huangpu") == [("centre-admin", "view", "api", "Cadre", ids, PERSONAL)]
    detail = client.get(f"{CADRES}{people['zeng'].pk}/").json()
    assert detail["id_number"] == people["zeng"].id_number
    assert access_logs("huangpu")[1:] == [("centre-admin", "view", "api", "Cadre", [people["zeng"].pk], ["id_number"])]


def test_family_members_are_masked_for_a_viewer_and_logged_for_an_admin(huangpu_people, viewer, centre_admin):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        FamilyMember.objects.create(
            cadre=wang, name="王小明", relation="儿子", phone="13700001234", address="上海市徐汇区漕溪路1号"
        )
    url = f"{CADRES}{wang.pk}/family/"
    masked = api_client("huangpu", viewer).get(url).json()
    assert [(m["name"], m["phone"], m["address"]) for m in masked] == [("王小明", "137****1234", "上海市徐汇区****")]
    assert access_logs("huangpu") == []
    shown = api_client("huangpu", centre_admin).get(url).json()
    assert [(m["phone"], m["address"]) for m in shown] == [("13700001234", "上海市徐汇区漕溪路1号")]
    assert access_logs("huangpu") == [
        ("centre-admin", "view", "api", "Cadre", [wang.pk], ["family.phone", "family.address"])
    ]


def test_a_caseworker_gets_404_for_another_rest_homes_cadre_and_changes_nothing(huangpu_people):
    people = huangpu_people
    zhao = people["zhao"]
    client = api_client("huangpu", people["liaison"].user)
    assert [row["name"] for row in client.get(CADRES).json()["results"]] == ["王德胜", "曾国平"]
    before = cadre_state("huangpu", zhao.pk)
    assert client.get(f"{CADRES}{zhao.pk}/").status_code == 404
    assert client.get(f"{CADRES}{zhao.pk}/family/").status_code == 404
    patch = client.patch(f"{CADRES}{zhao.pk}/", {"notes": "改动"}, content_type="application/json")
    assert patch.status_code == 404
    assert cadre_state("huangpu", zhao.pk) == before
    # Nor can a cadre of theirs be moved out of their scope.
    wang_before = cadre_state("huangpu", people["wang"].pk)
    moved = client.patch(
        f"{CADRES}{people['wang'].pk}/",
        {"rest_home": people["west"].pk, "liaison": None},
        content_type="application/json",
    )
    assert moved.status_code == 400
    assert moved.json() == {"rest_home": ["只能登记或保留本休养所或由您负责的军休干部。"]}
    assert cadre_state("huangpu", people["wang"].pk) == wang_before
    # Trips and health checks of the invisible cadre are out of reach too.
    with schema_context("huangpu"):
        trip = TripAbroad.objects.create(cadre=zhao, destination="加拿大", departs_on=dt.date(2026, 5, 1))
    assert client.get("/api/registry/trips/", {"cadre": zhao.pk}).json()["count"] == 0
    assert client.get(f"/api/registry/trips/{trip.pk}/").status_code == 404
    patched = client.patch(f"/api/registry/trips/{trip.pk}/", {"destination": "美国"}, content_type="application/json")
    assert patched.status_code == 404
    created = client.post("/api/registry/trips/", {"cadre": zhao.pk, "destination": "美国", "departs_on": "2026-06-01"})
    assert created.status_code == 400
    assert list(created.json()) == ["cadre"]
    with schema_context("huangpu"):
        assert list(TripAbroad.objects.values_list("destination", flat=True)) == ["加拿大"]


def test_everything_is_denied_unless_granted(huangpu_people, viewer):
    wang = huangpu_people["wang"]
    anonymous = client_for("huangpu").get(CADRES)
    assert anonymous.status_code == 401
    editor = role_user("huangpu", "editor", Role.EDITOR)
    for url in (CADRES, "/api/registry/rest-homes/", "/api/registry/staff/", "/api/registry/trips/"):
        assert api_client("huangpu", editor).get(url).status_code == 403
    before = cadre_state("huangpu", wang.pk)
    client = api_client("huangpu", viewer)
    assert client.patch(f"{CADRES}{wang.pk}/", {"notes": "x"}, content_type="application/json").status_code == 403
    assert client.post("/api/registry/rest-homes/", {"name": "南休养所"}).status_code == 403
    assert client.delete(f"{CADRES}{wang.pk}/").status_code == 403
    assert cadre_state("huangpu", wang.pk) == before
    with schema_context("huangpu"):
        assert sorted(RestHome.objects.values_list("name", flat=True)) == ["东休养所", "西休养所"]


def test_a_huangpu_token_works_on_huangpu_and_is_refused_on_putuo(huangpu_people, centre_admin):
    with schema_context("huangpu"):
        token = Token.objects.create(user=centre_admin).key
    header = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert client_for("huangpu").get(CADRES, **header).json()["count"] == 3
    refused = client_for("putuo").get(CADRES, **header)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "认证令牌无效。"}


def test_a_huangpu_session_is_refused_on_putuo(huangpu_people, centre_admin):
    huangpu = api_client("huangpu", centre_admin)
    assert huangpu.get(CADRES).status_code == 200
    putuo = client_for("putuo")
    putuo.cookies = huangpu.cookies
    assert putuo.get(CADRES).status_code == 401
    assert putuo.get(f"{CADRES}{huangpu_people['wang'].pk}/").status_code == 401


def test_a_huangpu_cadre_is_absent_from_putuos_api(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        HealthCheck.objects.create(cadre=wang, year=2026, date=dt.date(2026, 4, 1), findings="血压偏高")
        TripAbroad.objects.create(cadre=wang, destination="加拿大", departs_on=dt.date(2026, 5, 1))
        FamilyMember.objects.create(cadre=wang, name="王小明", relation="儿子", phone="13700001234")
    putuo_admin = role_user("putuo", "putuo-admin", Role.CENTRE_ADMIN)
    client = api_client("putuo", putuo_admin)
    assert client.get(CADRES).json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert client.get(CADRES, {"q": "wds"}).json()["count"] == 0
    assert client.get(CADRES, {"q": wang.id_number}).json()["count"] == 0
    assert client.get(f"{CADRES}{wang.pk}/").status_code == 404
    assert client.get(f"{CADRES}{wang.pk}/family/").status_code == 404
    assert client.get("/api/registry/health-checks/").json()["count"] == 0
    assert client.get("/api/registry/trips/").json()["count"] == 0
    assert client.get("/api/registry/rest-homes/").json()["count"] == 0
    assert client.get("/api/registry/staff/").json()["count"] == 0
    assert access_logs("putuo") == [("putuo-admin", "search", "api", "Cadre", [], ["id_number"])]  # found nothing


def test_filters_search_and_ordering(huangpu_people, centre_admin):
    people = huangpu_people
    client = api_client("huangpu", centre_admin)

    def names(**params):
        response = client.get(CADRES, params)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names(q="wds") == ["王德胜"]
    assert names(q="WangDe") == ["王德胜"]
    assert names(q="zgp") == ["曾国平"]
    assert names(q="建华") == ["赵建华"]
    assert names(q=people["zhao"].id_number) == ["赵建华"]
    assert names(rest_home=people["west"].pk) == ["赵建华"]
    assert names(level="regiment") == ["赵建华"]
    assert names(kind="lixiu") == ["王德胜", "曾国平"]
    assert names(flags="lives_alone") == ["王德胜"]
    assert names(liaison=people["liaison"].pk) == ["王德胜"]
    assert names(ordering="birth_date,name_pinyin") == ["曾国平", "王德胜", "赵建华"]
    assert names(ordering="-name_pinyin") == ["赵建华", "曾国平", "王德胜"]
    refused = client.get(CADRES, {"level": "general"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["level"]


def test_pagination_with_page_size_and_its_cap(many_cadres, viewer):
    client = api_client("huangpu", viewer)
    first = client.get(CADRES, {"page_size": 5}).json()
    assert (first["count"], len(first["results"])) == (213, 5)
    assert first["next"] == "http://huangpu.localhost/api/registry/cadres/?page=2&page_size=5"
    assert first["previous"] is None
    second = client.get(CADRES, {"page_size": 5, "page": 2}).json()
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert len(client.get(CADRES).json()["results"]) == 50  # the default
    assert len(client.get(CADRES, {"page_size": 1000}).json()["results"]) == 200  # the cap
    assert client.get(CADRES, {"page": 999}).status_code == 404


def test_the_number_of_queries_of_a_list_does_not_grow_with_page_size(many_cadres, centre_admin):
    client = api_client("huangpu", centre_admin)
    client.get(CADRES, {"page_size": 1})  # the host's centre is kept from now on (tenants.middleware)
    counts = {}
    for page_size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CADRES, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        counts[page_size] = len(queries)
    assert counts[5] == counts[50]
    assert counts[50] <= 16  # tenant, session, user, permissions, count, page, access log (+ search_path sets)
    with schema_context("huangpu"):
        health = [
            HealthCheck(cadre=cadre, year=2026, date=dt.date(2026, 4, 1), findings="血脂偏高")
            for cadre in Cadre.objects.all()[:60]
        ]
        HealthCheck.objects.bulk_create(health)
        TripAbroad.objects.bulk_create(
            TripAbroad(cadre=check.cadre, destination="日本", departs_on=dt.date(2026, 1, 5)) for check in health
        )
    for url in ("/api/registry/health-checks/", "/api/registry/trips/", "/api/registry/staff/"):
        client.get(url, {"page_size": 1})  # the connection back in the centre's search path, as in every request
        sizes = []
        for page_size in (5, 50):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, {"page_size": page_size}).status_code == 200
            sizes.append(len(queries))
        assert sizes[0] == sizes[1], url


def test_the_list_query_count_for_a_caseworker_is_bounded(many_cadres, django_assert_max_num_queries):
    client = api_client("huangpu", many_cadres["liaison"].user)
    with django_assert_max_num_queries(18):
        response = client.get(CADRES, {"page_size": 50})
    assert len(response.json()["results"]) == 50


def test_create_validates_the_id_number_in_chinese_and_writes_nothing(huangpu_people, centre_admin):
    client = api_client("huangpu", centre_admin)
    good = resident_id_make("310101", dt.date(1941, 7, 1), 51)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    payload = {"name": "孙立人", "id_number": bad, "level": "division", "kind": "lixiu"}
    refused = client.post(CADRES, payload, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"id_number": ["身份证号的校验位不正确，请逐位核对。"]}
    duplicate = client.post(
        CADRES, {**payload, "id_number": huangpu_people["wang"].id_number}, content_type="application/json"
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {"id_number": ["该身份证号的军休干部已登记。"]}
    missing = client.post(
        CADRES, {"name": "孙立人", "level": "division", "kind": "lixiu"}, content_type="application/json"
    )
    assert missing.json() == {"id_number": ["必需字段"]}
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 3
    created = client.post(
        CADRES, {**payload, "id_number": good, "rest_home": huangpu_people["east"].pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name_pinyin"], body["name_initials"], body["birth_date"], body["gender"]) == (
        "sunliren",
        "slr",
        "1941-07-01",
        "M",
    )
    assert body["id_number"] == good
    with schema_context("huangpu"):
        assert Cadre.objects.get(pk=body["id"]).id_hash == lookup_hash(good)
    assert access_logs("huangpu") == [
        ("centre-admin", "search", "api", "Cadre", [huangpu_people["wang"].pk], ["id_number"]),  # "already registered"
        ("centre-admin", "view", "api", "Cadre", [body["id"]], ["id_number"]),
    ]


def test_a_caseworker_may_not_register_a_cadre_outside_their_scope(huangpu_people):
    client = api_client("huangpu", huangpu_people["liaison"].user)
    payload = {
        "name": "孙立人",
        "id_number": resident_id_make("310101", dt.date(1941, 7, 1), 51),
        "level": "division",
        "kind": "lixiu",
        "rest_home": huangpu_people["west"].pk,
    }
    refused = client.post(CADRES, payload, content_type="application/json")
    assert refused.status_code == 400
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 3
    accepted = client.post(CADRES, {**payload, "rest_home": huangpu_people["east"].pk}, content_type="application/json")
    assert accepted.status_code == 201


def test_health_checks_masked_for_a_viewer_written_by_a_health_officer(huangpu_people, viewer, centre_admin):
    wang = huangpu_people["wang"]
    officer = role_user("huangpu", "health-officer", Role.HEALTH_OFFICER)
    client = api_client("huangpu", officer)
    payload = {"cadre": wang.pk, "year": 2026, "date": "2026-04-01", "result": "abnormal", "findings": "血压偏高"}
    wrong_year = client.post("/api/registry/health-checks/", {**payload, "year": 2025})
    assert wrong_year.json() == {"year": ["年度与体检日期不一致。"]}
    created = client.post("/api/registry/health-checks/", payload)
    assert created.status_code == 201, created.content
    assert created.json()["findings"] == "血压偏高"
    masked = api_client("huangpu", viewer).get("/api/registry/health-checks/", {"cadre": wang.pk}).json()
    assert [(r["cadre_name"], r["result"], r["findings"]) for r in masked["results"]] == [
        ("王德胜", "abnormal", "******")
    ]
    assert api_client("huangpu", viewer).post("/api/registry/health-checks/", payload).status_code == 403
    shown = api_client("huangpu", centre_admin).get("/api/registry/health-checks/").json()
    assert [r["findings"] for r in shown["results"]] == ["血压偏高"]
    assert access_logs("huangpu") == [
        ("health-officer", "view", "api", "Cadre", [wang.pk], ["health_checks.findings"]),
        ("centre-admin", "view", "api", "Cadre", [wang.pk], ["health_checks.findings"]),
    ]
    with schema_context("huangpu"):
        assert HealthCheck.objects.count() == 1


def test_trips_abroad_by_a_caseworker(huangpu_people):
    wang = huangpu_people["wang"]
    client = api_client("huangpu", huangpu_people["liaison"].user)
    payload = {"cadre": wang.pk, "destination": "澳大利亚", "departs_on": "2026-03-01", "returns_on": "2026-02-01"}
    refused = client.post("/api/registry/trips/", payload)
    assert refused.json() == {"returns_on": ["回国日期不能早于出境日期。"]}
    created = client.post("/api/registry/trips/", {**payload, "returns_on": "2026-04-01"})
    assert created.status_code == 201
    trip_id = created.json()["id"]
    listed = client.get("/api/registry/trips/", {"cadre": wang.pk, "returned": "false"}).json()
    assert [(t["id"], t["cadre_name"], t["destination"]) for t in listed["results"]] == [
        (trip_id, "王德胜", "澳大利亚")
    ]
    back = client.patch(
        f"/api/registry/trips/{trip_id}/", {"returned_on": "2026-03-30"}, content_type="application/json"
    )
    assert back.json()["returned_on"] == "2026-03-30"
    assert client.get("/api/registry/trips/", {"returned": "false"}).json()["count"] == 0
    assert client.delete(f"/api/registry/trips/{trip_id}/").status_code == 403  # caseworkers do not delete


def test_staff_and_rest_homes(huangpu_people, viewer, centre_admin):
    staff = api_client("huangpu", viewer).get("/api/registry/staff/").json()
    assert [(s["name"], s["rest_home_name"], s["phone"]) for s in staff["results"]] == [
        ("李联络", "东休养所", "139****1111")
    ]
    shown = api_client("huangpu", centre_admin).get("/api/registry/staff/").json()
    assert shown["results"][0]["phone"] == "13900001111"
    assert access_logs("huangpu") == [
        ("centre-admin", "view", "api", "Staff", [huangpu_people["liaison"].pk], ["phone"])
    ]
    client = api_client("huangpu", centre_admin)
    assert (
        client.delete(f"{CADRES}{huangpu_people['wang'].pk}/").status_code == 405
    )  # cadres leave by death or transfer
    created = client.post("/api/registry/rest-homes/", {"name": "南休养所", "building_area": "1200.50"})
    assert created.status_code == 201
    homes = client.get("/api/registry/rest-homes/").json()
    assert [(h["name"], h["building_area"]) for h in homes["results"]] == [
        ("东休养所", "0.00"),
        ("南休养所", "1200.50"),
        ("西休养所", "0.00"),
    ]


def test_the_schema_lists_the_registry_paths_without_warnings(centres):
    client = api_client("huangpu", make_user("huangpu", "schema-reader"))  # docs for signed-in staff only
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for route in (
        "cadres/",
        "cadres/{id}/",
        "cadres/{id}/family/",
        "rest-homes/",
        "staff/",
        "trips/",
        "health-checks/",
    ):
        assert f"/api/registry/{route}" in paths
    params = {p["name"] for p in paths["/api/registry/cadres/"]["get"]["parameters"]}
    assert {"q", "rest_home", "level", "flags", "age_band", "ordering", "page", "page_size"} <= params
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content.decode()
    assert "cdn.jsdelivr.net" not in docs.content.decode()
    GENERATOR_STATS.reset()
    with schema_context("huangpu"):
        SchemaGenerator(patterns=[path("api/registry/", include("registry.api.urls"))]).get_schema(public=True)
    assert (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)) == ({}, {})

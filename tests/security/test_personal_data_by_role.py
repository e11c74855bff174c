"""Issue 13, defects 2 and 14: personal data by kind and role; no rebuilding an ID number from masks and searches."""

import datetime as dt
import importlib
import io
import re

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from registry.idcard import check_char, resident_id_make
from registry.lifecycle import cadre_receive
from registry.models import AccessLog, Cadre, CadreReception, FamilyMember, HealthCheck
from registry.services import ID_SEARCH_LIMIT, cadre_update
from tenants.ratelimit import rate_limit_exceeded
from tenants.roles import Role, role_group, role_group_name
from tests.conftest import PASSWORD, client_for, make_user
from tests.registry.conftest import huangpu_people  # noqa: F401 - the registry fixture

pytestmark = pytest.mark.django_db

CADRES = "/api/registry/cadres/"
LIST = "/admin/registry/cadres/"
ROLES = [Role.CENTRE_ADMIN, Role.CASEWORKER, Role.HEALTH_OFFICER, Role.VIEWER]
NOT_ALLOWED = "您无权按身份证号查询，请按姓名、拼音或首字母查询。"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # the ID-search counters live in the (process-wide) cache
    yield
    cache.clear()


@pytest.fixture
def people(huangpu_people):  # noqa: F811
    """Wang (of the east home, the liaison's) is bedridden, has a son and an abnormal health check."""
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        cadre_update(cadre=wang, bedridden=True)
        son = FamilyMember.objects.create(
            cadre=wang, name="王小明", relation="儿子", phone="13700001234", address="上海市徐汇区漕溪北路1号"
        )
        check = HealthCheck.objects.create(
            cadre=wang, year=2026, date=dt.date(2026, 4, 1), result="abnormal", findings="血压偏高"
        )
    return huangpu_people | {"son": son, "check": check}


def user_in(role: Role, *, export: bool = False):
    """The liaison of the east home for the caseworker role (a caseworker sees their own cadres), else a new user."""
    username = f"hp-{role.value}"
    if role == Role.CASEWORKER:
        username = "liaison"
    user = make_user("huangpu", username, groups=(role_group_name(role),))
    if export:
        with schema_context("huangpu"):
            user.user_permissions.add(Permission.objects.get(codename="export_cadres"))
    return user


def signed_in(username: str):
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def access_logs() -> list[tuple]:
    with schema_context("huangpu"):
        return list(
            AccessLog.objects.order_by("pk").values_list(
                "username", "action", "channel", "model", "record_ids", "fields"
            )
        )


def age(cadre: Cadre) -> int:
    return cadre.age_on(timezone.localdate())


MASKED_ID = "*" * 17 + "3"  # 310101194005010113


# What each role sees of Wang, by kind: identity (ID, birth date), contact (phones, address, the son's), health.
def expected(role: Role, wang: Cadre) -> dict:
    identity = role == Role.CENTRE_ADMIN
    contact = role != Role.VIEWER
    health = role in (Role.CENTRE_ADMIN, Role.HEALTH_OFFICER)
    return {
        "id_number": "310101194005010113" if identity else MASKED_ID,
        "birth_date": "1940-05-01" if identity else None,
        "age": age(wang),
        "phone": "021-63210000" if contact else "021*****0000",
        "mobile": "13812345678" if contact else "138****5678",
        "address": "上海市黄浦区南京东路100号" if contact else "上海市黄浦区****",
        "bedridden": True if health else None,
        "lives_alone": True,
        "son": ("13700001234", "上海市徐汇区漕溪北路1号") if contact else ("137****1234", "上海市徐汇区****"),
        "findings": "血压偏高" if health else "******",
    }


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_the_api_shows_each_role_exactly_its_kinds_and_logs_exactly_those(people, role):
    wang = people["wang"]
    user = user_in(role)
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(user)
    want = expected(role, wang)
    row = client.get(f"{CADRES}{wang.pk}/").json()
    fields = ["id_number", "birth_date", "age", "phone", "mobile", "address", "bedridden", "lives_alone"]
    assert {name: row[name] for name in fields} == {name: want[name] for name in fields}
    family = client.get(f"{CADRES}{wang.pk}/family/").json()
    assert [(m["phone"], m["address"]) for m in family] == [want["son"]]
    checks = client.get("/api/registry/health-checks/", {"cadre": wang.pk}).json()["results"]
    assert [c["findings"] for c in checks] == [want["findings"]]

    logged = {
        Role.CENTRE_ADMIN: [
            (user.username, "view", "api", "Cadre", [wang.pk], ["id_number", "phone", "mobile", "address"]),
            (user.username, "view", "api", "Cadre", [wang.pk], ["family.phone", "family.address"]),
            (user.username, "view", "api", "Cadre", [wang.pk], ["health_checks.findings"]),
        ],
        Role.CASEWORKER: [
            (user.username, "view", "api", "Cadre", [wang.pk], ["phone", "mobile", "address"]),
            (user.username, "view", "api", "Cadre", [wang.pk], ["family.phone", "family.address"]),
        ],
        Role.HEALTH_OFFICER: [
            (user.username, "view", "api", "Cadre", [wang.pk], ["phone", "mobile", "address"]),
            (user.username, "view", "api", "Cadre", [wang.pk], ["family.phone", "family.address"]),
            (user.username, "view", "api", "Cadre", [wang.pk], ["health_checks.findings"]),
        ],
        Role.VIEWER: [],
    }
    assert access_logs() == logged[role]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_the_admin_screens_show_each_role_exactly_its_kinds(people, role):
    wang = people["wang"]
    user = user_in(role)
    client = signed_in(user.username)
    want = expected(role, wang)
    page = f"{LIST}{wang.pk}/"

    basic = client.get(page).content.decode()
    if role == Role.CENTRE_ADMIN:
        assert "<dt>出生日期</dt><dd>1940-05-01</dd>" in basic
    else:
        assert f"<dt>年龄</dt><dd>{age(wang)}</dd>" in basic and "1940-05-01" not in basic and "出生日期" not in basic
    assert f"<dt>身份证号</dt><dd>{want['id_number']}</dd>" in basic
    assert f"<dt>电话</dt><dd>{want['phone']}</dd><" in basic
    assert f"<dt>手机</dt><dd>{want['mobile']}</dd>" in basic
    assert f"<dt>住址</dt><dd>{want['address']}</dd>" in basic
    assert ("长期卧床" in basic) is (want["bedridden"] is True)
    assert "独居" in basic
    family = client.get(page + "family/").content.decode()
    assert f"<td>{want['son'][0]}</td><td>{want['son'][1]}</td>" in family
    assert f"<td>{want['findings']}</td>" in client.get(page + "care/").content.decode()
    # The history names a hidden change without its values; a hidden yes/no condition is not even named.
    history = client.get(page + "history/").content.decode()
    assert ("长期卧床" in history) is (want["bedridden"] is True)

    listing = client.get(LIST, {"q": "wds"}).content.decode()
    assert f'<td class="registry-id">{want["id_number"]}</td>' in listing
    assert f'<td class="registry-mobile">{want["mobile"]}</td>' in listing
    assert ("长期卧床" in listing) is (want["bedridden"] is True)

    by_model = {}
    for username, _action, _channel, model, _ids, fields in access_logs():
        assert username == user.username
        by_model.setdefault(model, set()).update(fields)
    assert (
        by_model
        == {
            Role.CENTRE_ADMIN: {
                "Cadre": {"id_number", "phone", "mobile", "address"},
                "FamilyMember": {"phone", "address"},
                "HealthCheck": {"findings"},
            },
            Role.CASEWORKER: {"Cadre": {"phone", "mobile", "address"}, "FamilyMember": {"phone", "address"}},
            Role.HEALTH_OFFICER: {
                "Cadre": {"phone", "mobile", "address"},
                "FamilyMember": {"phone", "address"},
                "HealthCheck": {"findings"},
            },
            Role.VIEWER: {},
        }[role]
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_the_export_shows_each_role_exactly_its_kinds(people, role):
    wang = people["wang"]
    user = user_in(role, export=True)
    response = signed_in(user.username).get("/admin/registry/cadres/export/", {"rest_home": people["east"].pk})
    sheet = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    row = next(r for r in sheet[1:] if r[0] == "王德胜")
    want = expected(role, wang)
    identity = role == Role.CENTRE_ADMIN
    assert sheet[0][1:4] == ("身份证号", "性别", "出生日期" if identity else "年龄")
    assert row[1:4] == (want["id_number"], "男", dt.datetime(1940, 5, 1) if identity else age(wang))  # noqa: DTZ001 - as read
    assert row[8:11] == (want["phone"], want["mobile"], want["address"])
    assert (row[14], row[16]) == ("是", "是" if want["bedridden"] else "******")
    with schema_context("huangpu"):
        log = AccessLog.objects.get(action="export")
    contact = ["phone", "mobile", "address"] if role != Role.VIEWER else []
    assert log.fields == (["id_number"] if identity else []) + contact


def test_a_viewer_can_no_longer_rebuild_an_id_number(people):
    """The attack of the report: masked ID + full birth date + a yes/no ID search, in under 20 requests."""
    wang, zeng = people["wang"], people["zeng"]
    viewer = user_in(Role.VIEWER)
    admin_page = signed_in(viewer.username)
    api = client_for("huangpu")
    with schema_context("huangpu"):
        api.force_login(viewer)

    # 1. What is shown: the last character and the age; the birth date nowhere, on no screen or route.
    seen = (
        "".join(
            admin_page.get(url).content.decode() for url in (LIST, f"{LIST}{wang.pk}/", f"{LIST}{wang.pk}/history/")
        )
        + api.get(f"{CADRES}{wang.pk}/").content.decode()
    )
    for secret in ("1940-05-01", "19400501", "310101194005", "0113"):
        assert secret not in seen
    assert MASKED_ID in seen

    # 2. What that leaves: the sequence of 1,000, halved by gender, checked by the shown character. Even with the
    # region (the district) and the exact birthday known from elsewhere, 46 numbers fit; with the age alone, thousands.
    def fits(number: str) -> bool:
        return number[-1] == MASKED_ID[-1] and int(number[16]) % 2 == 1 and check_char(number[:17]) == number[-1]

    birthday_known = [f"31010119400501{s:03d}" for s in range(1000)]
    assert sum(fits(n + check_char(n)) for n in birthday_known) == 46
    today = timezone.localdate()
    days = [today - dt.timedelta(days=d) for d in range(366 * (age(wang) + 1))]
    window = [d for d in days if Cadre(birth_date=d).age_on(today) == age(wang)]
    candidates = sum(
        fits(first17 + check_char(first17))
        for first17 in (f"310101{d:%Y%m%d}{s:03d}" for d in window for s in range(1000))
    )
    assert candidates > 15_000

    # 3. And no search answers yes or no: the right number and a wrong one get the same refusal, on every route.
    wrong = resident_id_make("310101", dt.date(1940, 5, 2), 11)
    for number in (wang.id_number, wrong, zeng.id_number.lower()):
        response = api.get(CADRES, {"q": number})
        assert (response.status_code, response.json()) == (400, {"q": [NOT_ALLOWED]})
        page = admin_page.get(LIST, {"q": number})
        body = page.content.decode()
        assert page.status_code == 200 and NOT_ALLOWED in body
        assert "找到 0 位军休干部" in body and 'data-cadre="' not in body
    # Nor does an order by birth date rank people by it: ignored, the usual order (Zeng, born first, is second).
    ranked = api.get(CADRES, {"ordering": "birth_date"}).json()["results"]
    assert [row["name"] for row in ranked] == ["王德胜", "曾国平", "赵建华"]
    # A health condition is no filter either (the count would tell who is bedridden).
    response = api.get(CADRES, {"flags": "bedridden"})
    assert response.status_code == 400 and list(response.json()) == ["flags"]
    assert access_logs() == []


def test_an_id_search_is_for_identity_roles_logged_and_limited_per_user_and_centre(people):
    wang = people["wang"]
    admin = user_in(Role.CENTRE_ADMIN)
    api = client_for("huangpu")
    with schema_context("huangpu"):
        api.force_login(admin)
    page = signed_in(admin.username)
    missing = resident_id_make("310101", dt.date(1950, 1, 1), 99)
    assert [row["name"] for row in api.get(CADRES, {"q": wang.id_number}).json()["results"]] == ["王德胜"]
    assert api.get(CADRES, {"q": missing}).json()["count"] == 0
    assert 'data-cadre="' in page.get(LIST, {"q": wang.id_number}).content.decode()
    searches = [row for row in access_logs() if row[1] == "search"]
    assert searches == [
        ("hp-centre_admin", "search", "api", "Cadre", [wang.pk], ["id_number"]),
        ("hp-centre_admin", "search", "api", "Cadre", [], ["id_number"]),
        ("hp-centre_admin", "search", "admin", "Cadre", [wang.pk], ["id_number"]),
    ]
    for _ in range(ID_SEARCH_LIMIT.limit - 3):
        assert api.get(CADRES, {"q": missing}).status_code == 200
    # The 21st in the hour: refused before anything is looked up, in Chinese, on both routes, and not logged.
    with schema_context("huangpu"):
        before = AccessLog.objects.count()
    throttled = api.get(CADRES, {"q": wang.id_number})
    assert (throttled.status_code, throttled.json()) == (
        429,
        {"detail": "按身份证号查询过于频繁：每小时最多 20 次，请稍后再试。"},
    )
    listing = page.get(LIST, {"q": wang.id_number})
    assert listing.status_code == 429 and "每小时最多 20 次" in listing.content.decode()
    assert 'data-cadre="' not in listing.content.decode()
    with schema_context("huangpu"):
        assert AccessLog.objects.count() == before
    # Searching by name goes on; the counter is this centre's (the cache key carries the schema).
    assert api.get(CADRES, {"q": "wds"}).json()["count"] == 1
    with schema_context("putuo"):
        assert rate_limit_exceeded(limit=ID_SEARCH_LIMIT, ident=str(admin.pk)) is False
    with schema_context("huangpu"):
        assert rate_limit_exceeded(limit=ID_SEARCH_LIMIT, ident=str(admin.pk)) is True


def test_a_caseworker_sees_contact_data_of_their_own_cadres_only(people):
    liaison = user_in(Role.CASEWORKER)
    api = client_for("huangpu")
    with schema_context("huangpu"):
        api.force_login(liaison)
    rows = {row["name"]: row["mobile"] for row in api.get(CADRES).json()["results"]}
    assert rows == {"王德胜": "13812345678", "曾国平": ""}  # the east home's; Zhao (west) is not theirs
    assert api.get(f"{CADRES}{people['zhao'].pk}/").status_code == 404
    assert api.get(f"{CADRES}{people['zhao'].pk}/family/").status_code == 404


def test_a_field_one_cannot_see_cannot_be_written_either(people):
    """Else a write would answer whether a guess was right: the true value and a wrong one are refused alike."""
    wang = people["wang"]
    api = client_for("huangpu")
    with schema_context("huangpu"):
        api.force_login(user_in(Role.CASEWORKER))
    url = f"{CADRES}{wang.pk}/"
    wrong = resident_id_make("310101", dt.date(1940, 5, 2), 11)
    answers = {}
    for name, values in {
        "id_number": (wang.id_number, wrong),
        "birth_date": ("1940-05-01", "1940-05-02"),
        "bedridden": (True, False),
    }.items():
        answers[name] = {
            (response.status_code, response.content)
            for response in (api.patch(url, {name: v}, content_type="application/json") for v in values)
        }
    assert answers == {
        "id_number": {(400, '{"id_number":["您无权修改看不到的字段。"]}'.encode())},
        "birth_date": {(400, '{"birth_date":["您无权修改看不到的字段。"]}'.encode())},
        "bedridden": {(400, '{"bedridden":["您无权修改看不到的字段。"]}'.encode())},
    }
    # Sending back what one sees changes nothing and is accepted; what one may see (contact) is written.
    shown = api.get(url).json()
    response = api.patch(
        url,
        {**{k: shown[k] for k in ("id_number", "birth_date", "bedridden")}, "mobile": "13900009999"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    with schema_context("huangpu"):
        stored = Cadre.objects.get(pk=wang.pk)
        assert (stored.id_number, stored.birth_date, stored.bedridden, stored.mobile) == (
            "310101194005010113",
            dt.date(1940, 5, 1),
            True,
            "13900009999",
        )


def test_a_reception_date_tells_a_caseworker_nothing_about_the_birth_date(people):
    wang = people["wang"]
    liaison = user_in(Role.CASEWORKER)
    admin = user_in(Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        with pytest.raises(ValidationError) as refused:
            cadre_receive(cadre=wang, user=admin, received_on=dt.date(1940, 4, 30))
        assert refused.value.message_dict == {"received_on": ["接收日期不能早于出生日期（1940-05-01）。"]}
        # The day before and the day after the birthday are answered alike; only dates the age rules out are refused.
        for day in (dt.date(1940, 4, 30), dt.date(1940, 5, 2)):
            cadre_receive(cadre=wang, user=liaison, received_on=day)
            assert CadreReception.objects.get(cadre=wang).received_on == day
        earliest_shown = timezone.localdate().replace(year=timezone.localdate().year - age(wang) - 1)
        with pytest.raises(ValidationError) as refused:
            cadre_receive(cadre=wang, user=liaison, received_on=earliest_shown)
        assert refused.value.message_dict == {"received_on": ["接收日期不能早于出生日期。"]}


def _migration():
    return importlib.import_module("registry.migrations.0005_personal_data_by_kind")


def test_existing_centres_are_migrated_to_the_least_each_role_needs(centres):
    """A centre made before the split: every role group, a group of the admin's own and a user held the one
    permission; after the migration each role has its kinds, the others keep all three, the old one is gone."""
    kinds = ["view_contact_data", "view_health_data", "view_identity_data"]
    with schema_context("huangpu"):
        user = make_user("huangpu", "old-grant")
        cadre_type = Permission.objects.get(codename="view_all_cadres").content_type
        legacy = Permission.objects.create(codename="view_sensitive_data", name="old", content_type=cadre_type)
        own = Group.objects.create(name="档案室")
        groups = {role: role_group(role) for role in Role} | {"own": own}
        for group in groups.values():
            group.permissions.remove(*Permission.objects.filter(codename__in=kinds))
            group.permissions.add(legacy)
        user.user_permissions.add(legacy)

        _migration().personal_data_split(global_apps, None)

        def held(permissions) -> list[str]:
            return sorted(
                permissions.filter(
                    content_type__app_label="registry", codename__in=[*kinds, "view_sensitive_data"]
                ).values_list("codename", flat=True)
            )

        assert {str(key): held(group.permissions) for key, group in groups.items()} == {
            "centre_admin": kinds,
            "caseworker": ["view_contact_data"],
            "health_officer": ["view_contact_data", "view_health_data"],
            "viewer": [],
            "editor": [],
            "own": kinds,
        }
        assert held(user.user_permissions) == kinds
        assert not Permission.objects.filter(codename="view_sensitive_data").exists()


def test_the_centre_admin_grants_more_per_role_in_the_group_editor(people):
    """The three kinds show in Wagtail's group editor by their Chinese names; a grant takes effect at once."""
    with schema_context("huangpu"):
        make_user("huangpu", "hp-super", superuser=True)
        viewers = role_group(Role.VIEWER)
    client = signed_in("hp-super")
    page = client.get(f"/admin/groups/edit/{viewers.pk}/").content.decode()
    labels = [label.strip() for label in re.findall(r"可查看未遮蔽的[^<]*", page)]
    assert labels == [
        "可查看未遮蔽的联系方式（电话和地址）",
        "可查看未遮蔽的健康信息（体检异常情况、健康状况）",
        "可查看未遮蔽的身份信息（身份证号、完整出生日期）",
    ]
    with schema_context("huangpu"):
        viewers.permissions.add(Permission.objects.get(codename="view_health_data"))
    api = client_for("huangpu")
    with schema_context("huangpu"):
        api.force_login(user_in(Role.VIEWER))
    row = api.get(f"{CADRES}{people['wang'].pk}/").json()
    assert (row["bedridden"], row["mobile"], row["id_number"]) == (True, "138****5678", MASKED_ID)


def test_already_registered_is_an_id_answer_logged_and_limited_like_a_search(people):
    """Registering a cadre answers whether a number exists: counted against the ID-search limit and logged."""
    wang = people["wang"]
    liaison = user_in(Role.CASEWORKER)
    api = client_for("huangpu")
    with schema_context("huangpu"):
        api.force_login(liaison)
    payload = {"name": "孙立人", "id_number": wang.id_number, "level": "division", "kind": "lixiu"}
    payload["rest_home"] = people["east"].pk
    duplicate = api.post(CADRES, payload, content_type="application/json")
    assert (duplicate.status_code, duplicate.json()) == (400, {"id_number": ["该身份证号的军休干部已登记。"]})
    assert [row for row in access_logs() if row[1] == "search"] == [
        ("liaison", "search", "api", "Cadre", [wang.pk], ["id_number"])
    ]
    for _ in range(ID_SEARCH_LIMIT.limit - 1):
        assert api.post(CADRES, payload, content_type="application/json").status_code == 400
    with schema_context("huangpu"):
        logged = AccessLog.objects.filter(action="search").count()
    throttled = api.post(CADRES, payload, content_type="application/json")
    assert (throttled.status_code, throttled.json()) == (
        429,
        {"detail": "按身份证号查询过于频繁：每小时最多 20 次，请稍后再试。"},
    )
    with schema_context("huangpu"):
        assert (logged, AccessLog.objects.filter(action="search").count()) == (ID_SEARCH_LIMIT.limit,) * 2
        assert Cadre.objects.filter(name="孙立人").count() == 0
    # A new number still registers: the limit is on answers about existing numbers only.
    fresh_number = resident_id_make("310101", dt.date(1941, 7, 1), 51)
    fresh = api.post(CADRES, {**payload, "id_number": fresh_number}, content_type="application/json")
    assert fresh.status_code == 201

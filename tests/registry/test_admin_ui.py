"""The registry's Wagtail admin screens: list, search, masking per role, access log, scoping, history, facilities."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone
from django_tenants.utils import schema_context

from registry.admin_ui.facilities import facility_compliance
from registry.models import AccessLog, Cadre, FacilityRoom, FamilyMember, HealthCheck, RestHome
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user
from tests.registry.conftest import new_cadre

pytestmark = pytest.mark.django_db

LIST = "/admin/registry/cadres/"


def login(code: str, username: str, role: Role | None = None):
    make_user(code, username, groups=(role_group_name(role),) if role else ())
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def refused(response) -> bool:
    """Wagtail answers a missing permission by sending the user back to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def listed(response) -> list[str]:
    """Names of the cadres in a list page's table, in order."""
    assert response.status_code == 200
    return re.findall(r'<tr data-cadre="\d+">\s*<td><a href="[^"]+">([^<]+)</a>', response.content.decode())


def access_logs(code: str) -> list[tuple]:
    with schema_context(code):
        return list(
            AccessLog.objects.order_by("pk").values_list(
                "username", "action", "channel", "model", "record_ids", "fields"
            )
        )


def registry_menu(client) -> list[str] | None:
    """The labels of the 人员登记 submenu in the admin sidebar, or None when it is not shown."""
    page = client.get("/admin/").content.decode()
    props = json.loads(re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', page)[1])
    main_menu = next(m for m in props["modules"] if m["_type"] == "wagtail.sidebar.MainMenuModule")
    for item in main_menu["_args"][0]:
        if item["_args"][0]["name"] == "registry":
            assert item["_args"][0]["label"] == "人员登记"
            return [sub["_args"][0]["label"] for sub in item["_args"][1]]
    return None


def test_the_registry_menu_is_shown_only_with_registry_permissions(huangpu_people):
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    assert registry_menu(admin) == [
        "军休干部",
        "我的军休干部",
        "导入名册",
        "休养所",
        "工作人员",
        "活动用房与车辆",
        "跨区移交",
        "个人信息访问日志",
    ]
    caseworker = client_for("huangpu")
    caseworker.post("/admin/login/", {"username": "liaison", "password": PASSWORD})
    assert registry_menu(caseworker) == ["军休干部", "我的军休干部", "休养所", "工作人员", "活动用房与车辆"]
    viewer = login("huangpu", "hp-viewer", Role.VIEWER)
    assert registry_menu(viewer) == ["军休干部", "我的军休干部", "休养所", "工作人员", "活动用房与车辆", "跨区移交"]
    editor = login("huangpu", "hp-editor", Role.EDITOR)
    assert registry_menu(editor) is None
    assert refused(editor.get(LIST))
    assert refused(editor.get("/admin/registry/access-log/"))


def test_list_filters_and_search_by_name_pinyin_and_initials(huangpu_people):
    people = huangpu_people
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    assert listed(admin.get(LIST)) == ["王德胜", "曾国平", "赵建华"]  # by pinyin
    assert listed(admin.get(LIST, {"q": "wds"})) == ["王德胜"]
    assert listed(admin.get(LIST, {"q": "zengguo"})) == ["曾国平"]
    assert listed(admin.get(LIST, {"q": "建华"})) == ["赵建华"]
    assert listed(admin.get(LIST, {"rest_home": people["west"].pk})) == ["赵建华"]
    assert listed(admin.get(LIST, {"level": "regiment"})) == ["赵建华"]
    assert listed(admin.get(LIST, {"kind": "lixiu", "rest_home": people["east"].pk})) == ["王德胜", "曾国平"]
    assert listed(admin.get(LIST, {"flags": "lives_alone"})) == ["王德胜"]
    assert listed(admin.get(LIST, {"liaison": people["liaison"].pk})) == ["王德胜"]
    assert listed(admin.get(LIST, {"age_band": "90plus"})) == ["曾国平"]  # born 9 March 1935
    assert listed(admin.get(LIST, {"state": "deceased"})) == []
    response = admin.get(LIST, {"q": "wds"})
    assert "找到 1 位军休干部" in response.content.decode()


def test_export_and_import_links_carry_the_filter_or_are_left_out(huangpu_people):
    from django.urls import NoReverseMatch, reverse

    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    body = admin.get(LIST, {"q": "wds", "level": "division"}).content.decode()
    try:
        export = reverse("registry:cadre_export")
    except NoReverseMatch:
        assert "data-registry-export" not in body  # the export screen is not built yet
    else:
        assert f'href="{export}?q=wds&amp;level=division"' in body


def test_list_masks_personal_fields_per_role_and_logs_unmasked_views(huangpu_people):
    wang = huangpu_people["wang"]
    masked_id = "*" * 17 + wang.id_number[-1]
    viewer = login("huangpu", "hp-viewer", Role.VIEWER)
    body = viewer.get(LIST, {"q": "wds"}).content.decode()
    assert f'<td class="registry-id">{masked_id}</td>' in body
    assert '<td class="registry-mobile">138****5678</td>' in body
    assert wang.id_number not in body and "13812345678" not in body
    assert access_logs("huangpu") == []

    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    body = admin.get(LIST, {"q": "wds"}).content.decode()
    assert f'<td class="registry-id">{wang.id_number}</td>' in body
    assert '<td class="registry-mobile">13812345678</td>' in body
    assert access_logs("huangpu") == [("hp-admin", "view", "admin", "Cadre", [wang.pk], ["id_number", "mobile"])]


def test_cadre_page_masks_per_role_and_logs_each_unmasked_view(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        son = FamilyMember.objects.create(cadre=wang, name="王小明", relation="儿子", phone="13700001234")
        check = HealthCheck.objects.create(
            cadre=wang, year=2026, date=dt.date(2026, 4, 1), result="abnormal", findings="血压偏高"
        )
    page = f"/admin/registry/cadres/{wang.pk}/"

    viewer = login("huangpu", "hp-viewer", Role.VIEWER)
    basic = viewer.get(page).content.decode()
    assert "<dt>手机</dt><dd>138****5678</dd>" in basic
    assert "<dt>电话</dt><dd>021*****0000</dd>" in basic
    assert "<dt>住址</dt><dd>上海市黄浦区****</dd>" in basic
    assert f"<dt>身份证号</dt><dd>{'*' * 17}{wang.id_number[-1]}</dd>" in basic
    assert "<dt>独居</dt><dd>" not in basic and "独居" in basic
    assert "<td>137****1234</td>" in viewer.get(page + "family/").content.decode()
    assert "<td>******</td>" in viewer.get(page + "care/").content.decode()
    assert access_logs("huangpu") == []

    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    basic = admin.get(page).content.decode()
    assert "<dt>手机</dt><dd>13812345678</dd>" in basic
    assert "<dt>住址</dt><dd>上海市黄浦区南京东路100号</dd>" in basic
    assert f"<dt>身份证号</dt><dd>{wang.id_number}</dd>" in basic
    assert "<td>13700001234</td>" in admin.get(page + "family/").content.decode()
    assert "<td>血压偏高</td>" in admin.get(page + "care/").content.decode()
    assert admin.get(page + "trips/").status_code == 200
    assert admin.get(page + "archive/").status_code == 200
    assert admin.get(page + "nonsense/").status_code == 404
    assert access_logs("huangpu") == [
        ("hp-admin", "view", "admin", "Cadre", [wang.pk], ["address", "id_number", "mobile", "phone"]),
        ("hp-admin", "view", "admin", "FamilyMember", [son.pk], ["address", "phone"]),
        ("hp-admin", "view", "admin", "HealthCheck", [check.pk], ["findings"]),
    ]


def test_a_caseworker_gets_404_on_another_rest_homes_cadre_and_changes_nothing(huangpu_people):
    zhao = huangpu_people["zhao"]
    caseworker = client_for("huangpu")
    assert caseworker.post("/admin/login/", {"username": "liaison", "password": PASSWORD}).status_code == 302
    with schema_context("huangpu"):
        before = list(zhao.events.values_list("pgh_id", flat=True))
    assert caseworker.get(f"/admin/registry/cadres/{zhao.pk}/").status_code == 404
    assert caseworker.get(f"/admin/registry/cadres/{zhao.pk}/history/").status_code == 404
    assert caseworker.get(f"/admin/registry/cadres/{zhao.pk}/edit/").status_code == 404
    response = caseworker.post(f"/admin/registry/cadres/{zhao.pk}/edit/", {"name": "改名", "level": "division"})
    assert response.status_code == 404
    with schema_context("huangpu"):
        reloaded = Cadre.objects.get(pk=zhao.pk)
        assert (reloaded.name, reloaded.level) == ("赵建华", "regiment")
        assert list(zhao.events.values_list("pgh_id", flat=True)) == before
    assert listed(caseworker.get(LIST)) == ["王德胜", "曾国平"]
    assert listed(caseworker.get(LIST, {"q": "zjh"})) == []
    assert access_logs("huangpu") == [
        (
            "liaison",
            "view",
            "admin",
            "Cadre",
            [huangpu_people["wang"].pk, huangpu_people["zeng"].pk],
            ["mobile"],
        )
    ]


def edit_data(cadre: Cadre, **changes) -> dict:
    """The edit form's fields as the page would post them back, with changes."""
    data = {
        "name": cadre.name,
        "level": cadre.level,
        "kind": cadre.kind,
        "rest_home": cadre.rest_home_id or "",
        "liaison": cadre.liaison_id or "",
        "nursing_fee_status": cadre.nursing_fee_status,
        "medical_subsidy_status": cadre.medical_subsidy_status,
        "party_relation": cadre.party_relation,
        "service_needs": cadre.service_needs,
        **{flag: "on" for flag in ("lives_alone", "childless", "bedridden") if getattr(cadre, flag)},
    }
    for name in ("id_number", "phone", "mobile", "address"):
        data[name] = getattr(cadre, name)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_user_who_may_not_see_personal_fields_cannot_see_or_overwrite_them(huangpu_people):
    wang, zhao = huangpu_people["wang"], huangpu_people["zhao"]
    viewer = login("huangpu", "hp-viewer", Role.VIEWER)
    assert refused(viewer.get(f"/admin/registry/cadres/{wang.pk}/edit/"))
    assert refused(viewer.post(f"/admin/registry/cadres/{wang.pk}/edit/", edit_data(wang, mobile="")))
    # An editor of cadres without the "view sensitive data" permission gets a form without those fields.
    with schema_context("huangpu"):
        from django.contrib.auth.models import Permission

        clerk = make_user("huangpu", "hp-clerk", groups=(role_group_name(Role.VIEWER),))
        clerk.user_permissions.add(Permission.objects.get(codename="change_cadre"))
    clerk = client_for("huangpu")
    clerk.post("/admin/login/", {"username": "hp-clerk", "password": PASSWORD})
    form = clerk.get(f"/admin/registry/cadres/{zhao.pk}/edit/").content.decode()
    assert 'name="service_needs"' in form
    for name in ("id_number", "phone", "mobile", "address"):
        assert f'name="{name}"' not in form
    assert zhao.id_number not in form
    data = edit_data(zhao, service_needs="助浴", mobile="", address="", id_number="110101194005010011")
    assert clerk.post(f"/admin/registry/cadres/{zhao.pk}/edit/", data).status_code == 302
    with schema_context("huangpu"):
        reloaded = Cadre.objects.get(pk=zhao.pk)
        assert (reloaded.service_needs, reloaded.id_number) == ("助浴", zhao.id_number)
    assert access_logs("huangpu") == []


def test_history_tab_shows_who_when_and_old_to_new_with_hidden_personal_values(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        FamilyMember.objects.create(cadre=wang, name="王小明", relation="儿子")  # made with no user: 系统
    caseworker = client_for("huangpu")
    caseworker.post("/admin/login/", {"username": "liaison", "password": PASSWORD})
    form = caseworker.get(f"/admin/registry/cadres/{wang.pk}/edit/").content.decode()
    assert 'value="13812345678"' in form  # a caseworker may see their own cadres' personal data
    response = caseworker.post(
        f"/admin/registry/cadres/{wang.pk}/edit/",
        edit_data(wang, service_needs="助餐", mobile="13900002222", lives_alone=None, level="regiment"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/registry/cadres/{wang.pk}/"
    with schema_context("huangpu"):
        reloaded = Cadre.objects.get(pk=wang.pk)
        assert (reloaded.service_needs, reloaded.mobile, reloaded.lives_alone) == ("助餐", "13900002222", False)
        # One test is one transaction, so every event has the same time: spread them as they would happen.
        wang.events.filter(pgh_label="insert").update(pgh_created_at=dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC))
        apps.get_model("registry", "FamilyMemberEvent").objects.update(
            pgh_created_at=dt.datetime(2026, 1, 6, 1, 0, tzinfo=dt.UTC)
        )
        wang.events.filter(pgh_label="update").update(pgh_created_at=dt.datetime(2026, 2, 1, 2, 30, tzinfo=dt.UTC))

    viewer = login("huangpu", "hp-viewer", Role.VIEWER)
    body = viewer.get(f"/admin/registry/cadres/{wang.pk}/history/").content.decode()
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>", body)
    assert rows == [
        ("2026-02-01 10:30", "liaison", "修改", "军休干部"),  # shown in Asia/Shanghai
        ("2026-01-06 09:00", "系统", "新建", "家庭成员 王小明"),
        ("2026-01-05 09:00", "系统", "新建", "军休干部"),
    ]
    changes = re.findall(r'<li class="registry-change">([^<]+)</li>', body)
    assert changes == ["手机：已修改（已隐藏）", "级别：师级 → 团级以下", "独居：是 → 否", "服务需求：— → 助餐"]
    assert "13900002222" not in body and "13812345678" not in body
    assert access_logs("huangpu")[-1][0] == "liaison"  # the viewer's visit logged nothing

    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    body = admin.get(f"/admin/registry/cadres/{wang.pk}/history/").content.decode()
    assert "手机：13812345678 → 13900002222" in body
    assert access_logs("huangpu")[-1] == ("hp-admin", "view", "admin", "Cadre", [wang.pk], ["mobile"])


def test_a_cadre_is_added_through_the_form(huangpu_people):
    from registry.idcard import resident_id_make

    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    number = resident_id_make("310101", dt.date(1938, 5, 1), 51)
    data = {"name": "孙立人", "id_number": number, "level": "division", "kind": "lixiu", "party_relation": ""}
    data |= {"nursing_fee_status": "none", "medical_subsidy_status": "none"}
    response = admin.post("/admin/registry/cadres/add/", data)
    assert response.status_code == 302
    with schema_context("huangpu"):
        cadre = Cadre.objects.get(name="孙立人")
        assert (cadre.birth_date, cadre.name_initials, cadre.id_number) == (dt.date(1938, 5, 1), "slr", number)
    refused = admin.post("/admin/registry/cadres/add/", data | {"name": "孙二人", "id_number": number[:-1] + "0"})
    assert refused.status_code == 200
    with schema_context("huangpu"):
        assert not Cadre.objects.filter(name="孙二人").exists()


def test_my_cadres_are_those_of_my_rest_home_or_assigned_to_me(huangpu_people):
    caseworker = client_for("huangpu")
    caseworker.post("/admin/login/", {"username": "liaison", "password": PASSWORD})
    assert listed(caseworker.get("/admin/registry/cadres/mine/")) == ["王德胜", "曾国平"]
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    assert listed(admin.get("/admin/registry/cadres/mine/")) == []  # an admin without a staff profile has none
    assert listed(admin.get(LIST)) == ["王德胜", "曾国平", "赵建华"]


def test_list_queries_do_not_grow_with_the_number_of_cadres(huangpu_people, django_assert_max_num_queries):
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    admin.get(LIST)
    with django_assert_max_num_queries(30) as few:
        assert len(listed(admin.get(LIST))) == 3
    with schema_context("huangpu"):
        for seq in range(100, 160):
            new_cadre(f"测试{seq}", seq=seq, rest_home=huangpu_people["west"], liaison=huangpu_people["liaison"])
    admin.get(LIST)  # the connection back in the centre's search path, as before the first count
    with django_assert_max_num_queries(30) as many:
        assert len(listed(admin.get(LIST))) == 50
    assert len(many.captured_queries) == len(few.captured_queries) > 0, "no queries captured"


def test_access_log_is_browsed_and_filtered_by_centre_admins_only(huangpu_people):
    wang, zeng = huangpu_people["wang"], huangpu_people["zeng"]
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    admin.get(f"/admin/registry/cadres/{wang.pk}/")
    caseworker = client_for("huangpu")
    caseworker.post("/admin/login/", {"username": "liaison", "password": PASSWORD})
    caseworker.get(f"/admin/registry/cadres/{zeng.pk}/")  # nothing of their kind (contact) to show: not logged
    caseworker.get(f"/admin/registry/cadres/{wang.pk}/")
    assert refused(caseworker.get("/admin/registry/access-log/"))

    def logged(**query) -> list[str]:
        response = admin.get("/admin/registry/access-log/", query)
        assert response.status_code == 200
        return re.findall(r"<tr data-log=\"\d+\"><td>[^<]+</td><td>([^<]+)</td>", response.content.decode())

    assert logged() == ["liaison", "hp-admin"]
    assert logged(username="liaison") == ["liaison"]
    assert logged(action="export") == []
    assert logged(action="view", model="Cadre") == ["liaison", "hp-admin"]
    assert logged(model="HealthCheck") == []
    today = timezone.localdate().isoformat()
    assert logged(date_from=today, date_to=today) == ["liaison", "hp-admin"]
    assert logged(date_to="2000-01-01") == []
    body = admin.get("/admin/registry/access-log/", {"username": "liaison"}).content.decode()
    row = "<td>liaison</td><td>查看完整信息</td><td>管理后台</td><td>军休干部</td><td>1</td><td>住址、手机、电话</td>"
    assert row in body  # a liaison sees contact data only, so that is all that is logged


def test_facility_compliance_against_table_1():
    result = facility_compliance(
        cadre_count=120,
        building_area=Decimal("1150.00"),
        room_areas={"calligraphy": Decimal("40"), "meeting": Decimal("150.5"), "archive": Decimal("20")},
    )
    assert (result.band, result.area_per_cadre, result.area_ok) == (1, Decimal("9.58"), False)
    assert [(r.room_type, r.area, r.minimum, r.ok) for r in result.rooms] == [
        ("calligraphy", Decimal("40"), 36, True),
        ("chess", Decimal("0"), 24, False),
        ("gym", Decimal("0"), 36, False),
        ("computer", Decimal("0"), 24, False),
        ("archive", Decimal("20"), 20, True),
        ("honour", Decimal("0"), 24, False),
        ("meeting", Decimal("150.5"), 160, False),
        ("reading", Decimal("0"), 36, False),
    ]
    assert result.rooms_short == 6
    assert [
        facility_compliance(cadre_count=n, building_area=Decimal(0), room_areas={}).band
        for n in (0, 49, 50, 100, 101, 300, 301, 5000)
    ] == [None, None, 0, 0, 1, 1, 2, 2]
    small = facility_compliance(cadre_count=30, building_area=Decimal("300"), room_areas={})
    assert (small.rooms[0].minimum, small.rooms[0].ok, small.area_per_cadre, small.area_ok) == (
        None,
        None,
        Decimal("10.00"),
        True,
    )
    assert facility_compliance(cadre_count=0, building_area=Decimal("100"), room_areas={}).area_per_cadre is None


def test_facilities_page_shows_the_centres_compliance(huangpu_people):
    with schema_context("huangpu"):
        RestHome.objects.filter(pk=huangpu_people["east"].pk).update(building_area=Decimal("20"))
        RestHome.objects.filter(pk=huangpu_people["west"].pk).update(building_area=Decimal("12.5"))
        FacilityRoom.objects.create(rest_home=huangpu_people["east"], room_type="reading", floor_area=Decimal("30"))
        FacilityRoom.objects.create(rest_home=huangpu_people["west"], room_type="reading", floor_area=Decimal("25"))
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    body = admin.get("/admin/registry/facilities/").content.decode()
    assert "服务军休干部 3 人，规模档次：50 人以下（按需设置）" in body
    assert '<tr data-room="reading"><td>阅览室</td><td>55.00</td>' in body
    assert "建筑面积 32.50 平方米，军休干部 3 人" in body
    assert "人均 10.83 平方米" in body and "达到 10 平方米的要求" in body
    assert client_for("putuo").get("/admin/registry/facilities/").status_code == 302  # not logged in there


def test_putuos_admin_never_sees_huangpus_cadres(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("putuo"):
        qian = new_cadre("钱普陀", seq=61, area="310107")
    putuo = login("putuo", "putuo-admin", Role.CENTRE_ADMIN)
    assert listed(putuo.get(LIST)) == ["钱普陀"]
    assert listed(putuo.get(LIST, {"q": "wds"})) == []
    assert listed(putuo.get(LIST, {"q": "王德胜"})) == []
    assert listed(putuo.get(LIST, {"q": wang.id_number})) == []
    for tab in ("", "family/", "care/", "history/", "edit/"):
        response = putuo.get(f"/admin/registry/cadres/{wang.pk}/{tab}")
        # ids are per schema: the same number is putuo's own cadre or nobody, never huangpu's
        assert response.status_code == (200 if wang.pk == qian.pk else 404)
        assert "王德胜" not in response.content.decode()
    assert putuo.get("/admin/registry/access-log/").status_code == 200
    huangpu_admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    huangpu_admin.get(f"/admin/registry/cadres/{wang.pk}/")
    assert "hp-admin" not in putuo.get("/admin/registry/access-log/").content.decode()
    body = putuo.get("/admin/registry/facilities/").content.decode()
    assert "服务军休干部 1 人" in body


def test_rest_home_staff_room_and_vehicle_screens_are_per_centre(huangpu_people):
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    homes = admin.get("/admin/registry_rest_homes/").content.decode()
    assert "东休养所" in homes and "西休养所" in homes
    staff = admin.get("/admin/registry_staff/").content.decode()
    assert "李联络" in staff and "13900001111" not in staff  # staff phones stay out of the generic screens
    assert admin.get("/admin/registry_rooms/").status_code == 200
    assert admin.get("/admin/registry_vehicles/").status_code == 200
    form = admin.get("/admin/registry/cadres/add/").content.decode()
    assert 'name="id_number"' in form and 'name="service_needs"' in form
    putuo = login("putuo", "putuo-admin", Role.CENTRE_ADMIN)
    assert "东休养所" not in putuo.get("/admin/registry_rest_homes/").content.decode()
    assert "李联络" not in putuo.get("/admin/registry_staff/").content.decode()
    assert putuo.get(f"/admin/registry_rest_homes/edit/{huangpu_people['east'].pk}/").status_code == 404


def test_the_cadre_page_links_the_lifecycle_screens_by_permission(huangpu_people):
    wang = huangpu_people["wang"]
    admin = login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    body = admin.get(f"/admin/registry/cadres/{wang.pk}/").content.decode()
    assert f'href="/admin/registry/cadres/{wang.pk}/edit/">编辑</a>' in body
    assert f'href="/admin/registry/lifecycle/cadres/{wang.pk}/receive/">接收登记</a>' in body
    viewer = login("huangpu", "hp-viewer", Role.VIEWER)
    body = viewer.get(f"/admin/registry/cadres/{wang.pk}/").content.decode()
    assert "/edit/" not in body and f"/lifecycle/cadres/{wang.pk}/" not in body

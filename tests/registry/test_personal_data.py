"""Personal data is encrypted at rest, found by keyed hash, masked unless permitted, and history is kept."""

import datetime as dt

import pghistory
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django_tenants.utils import schema_context

from registry.models import Cadre, FamilyMember
from registry.selectors import (
    access_cadre_by_id,
    cadre_by_id_number,
    cadre_search,
    cadre_visible_queryset,
    personal_value,
)
from registry.services import cadre_update
from tenants.roles import Role, role_group_name
from tenants.services import centre_create
from tests.conftest import make_user
from tests.registry.conftest import new_cadre

pytestmark = pytest.mark.django_db


def test_a_raw_select_shows_no_plaintext(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        FamilyMember.objects.create(cadre=wang, name="王小明", relation="儿子", phone="13700001234")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id_number, phone, mobile, address, id_hash FROM registry_cadre WHERE id = %s", [wang.pk]
            )
            raw = " ".join(cursor.fetchone())
            cursor.execute("SELECT phone FROM registry_familymember")
            raw += cursor.fetchone()[0]
        assert wang.id_number not in raw
        assert "63210000" not in raw and "13812345678" not in raw and "南京东路" not in raw
        assert "13700001234" not in raw
        reloaded = Cadre.objects.get(pk=wang.pk)
        assert (reloaded.id_number, reloaded.mobile) == (wang.id_number, "13812345678")
        assert cadre_by_id_number(wang.id_number.lower()) == wang


def test_the_same_id_number_cannot_be_registered_twice(huangpu_people):
    with schema_context("huangpu"):
        before = Cadre.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            new_cadre("王德胜", seq=11)
        assert "已登记" in str(excinfo.value)
        assert Cadre.objects.count() == before


def test_search_by_name_pinyin_initials_and_id(huangpu_people):
    with schema_context("huangpu"):
        everyone = Cadre.objects.all()
        assert [c.name for c in cadre_search(everyone, "wds")] == ["王德胜"]
        assert [c.name for c in cadre_search(everyone, "WangDe")] == ["王德胜"]
        assert [c.name for c in cadre_search(everyone, "zgp")] == ["曾国平"]  # 曾 as a surname is zeng
        assert [c.name for c in cadre_search(everyone, "建华")] == ["赵建华"]
        number = huangpu_people["zhao"].id_number
        assert [c.name for c in cadre_search(everyone, number, by_id_number=True)] == ["赵建华"]
        # Only the permitted, limited and logged ID search (services.cadre_id_search) looks a number up.
        assert list(cadre_search(everyone, number)) == []


def test_masked_unless_permitted(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        viewer = make_user("huangpu", "viewer", groups=(role_group_name(Role.VIEWER),))
        admin = make_user("huangpu", "centre-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        masked = personal_value(obj=wang, field="id_number", user=viewer)
        assert masked == "*" * 17 + wang.id_number[-1]
        assert personal_value(obj=wang, field="mobile", user=viewer) == "138****5678"
        assert personal_value(obj=wang, field="address", user=viewer) == "上海市黄浦区****"
        assert personal_value(obj=wang, field="mobile", user=admin) == "13812345678"


def test_a_caseworker_sees_only_their_rest_home_and_their_own_cadres(huangpu_people):
    people = huangpu_people
    with schema_context("huangpu"):
        liaison = people["liaison"].user
        assert sorted(c.name for c in cadre_visible_queryset(user=liaison)) == ["曾国平", "王德胜"]
        assert access_cadre_by_id(user=liaison, id=people["wang"].pk) == people["wang"]
        with pytest.raises(Http404):
            access_cadre_by_id(user=liaison, id=people["zhao"].pk)
        with pytest.raises(Http404):
            access_cadre_by_id(user=liaison, id=999999)
        editor = make_user("huangpu", "editor", groups=(role_group_name(Role.EDITOR),))
        assert list(cadre_visible_queryset(user=editor)) == []  # denied unless granted


def test_every_change_is_kept_with_who_and_old_and_new(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        user = huangpu_people["liaison"].user
        with pghistory.context(user=user.pk, url="/test"):
            cadre_update(cadre=wang, lives_alone=False, service_needs="助餐")
        events = list(wang.events.order_by("pgh_id"))
        assert [e.pgh_label for e in events] == ["insert", "update"]
        assert (events[0].lives_alone, events[1].lives_alone) == (True, False)
        assert events[1].service_needs == "助餐"
        assert events[1].pgh_context.metadata == {"user": user.pk, "url": "/test"}


def test_history_triggers_work_in_a_centre_cloned_from_the_template(centres):
    centre_create(code="jingan", name="静安区军休中心")
    with schema_context("jingan"):
        cadre = new_cadre("钱学礼", seq=41, born=dt.date(1938, 1, 2))
        cadre_update(cadre=cadre, rank="大校")
        assert [e.pgh_label for e in cadre.events.order_by("pgh_id")] == ["insert", "update"]


def test_a_huangpu_cadre_is_invisible_in_putuo(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("putuo"):
        assert Cadre.objects.count() == 0
        assert cadre_by_id_number(wang.id_number) is None

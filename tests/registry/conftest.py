"""Registry fixtures: rest homes, staff with logins in each role, cadres made through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from registry.idcard import resident_id_make
from registry.models import RestHome, Staff
from registry.services import cadre_create
from tenants.roles import Role, role_group_name
from tests.conftest import make_user


def new_cadre(name: str, *, seq: int, born: dt.date = dt.date(1940, 5, 1), area: str = "310101", **fields):
    return cadre_create(
        name=name,
        id_number=resident_id_make(area, born, seq),
        level=fields.pop("level", "division"),
        kind=fields.pop("kind", "lixiu"),
        **fields,
    )


@pytest.fixture
def huangpu_people(centres):
    """Two rest homes, a liaison in the first, and three cadres (two in the first home, one in the second)."""
    with schema_context("huangpu"):
        east, west = RestHome.objects.create(name="东休养所"), RestHome.objects.create(name="西休养所")
        liaison_user = make_user("huangpu", "liaison", groups=(role_group_name(Role.CASEWORKER),))
        with schema_context("huangpu"):
            liaison = Staff.objects.create(user=liaison_user, name="李联络", rest_home=east, phone="13900001111")
            wang = new_cadre(
                "王德胜",
                seq=11,
                rest_home=east,
                liaison=liaison,
                phone="021-63210000",
                mobile="13812345678",
                address="上海市黄浦区南京东路100号",
                lives_alone=True,
            )
            zeng = new_cadre("曾国平", seq=21, rest_home=east, born=dt.date(1935, 3, 9))
            zhao = new_cadre("赵建华", seq=31, rest_home=west, level="regiment", kind="tuixiu")
        return {"east": east, "west": west, "liaison": liaison, "wang": wang, "zeng": zeng, "zhao": zhao}

"""Synthetic demo people: valid, varied, reproducible, idempotent, fast, and only in the centre they were made in."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from registry.crypto import lookup_hash
from registry.demo import REST_HOMES, _rng, demo_registry_create
from registry.idcard import resident_id_parse, shanghai_area_codes
from registry.models import Cadre, FamilyMember, HealthCheck, RestHome, Staff, TripAbroad
from registry.pinyin import name_search_keys
from registry.selectors import cadre_visible_queryset

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (RestHome, Staff, Cadre, FamilyMember, TripAbroad, HealthCheck)
    }


def test_demo_people_are_valid_and_varied(centres):
    with schema_context("huangpu"):
        assert demo_registry_create(cadres=400, seed=7) == 400
        homes = _rng("rest-homes:7").randint(3, 5)
        assert list(RestHome.objects.values_list("name", flat=True)) == sorted(REST_HOMES[:homes])
        assert Staff.objects.filter(role="liaison").count() == 2 * homes
        assert Staff.objects.filter(role="medical").count() == homes
        cadres = list(Cadre.objects.all())
        assert len(cadres) == 400
        for cadre in cadres:
            parsed = resident_id_parse(cadre.id_number)
            assert parsed.number == cadre.id_number
            assert parsed.area_code in shanghai_area_codes()
            assert (parsed.birth_date, parsed.gender) == (cadre.birth_date, cadre.gender)
            assert dt.date(1925, 1, 1) <= cadre.birth_date <= dt.date(1960, 12, 31)
            assert cadre.id_hash == lookup_hash(cadre.id_number)
            assert (cadre.name_pinyin, cadre.name_initials) == name_search_keys(cadre.name)
            assert 2 <= len(cadre.name) <= 3
            assert cadre.rest_home_id is not None and cadre.liaison.rest_home_id == cadre.rest_home_id
        assert len({c.id_number for c in cadres}) == 400
        share = {flag: sum(getattr(c, flag) for c in cadres) / 400 for flag in ("lives_alone", "bedridden")}
        assert 0.10 <= share["lives_alone"] <= 0.20
        assert 0.01 <= share["bedridden"] <= 0.10
        assert {c.level for c in cadres} == {"division", "regiment", "nco"}
        assert {c.kind for c in cadres} == {"lixiu", "tuixiu"}
        assert FamilyMember.objects.count() > 400
        assert 0 < TripAbroad.objects.count() < 80
        assert HealthCheck.objects.filter(result="abnormal").exclude(findings="").exists()
        assert all(c.deceased_on for c in cadres if c.state == "deceased")


def test_running_again_adds_nothing_and_a_larger_run_adds_only_the_rest(centres):
    with schema_context("huangpu"):
        assert demo_registry_create(cadres=50) == 50
        first = counts()
        names = list(Cadre.objects.order_by("id_hash").values_list("name", "id_hash"))
        assert demo_registry_create(cadres=50) == 0
        assert counts() == first
        assert demo_registry_create(cadres=80) == 30
        assert Cadre.objects.count() == 80
        assert set(names) <= set(Cadre.objects.values_list("name", "id_hash"))
        assert counts()["RestHome"] == first["RestHome"]
        assert counts()["Staff"] == first["Staff"]


def test_demo_people_stay_in_their_centre(centres):
    with schema_context("putuo"):
        putuo = counts()
    with schema_context("huangpu"):
        demo_registry_create(cadres=30)
    with schema_context("putuo"):
        assert counts() == putuo
        assert Cadre.objects.count() == 0


def test_seed_demo_fills_the_chosen_centre_and_links_the_demo_users(centres, capsys):
    call_command("seed_demo", "--centre", "huangpu", "--cadres", "40", "--no-history")
    with schema_context("huangpu"):
        first = counts()
        assert first["Cadre"] == 40
        liaison = get_user_model().objects.get(username="liaison")
        staff = Staff.objects.get(user=liaison)
        assert (staff.role, staff.rest_home.name) == ("liaison", "第一休养所")
        mine = cadre_visible_queryset(user=liaison)
        assert mine.count() == Cadre.objects.filter(rest_home=staff.rest_home).count() > 0
        # The demo liaison answers for every cadre of that home, so their worklist has real work.
        assert Cadre.objects.filter(liaison=staff).count() == mine.count()
        assert Staff.objects.get(user__username="admin").role == "head"
    with schema_context("putuo"):
        assert Cadre.objects.count() == 0
        assert not Staff.objects.filter(user__username="liaison").exists()
    assert "黄浦区军休中心：新增 40 名演示军休干部" in capsys.readouterr().out

    call_command("seed_demo", "--centre", "huangpu", "--cadres", "40", "--no-history")
    with schema_context("huangpu"):
        assert counts() == first


def test_seed_demo_refuses_an_unknown_centre(centres):
    with pytest.raises(CommandError, match="nowhere"):
        call_command("seed_demo", "--centre", "nowhere")
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 0


def test_demo_people_never_contradict_themselves(centres):
    """The rules written above registry.demo._consistent, over 400 people."""
    with schema_context("huangpu"):
        demo_registry_create(cadres=400, seed=7)
        cadres = list(Cadre.objects.select_related("rest_home"))
        members = [c for c in cadres if c.party_member]
        assert 0 < len(members) < len(cadres)
        assert {c.party_relation for c in members} == {"here", "letter", "elsewhere"}
        assert [c.name for c in members if c.party_relation == ""] == []  # 党员 "是" beside 组织关系 "非党员"
        assert [c.name for c in cadres if not c.party_member and (c.party_relation or c.party_branch)] == []
        assert all(c.party_branch == f"{c.rest_home.name}党支部" for c in members if c.party_relation != "elsewhere")
        assert [c.name for c in cadres if c.kind == "lixiu" and c.birth_date.year > 1935] == []
        assert [c.name for c in cadres if c.level == "nco" and c.birth_date.year < 1950] == []
        assert [c.name for c in cadres if c.state == "abroad" and c.in_care_home] == []
        assert [c.name for c in cadres if c.in_care_home and c.lives_alone] == []
        cared_for = [c for c in cadres if c.bedridden or c.disabled or c.dementia]
        assert [c.name for c in cadres if c not in cared_for and c.nursing_fee_status != "none"] == []
        assert TripAbroad.objects.filter(cadre__bedridden=True).count() == 0
        died = {c.pk: c.deceased_on for c in cadres if c.deceased_on}
        assert [t.pk for t in TripAbroad.objects.filter(cadre_id__in=died) if t.returned_on >= died[t.cadre_id]] == []
        assert HealthCheck.objects.exclude(cadre__state="active").count() == 0

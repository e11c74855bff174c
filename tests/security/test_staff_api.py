"""Issue 13, defect 9: the staff API is scoped to the user's rest home and masks phones by role."""

import pytest
from django_tenants.utils import schema_context

from registry.models import AccessLog, Staff
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user
from tests.registry.conftest import huangpu_people  # noqa: F401 - the registry fixture

pytestmark = pytest.mark.django_db

STAFF = "/api/registry/staff/"


def api_client(code: str, user):
    client = client_for(code)
    with schema_context(code):
        client.force_login(user)
    return client


def access_logs(code: str) -> list[tuple]:
    with schema_context(code):
        return list(
            AccessLog.objects.order_by("pk").values_list("username", "channel", "model", "record_ids", "fields")
        )


@pytest.fixture
def people(huangpu_people):  # noqa: F811
    """Besides the liaison of the east home: a colleague in the east home, one in the west, one in putuo."""
    with schema_context("huangpu"):
        east_mate = Staff.objects.create(name="陈同事", rest_home=huangpu_people["east"], phone="13900002222")
        west_mate = Staff.objects.create(name="周西所", rest_home=huangpu_people["west"], phone="13900003333")
    with schema_context("putuo"):
        other = Staff.objects.create(name="普陀人", phone="13900004444")
    return huangpu_people | {"east_mate": east_mate, "west_mate": west_mate, "putuo_staff": other}


def rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    return sorted((s["name"], s["phone"]) for s in response.json()["results"])


def test_a_liaison_lists_only_the_staff_of_their_rest_home_with_masked_phones(people):
    client = api_client("huangpu", people["liaison"].user)
    assert rows(client.get(STAFF)) == [("李联络", "139****1111"), ("陈同事", "139****2222")]
    assert rows(client.get(STAFF, {"rest_home": people["west"].pk})) == []
    assert client.get(f"{STAFF}{people['east_mate'].pk}/").json()["phone"] == "139****2222"
    assert access_logs("huangpu") == []


def test_a_liaison_gets_the_same_404_for_another_homes_staff_and_a_missing_one(people):
    client = api_client("huangpu", people["liaison"].user)
    forbidden = client.get(f"{STAFF}{people['west_mate'].pk}/")
    missing = client.get(f"{STAFF}999999/")
    assert (forbidden.status_code, missing.status_code) == (404, 404)
    assert forbidden.json() == missing.json()
    assert access_logs("huangpu") == []


def test_the_centre_admin_lists_all_the_centres_staff_unmasked_and_it_is_logged(people):
    admin = make_user("huangpu", "centre-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    response = api_client("huangpu", admin).get(STAFF)
    assert rows(response) == [("周西所", "13900003333"), ("李联络", "13900001111"), ("陈同事", "13900002222")]
    ids = sorted(p.pk for p in (people["liaison"], people["east_mate"], people["west_mate"]))
    assert access_logs("huangpu") == [("centre-admin", "api", "Staff", ids, ["phone"])]


def test_another_centres_staff_never_appear(people):
    admin = make_user("huangpu", "centre-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    client = api_client("huangpu", admin)
    assert "普陀人" not in {s["name"] for s in client.get(STAFF).json()["results"]}
    liaison = api_client("huangpu", people["liaison"].user)
    assert "普陀人" not in {s["name"] for s in liaison.get(STAFF).json()["results"]}
    putuo_admin = make_user("putuo", "putuo-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    putuo = api_client("putuo", putuo_admin)
    assert rows(putuo.get(STAFF)) == [("普陀人", "13900004444")]

"""A request to the centre the connection is already in sends no `SET search_path`; any other centre, or the same
after a rollback (which undoes a SET), sends it again, and every request reads its own centre (issue 14 §2)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from forms_engine.services import form_create
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(centres, settings):
    """Per centre: a client with a centre admin's token, and one form titled after the centre."""
    settings.JUNXIU_HOST_CACHE_SECONDS = 60
    found = {}
    for code in ("huangpu", "putuo"):
        user = make_user(code, f"{code}-reader", groups=(role_group_name(Role.CENTRE_ADMIN),))
        with schema_context(code):
            form_create(title=f"{code} 登记", key=f"{code}-intake", purpose="visit")
            key = Token.objects.create(user=user).key
        found[code] = (client_for(code), {"HTTP_AUTHORIZATION": f"Token {key}"})
    return found


def test_the_search_path_is_set_when_the_centre_changes_or_a_rollback_undid_it(readers):
    def read(code: str) -> tuple[int, list[str]]:
        client, token = readers[code]
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/forms/", **token)
        assert response.status_code == 200
        sets = sum(q["sql"].startswith("SET search_path") for q in queries.captured_queries)
        return sets, [form["key"] for form in response.json() if form["key"].endswith("-intake")]

    read("huangpu"), read("putuo")  # each host's centre read once from public (and then kept by the process)
    seen = [read("huangpu"), read("huangpu"), read("putuo"), read("putuo"), read("huangpu")]
    transaction.savepoint_rollback(transaction.savepoint())  # a rollback undoes any SET made since: it is forgotten
    seen += [read("huangpu"), read("huangpu")]

    assert seen == [
        (1, ["huangpu-intake"]),
        (0, ["huangpu-intake"]),
        (1, ["putuo-intake"]),
        (0, ["putuo-intake"]),
        (1, ["huangpu-intake"]),
        (1, ["huangpu-intake"]),
        (0, ["huangpu-intake"]),
    ]

"""schemathesis against both OpenAPI schemas (a centre's and the bureau's): no server error, every answer as the
schema says (status codes, content types, bodies), invalid input refused, authentication enforced, and a centre's
token and ids worthless at another centre.

Runs through Django's real WSGI handler (so every middleware, the tenant's host lookup included) inside the test's
transaction; the number of examples per operation is bounded and derandomized, so a run is reproducible.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from forms_engine.models import FormDefinition, Submission
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.models import Cadre, RestHome, Staff, TripAbroad
from registry.models import HealthCheck as CheckUp
from registry.services import cadre_create
from reports.roles import BureauRole, bureau_role_grant
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, host, make_user
from tests.security.conftest import SCHEMATHESIS

pytestmark = pytest.mark.django_db

# Enough to find the shapes and refusals the schema gets wrong, small enough for `make test` (well under 90 s).
EXAMPLES = int(os.environ.get("JUNXIU_SCHEMATHESIS_EXAMPLES", "4"))
CENTRE_API = r"^/api/(registry|forms|v2|token)/"  # not /admin/api/: the Wagtail admin's own, by session only
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure report names the request as sent
)
NOT_FOUND, BAD_TOKEN = "未找到。", "认证令牌无效。"  # DRF's own messages, in Chinese
# Tables whose ids the other centre's objects must not share, so that "404 through centre A" means isolation.
OBJECT_MODELS = [RestHome, Staff, Cadre, TripAbroad, CheckUp, FormDefinition, Submission]


class TransactionWSGI:
    """Django's WSGI handler kept on the test's connection and transaction (as Django's test client does)."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi_app():
    return TransactionWSGI()


def centre_data(code: str, *, tag: str) -> dict:
    """A rest home, a staff member, a cadre with a trip and a health check, a form with a submission; a centre
    admin with an API token."""
    with schema_context(code):
        home = RestHome.objects.create(name=f"{tag}休养所")
        staff = Staff.objects.create(name=f"{tag}联络", rest_home=home, phone="13900001111")
        cadre = cadre_create(
            name=f"{tag}德胜",
            id_number=resident_id_make("310101", dt.date(1935, 5, 6), 11),
            level="division",
            kind="lixiu",
            rest_home=home,
            liaison=staff,
        )
        trip = TripAbroad.objects.create(cadre=cadre, destination="日本", departs_on=dt.date(2026, 3, 1))
        check = CheckUp.objects.create(cadre=cadre, year=2026, date=dt.date(2026, 4, 1), institution="瑞金医院")
        form = form_create(title=f"{tag}来访登记", key=f"{code}-visits", purpose="visit")
        form_field_add(form=form, name="visitor", field_type="text", label="来访人", required=True, max_length=20)
        form_field_add(form=form, name="age", field_type="integer", label="年龄", min_value=0, max_value=130)
        form_publish(form=form)
        submission = submission_create(form=form, data={"visitor": "张三", "age": 80}, cadre=cadre)
        user = make_user(code, f"{code}-api-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        token = Token.objects.create(user=user).key
    return {
        "user": user,
        "token": token,
        "rest-homes": home.pk,
        "staff": staff.pk,
        "cadres": cadre.pk,
        "trips": trip.pk,
        "health-checks": check.pk,
        "form": form.key,
        "submission": submission.pk,
    }


def _ids_past(code: str, other: str) -> None:
    """Start `code`'s ids after every id `other` has, so no object of one centre shares an id with the other."""
    for model in OBJECT_MODELS:
        table = model._meta.db_table
        with schema_context(other):
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with schema_context(code), connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, top + 1000])


@pytest.fixture
def two_centres(centres):
    """huangpu (the one under test) and putuo, whose objects' ids huangpu never has."""
    huangpu = centre_data("huangpu", tag="黄")
    _ids_past("putuo", "huangpu")
    return {"huangpu": huangpu, "putuo": centre_data("putuo", tag="普")}


def raw_schema(code: str | None, user) -> dict:
    client = client_for(code)
    client.force_login(user)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def loaded(raw: dict, app, *, code: str | None, token: str):
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    schema.config.update(base_url=f"http://{host(code)}", headers={"Authorization": f"Token {token}"})
    return schema


def counted(ctx, response, case):
    """Counts each case (and each server error) for the run's summary line."""
    SCHEMATHESIS["cases"] += 1
    SCHEMATHESIS["server_errors"] += response.status_code >= 500
    return None


def rejects_invalid_input(ctx, response, case):
    """negative_data_rejection, except for a query parameter merely given twice (Django reads the last one) or
    given empty (an optional filter left blank, as an HTML form sends it, is no filter)."""
    data = case.meta.phase.data if case.meta else None
    if data is not None and data.parameter_location == ParameterLocation.QUERY:
        names = [data.parameter] if data.parameter else [m.parameter for m in data.mutations]
        if names and all(case.query.get(name) == "" or isinstance(case.query.get(name), list) for name in names):
            return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    rejects_invalid_input,
    ignored_auth,
    use_after_free,
    ensure_resource_availability,
]


def call_and_check(case, *, extra=()):
    """Send one case to the schema's host (the WSGI transport needs it spelled out) and run the checks."""
    case.call_and_validate(base_url=case.operation.base_url, checks=[counted, *CHECKS, *extra])


def requires_credentials(operation) -> bool:
    """Whether the schema says the operation needs credentials (the content API is public: `{}` among its options)."""
    return {} not in operation.definition.raw.get("security", [{}])


def other_centre_refuses_the_token(ctx, response, case):
    """The same request with the same token at another centre's host is refused: tokens live in one schema."""
    if not 200 <= response.status_code < 300 or not requires_credentials(case.operation):
        return None
    elsewhere = case.call(base_url=f"http://{host('putuo')}")
    SCHEMATHESIS["cases"] += 1
    assert elsewhere.status_code == 401, f"{case.method} {case.formatted_path} at putuo: {elsewhere.status_code}"
    return True


@pytest.fixture
def centre_schema(two_centres, wsgi_app):
    huangpu = two_centres["huangpu"]
    with schema_context("huangpu"):
        raw = raw_schema("huangpu", huangpu["user"])
    return loaded(raw, wsgi_app, code="huangpu", token=huangpu["token"]).include(path_regex=CENTRE_API)


@pytest.fixture
def bureau_schema(centres, wsgi_app, django_user_model):
    user = django_user_model.objects.create_user(username="api-analyst")
    bureau_role_grant(user=user, role=BureauRole.ANALYST)
    token = Token.objects.create(user=user).key
    return loaded(raw_schema(None, user), wsgi_app, code=None, token=token)


def run_schema(schema, *, extra=()) -> list[str]:
    """Every operation, valid and invalid input, EXAMPLES cases each; the failures, one line block each."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @HYPOTHESIS
            @given(case=operation.as_strategy(generation_mode=mode))
            def one(case):
                call_and_check(case, extra=extra)

            try:
                one()
            except Unsatisfiable:
                continue  # nothing to make invalid: no parameters and no body
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures reported at once
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


def test_a_centres_api_answers_as_its_schema_says(centre_schema):
    failures = run_schema(centre_schema, extra=[other_centre_refuses_the_token])
    assert failures == [], "\n\n".join(failures)


def test_the_bureaus_api_answers_as_its_schema_says(bureau_schema):
    failures = run_schema(bureau_schema)
    assert failures == [], "\n\n".join(failures)


DETAIL_READS = [
    "GET /api/forms/{key}/",
    "GET /api/forms/{key}/submissions/",
    "GET /api/forms/{key}/versions/",
    "GET /api/forms/{key}/versions/{number}/",
    "GET /api/forms/submissions/{id}/",
    "GET /api/registry/cadres/{id}/",
    "GET /api/registry/cadres/{id}/family/",
    "GET /api/registry/health-checks/{id}/",
    "GET /api/registry/rest-homes/{id}/",
    "GET /api/registry/staff/{id}/",
    "GET /api/registry/trips/{id}/",
]


def detail_operations(schema):
    """The reads of one object (a path with parameters), as the schema lists them."""
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.method.upper() == "GET" and "{" in op.path and requires_credentials(op)]


def token_header(objects: dict) -> dict:
    return {"Authorization": f"Token {objects['token']}"}


def path_values(operation, objects: dict) -> dict:
    """The path parameters naming `objects`' own instance of what the operation reads."""
    path = operation.path
    if path.startswith("/api/registry/"):
        return {"id": objects[path.split("/")[3]]}
    if path.startswith("/api/forms/submissions/"):
        return {"id": objects["submission"]}
    return {"key": objects["form"], "number": 1}


def test_a_centres_own_objects_read_as_the_schema_says(centre_schema, two_centres):
    """Each read of one object, given an object that exists: 200 and the documented body."""
    operations = detail_operations(centre_schema)
    assert [op.label for op in operations] == DETAIL_READS  # a new one needs its object in path_values
    objects = two_centres["huangpu"]
    for operation in operations:
        case = operation.Case(path_parameters=path_values(operation, objects), headers=token_header(objects))
        response = case.call_and_validate(base_url=operation.base_url, checks=[counted, *CHECKS])
        assert response.status_code == 200, operation.label


def test_another_centres_ids_are_not_found_and_its_token_refused(centre_schema, two_centres):
    """putuo's objects through huangpu's host and token: 404, as for a missing one; huangpu's token at putuo: 401."""
    objects = two_centres
    for operation in detail_operations(centre_schema):
        theirs = operation.Case(
            path_parameters=path_values(operation, objects["putuo"]), headers=token_header(objects["huangpu"])
        )
        response = theirs.call_and_validate(base_url=operation.base_url, checks=[counted, *CHECKS])
        assert (response.status_code, response.json()) == (404, {"detail": NOT_FOUND}), operation.label
        ours = operation.Case(
            path_parameters=path_values(operation, objects["huangpu"]), headers=token_header(objects["huangpu"])
        )
        response = ours.call(base_url=f"http://{host('putuo')}")
        assert (response.status_code, response.json()) == (401, {"detail": BAD_TOKEN}), operation.label


def api_post(code: str, token: str, path: str, body: dict):
    return client_for(code).post(path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")


def test_text_sent_as_a_number_is_refused_and_nothing_saved(two_centres):
    """DRF's CharField took the number 0 as the name "0"; text fields now refuse anything but text."""
    token = two_centres["huangpu"]["token"]
    home = two_centres["huangpu"]["rest-homes"]
    with schema_context("huangpu"):
        before = Staff.objects.count()
    staff = api_post("huangpu", token, "/api/registry/staff/", {"name": 0, "rest_home": home, "phone": 13900001111})
    assert staff.status_code == 400
    assert staff.json() == {"name": ["不是有效的字符串。"], "phone": ["不是有效的字符串。"]}
    home_reply = api_post("huangpu", token, "/api/registry/rest-homes/", {"name": False})
    assert (home_reply.status_code, home_reply.json()) == (400, {"name": ["不是有效的字符串。"]})
    submission = two_centres["huangpu"]["submission"]
    move = api_post("huangpu", token, f"/api/forms/submissions/{submission}/move/", {"to": 1, "comment": 2})
    assert (move.status_code, move.json()) == (400, {"to": ["不是有效的字符串。"], "comment": ["不是有效的字符串。"]})
    with schema_context("huangpu"):
        assert Staff.objects.count() == before
        assert Submission.objects.get(pk=submission).state == "submitted"


@pytest.mark.parametrize("page_size", ["null", "0", "-1", "2.5", "x", "[1]"])
def test_a_page_size_that_is_not_a_whole_number_is_refused(two_centres, page_size):
    token = two_centres["huangpu"]["token"]
    for path in ("/api/registry/rest-homes/", f"/api/forms/{two_centres['huangpu']['form']}/submissions/"):
        reply = client_for("huangpu").get(path, {"page_size": page_size}, HTTP_AUTHORIZATION=f"Token {token}")
        assert (reply.status_code, reply.json()) == (400, {"page_size": ["每页条数必须是从 1 起的整数。"]}), path


def test_every_operation_documents_its_error_answers(two_centres, django_user_model):
    """The earlier run found 65 undocumented status codes: no 400/401/403/404 anywhere. Now every operation of both
    schemas documents them with their bodies, and 429 where a request can be limited."""
    with schema_context("huangpu"):
        centre = raw_schema("huangpu", two_centres["huangpu"]["user"])
    bureau = raw_schema(None, django_user_model.objects.create_user(username="schema-reader"))
    limited = []
    for raw in (centre, bureau):
        assert raw["components"]["schemas"]["Error"]["required"] == ["detail"]
        for path, operations in raw["paths"].items():
            for method, operation in operations.items():
                assert {"400", "401", "403", "404"} <= set(operation["responses"]), f"{method} {path}"
                if "429" in operation["responses"]:
                    limited.append(f"{method.upper()} {path}")
    assert limited == ["GET /api/registry/cadres/", "POST /api/token/", "POST /api/token/"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/registry/health-checks/", {"year": "-0.5"}),
        ("/api/registry/health-checks/", {"cadre": "1.5"}),
        ("/api/registry/trips/", {"cadre": "2.5"}),
    ],
)
def test_a_whole_number_filter_refuses_a_fraction(two_centres, path, query):
    """An id or a year given as a fraction was read as a number and matched nothing; now it is refused."""
    token = two_centres["huangpu"]["token"]
    reply = client_for("huangpu").get(path, query, HTTP_AUTHORIZATION=f"Token {token}")
    assert (reply.status_code, reply.json()) == (400, {name: ["输入整数。"] for name in query})


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/registry/staff/", {"active": "-1"}),
        ("/api/registry/health-checks/", {"follow_up_done": "maybe"}),
        ("/api/registry/trips/", {"returned": "2"}),
    ],
)
def test_a_yes_or_no_filter_refuses_anything_else(two_centres, path, query):
    """A yes-or-no filter given something else was ignored (every row came back); now it is refused."""
    token = two_centres["huangpu"]["token"]
    reply = client_for("huangpu").get(path, query, HTTP_AUTHORIZATION=f"Token {token}")
    assert (reply.status_code, reply.json()) == (400, {name: ["请填写 true（是）或 false（否）。"] for name in query})


def test_a_yes_or_no_filter_still_reads_true_and_false(two_centres):
    auth = {"HTTP_AUTHORIZATION": f"Token {two_centres['huangpu']['token']}"}
    for sent, wanted in (("true", True), ("false", False), ("1", True), ("0", False)):
        reply = client_for("huangpu").get("/api/registry/staff/", {"active": sent}, **auth)
        assert reply.status_code == 200
        assert {row["active"] for row in reply.json()["results"]} <= {wanted}
    active = client_for("huangpu").get("/api/registry/staff/", {"active": "true"}, **auth).json()["results"]
    assert "黄联络" in [row["name"] for row in active]

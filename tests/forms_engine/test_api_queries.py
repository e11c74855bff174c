"""What one API submission asks the database, counted so that it cannot creep back; and the roles and permissions
read with the token decide what a token user sees, as Django's own checks would (issue 14)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token
from rest_framework.utils import model_meta

from forms_engine.models import Submission
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.models import AccessLog
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

ID_NUMBER = resident_id_make("310101", __import__("datetime").date(1950, 3, 4), 77)
MASKED = "*" * 17 + ID_NUMBER[-1]
URL = "/api/forms/intake/submissions/"


@pytest.fixture
def intake(centres):
    with schema_context("huangpu"):
        form = form_create(title="来访登记", key="intake", purpose="visit")
        form_field_add(form=form, name="visitor", field_type="text", label="来访人", required=True, max_length=20)
        form_field_add(form=form, name="id_card", field_type="id_number", label="身份证号")
        form_field_add(form=form, name="note", field_type="text", label="备注", options={"personal": "health"})
        form_publish(form=form)
        return form


def token_client(username: str, *, groups: tuple[str, ...] = (), permission: str | None = None):
    user = make_user("huangpu", username, groups=groups)
    with schema_context("huangpu"):
        if permission:
            user.user_permissions.add(Permission.objects.get(codename=permission))
        key = Token.objects.create(user=user).key
    return client_for("huangpu"), {"HTTP_AUTHORIZATION": f"Token {key}"}


def statement(sql: str) -> str:
    """A statement's verb, and for a write its table: 'SELECT', 'INSERT registry_accesslog', 'SAVEPOINT'."""
    words = sql.split()
    return f"{words[0]} {words[2].strip(chr(34))}" if words[0] == "INSERT" else words[0]


def test_an_api_submission_asks_the_database_six_times(intake, settings):
    """The token with its user's roles and permissions, the form with its current version and personal marks, the
    submission (in its savepoint here, a transaction when served), the access log; the search path is already the
    centre's (the connection's last request was there). Before issue 14 it was 14: the search path, the centre by
    host, the token, the form, the roles, the personal marks twice, the user's and the groups' permissions apart."""
    settings.JUNXIU_HOST_CACHE_SECONDS = 60
    client, token = token_client("api-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    body = {"data": {"visitor": "王德胜", "id_card": ID_NUMBER, "note": "高血压"}}
    assert client.post(URL, body, content_type="application/json", **token).status_code == 201  # the host is kept

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, body, content_type="application/json", **token)

    assert response.status_code == 201
    assert response.json()["data"] == {"visitor": "王德胜", "id_card": ID_NUMBER, "note": "高血压"}
    assert [statement(q["sql"]) for q in queries.captured_queries] == [
        "SELECT",
        "SELECT",
        "SAVEPOINT",
        "INSERT forms_engine_submission",
        "RELEASE",
        "INSERT registry_accesslog",
    ]
    with schema_context("huangpu"):
        stored = Submission.objects.get(pk=response.json()["id"]).data
        rows = AccessLog.objects.filter(channel="api").order_by("pk")
        logged = list(rows.values_list("record_ids", "fields"))
        who = set(rows.values_list("user__username", "username", "action", "model", "record_count"))
        at = list(rows.values_list("at", flat=True))
    assert stored["visitor"] == "王德胜"
    assert stored["id_card"].startswith("enc:") and stored["note"].startswith("enc:")  # sealed with the marks read
    assert logged == [
        ([pk], ["intake:id_card", "intake:note"]) for pk in (response.json()["id"] - 1, response.json()["id"])
    ]
    assert who == {("api-admin", "api-admin", "view", "Submission", 1)}
    assert at[0] <= at[1] <= timezone.now() and timezone.now() - at[0] < dt.timedelta(minutes=5)


def test_a_token_user_sees_what_the_permissions_read_with_the_token_allow(intake):
    """Roles decide the form (a viewer may view it), permissions held directly or through any group decide each
    kind of personal answer, exactly as Django's ModelBackend would."""
    with schema_context("huangpu"):
        submission_create(form=intake, data={"visitor": "王德胜", "id_card": ID_NUMBER, "note": "高血压"})
        checkers = Group.objects.create(name="身份核对")
        checkers.permissions.add(Permission.objects.get(codename="view_identity_data"))
    viewer = role_group_name(Role.VIEWER)
    seen = {}
    for username, groups, permission in [
        ("token-viewer", (viewer,), None),
        ("token-viewer-health", (viewer,), "view_health_data"),
        ("token-viewer-checker", (viewer, "身份核对"), None),
        ("token-nobody", (), None),
    ]:
        client, token = token_client(username, groups=groups, permission=permission)
        response = client.get(URL, **token)
        seen[username] = response.json()["results"][0]["data"] if response.status_code == 200 else response.status_code

    assert seen == {
        "token-viewer": {"visitor": "王德胜", "id_card": MASKED, "note": "******"},
        "token-viewer-health": {"visitor": "王德胜", "id_card": MASKED, "note": "高血压"},
        "token-viewer-checker": {"visitor": "王德胜", "id_card": ID_NUMBER, "note": "******"},
        "token-nobody": 404,
    }


def test_an_api_submission_writes_no_select_sql_and_builds_no_serializer_field_after_the_first(intake, monkeypatch):
    """The token's and the form's SQL is written once per process, the response's fields built from the model once
    per serializer class (each request gets copies): what cost ~3 ms of Python per submission (issue 14 §2)."""
    client, token = token_client("api-compiled", groups=(role_group_name(Role.CENTRE_ADMIN),))
    body = {"data": {"visitor": "王德胜", "id_card": ID_NUMBER, "note": "高血压"}}
    first = client.post(URL, body, content_type="application/json", **token)
    assert first.status_code == 201
    calls = {"select_sql": 0, "field_info": 0}

    def counted(name, original):
        def call(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return call

    monkeypatch.setattr(SQLCompiler, "as_sql", counted("select_sql", SQLCompiler.as_sql))
    monkeypatch.setattr(model_meta, "get_field_info", counted("field_info", model_meta.get_field_info))

    second = client.post(URL, body, content_type="application/json", **token)

    assert second.status_code == 201
    assert calls == {"select_sql": 0, "field_info": 0}
    assert {k: v for k, v in second.json().items() if k not in ("id", "receipt", "created_at", "updated_at")} == {
        k: v for k, v in first.json().items() if k not in ("id", "receipt", "created_at", "updated_at")
    }
    assert second.json()["version"] == 1 and second.json()["form"] == "intake" and second.json()["cadre"] is None

"""/healthz and /readyz (issue 16 §3): on any host, before the HTTPS redirect and the centre lookup, and /readyz turns
503 naming what is not ready — the broker, or a centre whose schema lacks a migration."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_q.conf import Conf
from junxiu.health import migration_leaves, migrations_missing
from psycopg import sql

from tenants.models import Centre
from tenants.selectors import centre_list
from tenants.services import centre_create, centre_retire


@pytest.fixture(scope="module", autouse=True)
def _every_schema_migrated(django_db_setup, django_db_blocker):
    """A reused test database may predate a migration a later change added, and /readyz would rightly say so: bring
    every schema (and the template new centres are cloned from) up to date first, as the release step does."""
    with django_db_blocker.unblock():
        schemas = ["public", *(centre.schema_name for centre in centre_list(include_retired=False))]
        if migrations_missing(schemas):
            call_command("migrate_schemas", interactive=False, verbosity=0)
        assert migrations_missing(schemas) == {}


HOSTS = ("localhost", "huangpu.localhost", "10.42.0.17:8000", "no-such-centre.localhost")


@pytest.fixture
def production_like(settings):
    settings.SECURE_SSL_REDIRECT = True  # a probe over plain HTTP must not be sent to https://
    settings.ALLOWED_HOSTS = ["localhost", ".localhost"]  # the pod IP is not an allowed host


@pytest.mark.parametrize("hostname", HOSTS)
def test_healthz_answers_ok_on_any_host_without_the_database(db, production_like, hostname, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client(HTTP_HOST=hostname).get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Set-Cookie" not in response.headers  # no session, no CSRF cookie
    assert len(response["X-Request-ID"]) == 32


READY = {"status": "ok", "checks": {"database": "ok", "broker": "ok", "migrations": "ok"}, "failed": {}}


@pytest.mark.parametrize("hostname", HOSTS)
def test_readyz_answers_ready_on_any_host(db, production_like, hostname):
    response = Client(HTTP_HOST=hostname).get("/readyz")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == READY


def test_probes_take_only_get_and_head(db):
    client = Client(HTTP_HOST="huangpu.localhost", enforce_csrf_checks=True)
    assert client.post("/readyz").status_code == 405  # refused by the method, not by CSRF (403)
    assert client.head("/healthz").status_code == 200


def _delete_leaf(schema: str, app: str) -> str:
    """Delete the record of `app`'s leaf migration in the schema (rolled back with the test); its name."""
    _shared, centre = migration_leaves()
    name = next(name for leaf_app, name in centre if leaf_app == app)
    query = sql.SQL("DELETE FROM {} WHERE app = %s AND name = %s").format(sql.Identifier(schema, "django_migrations"))
    with connection.cursor() as cursor:
        cursor.execute(query, [app, name])
        assert cursor.rowcount == 1
    return name


def test_readyz_names_the_centre_whose_schema_lacks_a_migration(db):
    centre_create(code="readyz", name="就绪检查军休中心")
    client = Client(HTTP_HOST="10.42.0.17")
    assert client.get("/readyz").status_code == 200

    name = _delete_leaf("readyz", "registry")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "fail",
        "checks": {"database": "ok", "broker": "ok", "migrations": "failed"},
        "failed": {"migrations": {"readyz": [f"registry.{name}"]}},
    }

    with connection.cursor() as cursor:  # restored: ready again
        cursor.execute(
            'INSERT INTO "readyz".django_migrations (app, name, applied) VALUES (%s, %s, now())', ["registry", name]
        )
    assert client.get("/readyz").status_code == 200


def test_readyz_names_the_public_schema_when_it_lacks_a_migration(db):
    shared, _centre = migration_leaves()
    app, name = next(leaf for leaf in sorted(shared) if leaf[0] == "tenants")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public.django_migrations WHERE app = %s AND name = %s", [app, name])
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["failed"] == {"migrations": {"public": [f"tenants.{name}"]}}


def test_readyz_asks_the_same_number_of_queries_however_many_centres(db, django_assert_num_queries):
    """One query checks every schema's migrations (plus one per failing schema): a centre more costs none."""
    client = Client(HTTP_HOST="localhost")
    client.get("/readyz")  # the migration graph is read once per process
    # SET search_path (public); SELECT 1; the active centres and their domains; which schemas have django_migrations;
    # the leaves recorded in every schema, one UNION ALL.
    centre_retire(code="putuo")  # two active centres (rolled back with the test)
    with django_assert_num_queries(6):
        assert client.get("/readyz").status_code == 200
    Centre.objects.filter(schema_name="putuo").update(status=Centre.Status.ACTIVE)
    with django_assert_num_queries(6):  # three
        assert client.get("/readyz").status_code == 200
    name = _delete_leaf("putuo", "registry")
    with django_assert_num_queries(7):  # one more to name what the failing schema lacks
        response = client.get("/readyz")
    assert json.loads(response.content)["failed"] == {"migrations": {"putuo": [f"registry.{name}"]}}
    centre_retire(code="putuo")
    assert client.get("/readyz").status_code == 200  # a retired centre is not served, so not checked


def test_readyz_names_an_unreachable_redis_broker(db, monkeypatch):
    """With a Redis broker (Q_CLUSTER's redis), the broker is a PING: a closed port is not ready."""
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
    monkeypatch.setattr(Conf, "REDIS", "redis://127.0.0.1:9/0")  # the discard port: nothing listens on loopback
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["checks"] == {"database": "ok", "broker": "failed", "migrations": "ok"}
    assert body["failed"]["broker"].startswith("ConnectionError: ")


def test_the_readyz_command_is_the_worker_pods_readiness_probe(db):
    """`django-admin readyz` runs the same checks: 0 and "ready", or an error naming the centre (exit status 1)."""
    out = io.StringIO()
    call_command("readyz", stdout=out)
    assert out.getvalue() == "ready\n"
    name = _delete_leaf("putuo", "notifications")
    with pytest.raises(CommandError) as refused:
        call_command("readyz")
    assert json.loads(str(refused.value)) == {"migrations": {"putuo": [f"notifications.{name}"]}}

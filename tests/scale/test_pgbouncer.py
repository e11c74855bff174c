"""PgBouncer in front of PostgreSQL: under transaction pooling a centre's queries run in another centre's schema;
under session pooling they never do; the settings refuse transaction pooling."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.utils import load_backend

from tests.scale.conftest import ROOT

pytestmark = pytest.mark.django_db


def bouncer_client(mode: str, alias: str):
    """A connection of the project's own database backend (django-tenants') through the lane's PgBouncer."""
    host, port = os.environ[f"JUNXIU_SCALE_PGBOUNCER_{mode.upper()}"].split(":")
    backend = load_backend(connection.settings_dict["ENGINE"])
    return backend.DatabaseWrapper({**connection.settings_dict, "HOST": host, "PORT": port, "CONN_MAX_AGE": 0}, alias)


def site_hostname(client) -> str:
    with client.cursor() as cursor:
        cursor.execute("SELECT hostname FROM wagtailcore_site")
        return cursor.fetchone()[0]


def two_centres_interleaved(mode: str, centres) -> dict[str, list[str]]:
    """Two web processes, one per centre, each asking for its centre's site twice, taking turns."""
    huangpu, putuo = bouncer_client(mode, "huangpu-web"), bouncer_client(mode, "putuo-web")
    try:
        huangpu.set_tenant(centres["huangpu"])
        putuo.set_tenant(centres["putuo"])
        seen: dict[str, list[str]] = {"huangpu": [], "putuo": []}
        for _ in range(2):
            seen["huangpu"].append(site_hostname(huangpu))
            seen["putuo"].append(site_hostname(putuo))
        return seen
    finally:
        huangpu.close()
        putuo.close()


def test_under_transaction_pooling_a_centre_reads_another_centres_rows(centres):
    """django-tenants sets search_path once per connection (TENANT_LIMIT_SET_CALLS), in its own transaction; the
    pooler then hands the one server connection to the other client, whose SET wins: huangpu's second query reads
    putuo's site (and its first already ran after its own SET only by luck of the order)."""
    assert two_centres_interleaved("transaction", centres) == {
        "huangpu": ["huangpu.localhost", "putuo.localhost"],
        "putuo": ["putuo.localhost", "putuo.localhost"],
    }


def test_under_session_pooling_each_centre_reads_only_its_own_rows(centres):
    assert two_centres_interleaved("session", centres) == {
        "huangpu": ["huangpu.localhost", "huangpu.localhost"],
        "putuo": ["putuo.localhost", "putuo.localhost"],
    }


@pytest.mark.parametrize("mode", ["transaction", "statement"])
def test_the_settings_refuse_transaction_and_statement_pooling(mode):
    env = {**os.environ, "JUNXIU_PGBOUNCER_MODE": mode, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    check = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "junxiu.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 1
    assert check.stderr.strip().splitlines()[-1] == (
        f"django.core.exceptions.ImproperlyConfigured: JUNXIU_PGBOUNCER_MODE={mode}: PgBouncer must pool by session "
        "(pool_mode = session, deploy/pgbouncer.ini). Under transaction or statement pooling a centre's queries can "
        "run on a server connection whose search_path is another centre's, and read or write that centre's data."
    )


def test_behind_session_pooling_django_gives_each_server_connection_back():
    env = {**os.environ, "JUNXIU_PGBOUNCER_MODE": "session", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    env.pop("DB_CONN_MAX_AGE", None)
    read = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    check = subprocess.run(
        [sys.executable, "-c", read],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "junxiu.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (check.returncode, check.stdout) == (0, "0\n")

"""Spare schemas: a centre made from one is the centre a clone makes; a spare is invisible everywhere until then."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django_q.models import OrmQ
from django_tenants.utils import schema_context, schema_exists

from reports.periods import Period
from reports.selectors import centre_states
from tenants import setup
from tenants.models import Centre, Domain
from tenants.selectors import centre_list, centres_query
from tenants.services import SPARE_PREFIX, centre_create, centre_setup_sync, spare_schemas_refill
from tenants.tasks import centres_enqueue, centres_run

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spare(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One current spare, cloned once for the module's tests that want one and committed (each test's transaction
    rolls back what it does to it, renaming or dropping it included), then dropped: a clone takes seconds."""
    with django_db_blocker.unblock():
        spare_schemas_refill(count=0)  # drops a spare an interrupted run left behind
        (made,) = spare_schemas_refill(count=1)
        assert spare_names() == [made]
    yield made
    with django_db_blocker.unblock():
        spare_schemas_refill(count=0)
        assert spare_names() == []


def spare_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [SPARE_PREFIX])
        return sorted(row[0] for row in cursor.fetchall())


def schema_contents(schema: str) -> dict[str, int]:
    """Every table of a schema with its number of rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema])
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608 - names from the catalogue
            counts[table] = cursor.fetchone()[0]
    return counts


def schema_objects(schema: str) -> list[tuple[str, str]]:
    """Every relation, function and trigger of a schema by kind and name (what a clone must reproduce)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind::text, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s UNION ALL SELECT 'function', p.proname FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s UNION ALL "
            "SELECT 'trigger', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal "
            "ORDER BY 1, 2",
            [schema, schema, schema],
        )
        return cursor.fetchall()


def test_a_centre_from_a_spare_is_the_centre_a_clone_makes(centres):
    assert spare_schemas_refill(count=0) == []
    cloned = centre_create(code="jingan", name="静安区军休中心")
    made = spare_schemas_refill(count=1)
    assert len(made) == 1
    renamed = centre_create(code="minhang", name="静安区军休中心", domain="minhang.localhost")
    assert (cloned.from_spare, renamed.from_spare) == (False, True)
    assert spare_names() == []
    assert schema_objects("minhang") == schema_objects("jingan")
    jingan, minhang = schema_contents("jingan"), schema_contents("minhang")
    assert minhang == jingan
    assert jingan["wagtailcore_page"] == 2  # the root and the home page
    assert jingan["auth_group"] == 5
    with schema_context("minhang"):
        from wagtail.models import Site

        assert list(Site.objects.values_list("hostname", flat=True)) == ["minhang.localhost"]
    # A row inserted in the renamed schema takes its ids from its own sequences.
    with schema_context("minhang"):
        from django.contrib.auth.models import Group

        group = Group.objects.create(name="新组")
        assert Group.objects.filter(pk=group.pk).exists()


def test_a_spare_is_invisible_everywhere(centres, spare):
    assert spare_schemas_refill(count=1) == []  # the module's spare is current: one is enough
    assert spare.startswith(SPARE_PREFIX)
    assert schema_exists(spare)
    codes = ["changning", "huangpu", "putuo"]
    assert [c.schema_name for c in centre_list()] == codes
    assert sorted(Centre.objects.values_list("schema_name", flat=True)) == sorted(["centre_template", *codes, "public"])
    assert Domain.objects.filter(tenant__schema_name=spare).count() == 0
    assert sorted({row["centre"] for row in centres_query(query="SELECT 1 AS one FROM {schema}.auth_group")}) == codes
    with pytest.raises(ValueError, match="not a centre schema"):
        centres_query(query="SELECT 1 FROM {schema}.auth_group", schemas=[spare])
    assert sorted(centres_run(func="tests.tenants.centre_jobs.schema_name")) == codes
    queued = OrmQ.objects.count()
    assert sorted(centres_enqueue(func="tests.tenants.centre_jobs.schema_name")) == codes
    assert OrmQ.objects.count() == queued + 3
    assert centre_setup_sync() == codes
    assert [state.centre.schema_name for state in centre_states(period=Period(year=2026))] == codes
    assert spare_names() == [spare]


def test_a_spare_made_stale_by_a_migration_is_not_used_and_replaced(centres, spare):
    with schema_context(spare):
        MigrationRecorder.Migration.objects.filter(app="content", name="0001_initial").delete()
    created = centre_create(code="jingan", name="静安区军休中心")
    assert created.from_spare is False  # the template was cloned instead
    assert spare_names() == [spare]
    (fresh,) = spare_schemas_refill(count=1)
    assert fresh != spare
    assert spare_names() == [fresh]
    assert spare_schemas_refill(count=1) == []  # one current spare is enough


def test_centre_sync_after_migrations_replaces_a_stale_spare(centres, settings, spare):
    settings.JUNXIU_SPARE_SCHEMAS = 1
    assert spare_schemas_refill() == []  # the module's spare is the one wanted
    with schema_context(spare):
        MigrationRecorder.Migration.objects.filter(app="content", name="0001_initial").delete()
    call_command("centre_sync", verbosity=0)
    (fresh,) = spare_names()
    assert fresh != spare
    assert centre_create(code="jingan", name="静安区军休中心").from_spare is True


def test_a_failed_step_leaves_no_half_made_centre_and_keeps_the_spare(centres, monkeypatch, spare):
    def explode(**_context):
        raise RuntimeError("disk full")

    monkeypatch.setitem(setup._steps, "zz.explode", setup.SetupStep(name="zz.explode", order=99, run=explode))
    assert spare_names() == [spare]
    with pytest.raises(RuntimeError, match="disk full"):
        centre_create(code="jingan", name="静安区军休中心")
    assert schema_exists("jingan") is False
    assert Centre.objects.filter(schema_name="jingan").exists() is False
    assert spare_names() == [spare]  # renamed back by the rollback, ready for the next centre
    monkeypatch.delitem(setup._steps, "zz.explode")
    assert centre_create(code="jingan", name="静安区军休中心").from_spare is True


def test_the_centre_list_command_does_not_show_a_spare(centres, capsys, spare):
    assert spare_names() == [spare]
    call_command("centre_list")
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == [
        "changning",
        "huangpu",
        "putuo",
    ]

"""Refreshing the bureau's figures: all of a centre's facts replaced at once, or none; failures recorded with their
reason, the command failing loudly, and a refresh run through a real django-q2 cluster."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.models import OrmQ
from django_tenants.utils import get_public_schema_name, schema_context

from reports.models import CentreRefresh, Fact, RefreshRun
from reports.services import centre_facts_refresh, refresh_run_start
from reports.tasks import centre_refresh_task
from tenants.models import Centre
from tests.cluster import cluster_start, cluster_stop, wait_until
from tests.registry.conftest import new_cadre
from tests.reports.conftest import values_of

D = dt.date
TODAY = D(2026, 6, 15)


@contextlib.contextmanager
def table_missing(code: str, table: str):
    """A centre caught mid-upgrade: one of its tables is not there (renamed away, and back afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{code}"."{table}" RENAME TO "{table}_away"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{code}"."{table}_away" RENAME TO "{table}"')


def facts_rows(centre: Centre) -> list[tuple]:
    return list(
        Fact.objects.filter(centre=centre)
        .order_by("pk")
        .values_list("pk", "period", "indicator", "breakdown", "value", "numerator", "denominator")
    )


@pytest.mark.django_db
def test_a_centre_missing_a_table_fails_and_keeps_its_previous_facts(centres):
    huangpu = centres["huangpu"]
    with schema_context("huangpu"):
        new_cadre("王一", seq=501, born=D(1941, 1, 1))
    first = centre_facts_refresh(centre=huangpu, year=2026, today=TODAY)
    assert first.status == CentreRefresh.Status.OK
    before = facts_rows(huangpu)
    assert values_of(huangpu, "2026")[("cadres_total", "")] == 1
    with schema_context("huangpu"):
        new_cadre("王二", seq=502, born=D(1942, 2, 2))  # a good refresh would now count two

    with table_missing("huangpu", "notifications_dueitem"):
        failed = centre_facts_refresh(centre=huangpu, year=2026, today=TODAY)

    assert connection.schema_name == get_public_schema_name()
    assert failed.status == CentreRefresh.Status.FAILED
    lead = _("A table or column is missing: the centre's database is not fully upgraded (%(detail)s).")
    assert failed.error.startswith(lead.split("%(detail)s")[0])
    assert 'relation "notifications_dueitem" does not exist' in failed.error
    assert failed.as_of == first.as_of  # the figures are still those of the last good refresh
    assert failed.attempted_at > first.attempted_at
    assert facts_rows(huangpu) == before  # not one row deleted, added or changed

    again = centre_facts_refresh(centre=huangpu, year=2026, today=TODAY)
    assert (again.status, again.error) == (CentreRefresh.Status.OK, "")
    assert values_of(huangpu, "2026")[("cadres_total", "")] == 2


@pytest.mark.django_db
def test_a_refresh_replaces_only_its_own_year(centres):
    huangpu = centres["huangpu"]
    with schema_context("huangpu"):
        new_cadre("王一", seq=501, born=D(1941, 1, 1))
    centre_facts_refresh(centre=huangpu, year=2025, today=TODAY)
    last_year = facts_rows(huangpu)
    assert {row[1] for row in last_year} == {"2025", *[f"2025-Q{q}" for q in range(1, 5)]} | {
        f"2025-{m:02d}" for m in range(1, 13)
    }
    centre_facts_refresh(centre=huangpu, year=2026, today=TODAY)
    assert [row for row in facts_rows(huangpu) if row[1].startswith("2025")] == last_year
    assert centre_facts_refresh(centre=huangpu, year=2026, today=TODAY).status == CentreRefresh.Status.OK
    assert CentreRefresh.objects.filter(centre=huangpu).count() == 2


@pytest.mark.django_db
def test_the_command_refreshes_every_active_centre_and_fails_loudly(centres, capsys):
    year = timezone.localdate().year
    call_command("reports_refresh", "--year", str(year))
    active = Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE)
    assert CentreRefresh.objects.filter(year=year, status=CentreRefresh.Status.OK).count() == active.count()
    before = facts_rows(centres["huangpu"])
    assert before

    with table_missing("huangpu", "notifications_dueitem"):
        with pytest.raises(CommandError) as raised:
            call_command("reports_refresh", "--year", str(year))
        assert centres["huangpu"].name in str(raised.value)
        assert centres["putuo"].name not in str(raised.value)
        with pytest.raises(CommandError):
            call_command("reports_refresh", "--centre", "huangpu", "--year", str(year))
    assert "notifications_dueitem" in capsys.readouterr().err
    assert facts_rows(centres["huangpu"]) == before
    failed = CentreRefresh.objects.get(centre=centres["huangpu"], year=year)
    assert failed.status == CentreRefresh.Status.FAILED
    assert CentreRefresh.objects.get(centre=centres["putuo"], year=year).status == CentreRefresh.Status.OK

    with pytest.raises(CommandError):
        call_command("reports_refresh", "--centre", "nosuchcentre", "--year", str(year))
    with pytest.raises(CommandError):
        call_command("reports_refresh", "--year", str(year + 1))


@pytest.mark.django_db
def test_a_run_counts_every_centre_and_names_the_failed_one(centres, django_capture_on_commit_callbacks):
    """What each worker does, run here one centre after another: the run ends when the last centre is counted."""
    year = timezone.localdate().year
    codes = sorted(
        Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE).values_list(
            "schema_name", flat=True
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = refresh_run_start(year=year, username="bureau")
    queued = sorted(task.task["args"][0] for task in OrmQ.objects.all())
    assert queued == codes
    assert (run.total, run.done, run.finished_at) == (len(codes), 0, None)
    with table_missing("huangpu", "notifications_dueitem"):
        for code in codes:
            with schema_context(code):
                centre_refresh_task(year=year, run_id=run.pk)
    run.refresh_from_db()
    assert (run.done, run.total) == (len(codes), len(codes))
    assert run.finished_at is not None
    assert [(f["centre"], f["name"]) for f in run.failures] == [("huangpu", centres["huangpu"].name)]
    assert "notifications_dueitem" in run.failures[0]["error"]


# --------------------------------------------------------------------------------------------------- real cluster


# Committed for real so the workers see the rows; only django_q is flushed after, our own rows are deleted below.
@pytest.mark.django_db(transaction=True, available_apps=["django_q"])
def test_a_refresh_run_through_a_real_qcluster(tmp_path):
    year = 2025  # a closed year no other test writes, so cleaning up cannot touch anything else
    codes = sorted(
        Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE).values_list(
            "schema_name", flat=True
        )
    )
    cluster = None
    run = None
    try:
        run = refresh_run_start(year=year, username="bureau")  # committed: the tasks are queued at once
        assert run.total == len(codes)
        cluster = cluster_start(tmp_path / "sms.jsonl")
        finished = wait_until(lambda: RefreshRun.objects.filter(pk=run.pk, finished_at__isnull=False).first())
        assert (finished.done, finished.total, finished.failures) == (len(codes), len(codes), [])
        states = CentreRefresh.objects.filter(year=year, centre__schema_name__in=codes)
        assert sorted(states.values_list("centre__schema_name", "status")) == [(code, "ok") for code in codes]
        for code in codes:
            facts = Fact.objects.filter(centre__schema_name=code, period=str(year), indicator="cadres_total")
            assert facts.count() == 1, code
    finally:
        if cluster is not None:
            cluster_stop(cluster)
        with connection.cursor() as cursor:  # SQL: QuerySet.delete() would look up apps available_apps hides
            cursor.execute("DELETE FROM reports_fact WHERE year = %s", [year])
            cursor.execute("DELETE FROM reports_centrerefresh WHERE year = %s", [year])
            if run is not None:
                cursor.execute("DELETE FROM reports_refreshrun WHERE id = %s", [run.pk])

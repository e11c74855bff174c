"""Retention: the daily housekeeping deletes generated files older than 24 hours and access-log rows older than
JUNXIU_ACCESS_LOG_RETENTION_DAYS, in the public schema and, through one queued task per centre, in every centre;
running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage
from django_tenants.utils import schema_context

from forms_engine.models import ExportJob
from forms_engine.services import form_create
from registry.models import AccessLog
from reports.models import ReportAccess, ReportExport
from tenants.housekeeping import housekeeping_jobs, housekeeping_run
from tenants.models import Centre
from tenants.private_files import private_file_new

pytestmark = pytest.mark.django_db

CODES = ("huangpu", "putuo")
CENTRE_JOBS = ("forms_engine.export_files", "registry.access_log")


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.JUNXIU_PRIVATE_FILES = tmp_path / "private"


def _ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def _form_export(code: str, *, age: dt.timedelta) -> tuple[int, Path]:
    """A finished form export in centre `code`, made `age` ago, with its file."""
    with schema_context(code):
        form = form_create(title="保留期", key=f"retention-{age.total_seconds():.0f}")
        path, relative = private_file_new(schema_name=code, folder="form-exports", suffix=".xlsx")
        path.write_bytes(b"PK")
        job = ExportJob.objects.create(form=form, status=ExportJob.Status.DONE, path=relative, filename="保留期.xlsx")
        ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
        return job.pk, path


def _report_export(*, age: dt.timedelta) -> tuple[int, Path]:
    connection.set_schema_to_public()
    path, relative = private_file_new(schema_name="public", folder="reports", suffix=".xlsx")
    path.write_bytes(b"PK")
    export = ReportExport.objects.create(kind="view", status=ReportExport.Status.DONE, path=relative)
    ReportExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - age)
    return export.pk, path


def _access_rows(code: str, *, days: tuple[float, ...]) -> None:
    with schema_context(code):
        for n in days:
            row = AccessLog.objects.create(username=f"{code}-{n}", action="view", channel="admin", model="Cadre")
            AccessLog.objects.filter(pk=row.pk).update(at=_ago(days=n))


def _report_rows(*, days: tuple[float, ...]) -> None:
    connection.set_schema_to_public()
    for n in days:
        row = ReportAccess.objects.create(username=f"bureau-{n}", action="download", what="view")
        ReportAccess.objects.filter(pk=row.pk).update(at=_ago(days=n))


def _run_queued(task_ids: set[str]) -> list[tuple[str, str]]:
    """Run the queued housekeeping tasks as a worker would (django-q2's payload, its function and arguments);
    returns (centre, function) of each, in queue order."""
    ran = []
    for queued in OrmQ.objects.order_by("id"):
        task = SignedPackage.loads(queued.payload)
        if task["id"] not in task_ids:
            continue
        import_string(task["func"])(*task["args"], **task["kwargs"])
        connection.set_schema_to_public()
        ran.append((task["args"][0], task["args"][1]))
    return ran


def _usernames(code: str) -> list[str]:
    with schema_context(code):
        return sorted(AccessLog.objects.values_list("username", flat=True))


def test_one_daily_schedule_runs_the_housekeeping_of_every_app():
    # The migration's step is idempotent; run again, since a transactional test may have flushed a reused database.
    importlib.import_module("tenants.migrations.0003_housekeeping_schedule").forwards(django_apps, None)
    schedule = Schedule.objects.get(name="public:housekeeping")
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "tenants.housekeeping.housekeeping_run",
        Schedule.DAILY,
        -1,
    )
    assert [(job.name, job.func, job.per_centre) for job in housekeeping_jobs()] == [
        ("forms_engine.export_files", "forms_engine.exports.export_files_purge", True),
        ("registry.access_log", "registry.services.access_log_purge", True),
        ("reports.access_log", "reports.services.report_access_purge", False),
        ("reports.export_files", "reports.exports.report_exports_purge", False),
    ]


def test_housekeeping_deletes_files_older_than_a_day_and_log_rows_past_the_retention_period_in_every_centre(
    centres, settings
):
    assert settings.JUNXIU_ACCESS_LOG_RETENTION_DAYS == 180
    files = {}
    for code in CODES:
        files[code, "old"] = _form_export(code, age=dt.timedelta(hours=24, minutes=1))
        files[code, "young"] = _form_export(code, age=dt.timedelta(hours=23, minutes=59))
        _access_rows(code, days=(400, 180.01, 179.99, 1))
    files["public", "old"] = _report_export(age=dt.timedelta(hours=25))
    files["public", "young"] = _report_export(age=dt.timedelta(hours=1))
    _report_rows(days=(181, 179))

    results = housekeeping_run()

    # The public schema's jobs ran at once: one workbook and one log row gone.
    assert (results["reports.export_files"], results["reports.access_log"]) == (1, 1)
    assert list(ReportAccess.objects.values_list("username", flat=True)) == ["bureau-179"]
    # The centre jobs were queued once per active centre, and only for those.
    active = sorted(
        Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE).values_list(
            "schema_name", flat=True
        )
    )
    assert set(CODES) <= set(active)
    for name in CENTRE_JOBS:
        assert sorted(results[name]) == active
    task_ids = {task_id for name in CENTRE_JOBS for task_id in results[name].values()}
    ran = _run_queued(task_ids)
    assert sorted(ran) == sorted(
        [(code, "forms_engine.exports.export_files_purge") for code in active]
        + [(code, "registry.services.access_log_purge") for code in active]
    )

    for code in CODES:
        old_job, old_file = files[code, "old"]
        young_job, young_file = files[code, "young"]
        assert not old_file.exists() and young_file.read_bytes() == b"PK"
        with schema_context(code):
            assert dict(ExportJob.objects.filter(pk__in=[old_job, young_job]).values_list("pk", "path")) == {
                old_job: "",
                young_job: young_file.relative_to(settings.JUNXIU_PRIVATE_FILES).as_posix(),
            }
        assert _usernames(code) == [f"{code}-1", f"{code}-179.99"]
    old_export, old_workbook = files["public", "old"]
    young_export, young_workbook = files["public", "young"]
    assert not old_workbook.exists() and young_workbook.read_bytes() == b"PK"
    assert ReportExport.objects.get(pk=old_export).path == ""
    assert ReportExport.objects.get(pk=young_export).path != ""

    # Again: nothing left to delete, nothing changes.
    again = housekeeping_run()
    assert (again["reports.export_files"], again["reports.access_log"]) == (0, 0)
    _run_queued({task_id for name in CENTRE_JOBS for task_id in again[name].values()})
    for code in CODES:
        assert files[code, "young"][1].is_file()
        assert _usernames(code) == [f"{code}-1", f"{code}-179.99"]
    assert list(ReportAccess.objects.values_list("username", flat=True)) == ["bureau-179"]


def test_the_retention_period_comes_from_the_settings(centres, settings):
    settings.JUNXIU_ACCESS_LOG_RETENTION_DAYS = 30
    _access_rows("huangpu", days=(31, 29))
    _report_rows(days=(31, 29))
    from registry.services import access_log_purge
    from reports.services import report_access_purge

    with schema_context("huangpu"):
        assert access_log_purge() == 1
    assert _usernames("huangpu") == ["huangpu-29"]
    connection.set_schema_to_public()
    assert report_access_purge() == 1
    assert list(ReportAccess.objects.values_list("username", flat=True)) == ["bureau-29"]

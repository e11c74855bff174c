"""Submissions export: merged columns across versions, neutralised formulas, masking per creator, progress, the task."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from forms_engine import exports
from forms_engine.exports import submissions_export_start, submissions_export_write
from forms_engine.models import ExportJob
from forms_engine.services import (
    form_create,
    form_field_add,
    form_field_remove,
    form_field_update,
    form_publish,
    submission_create,
)
from registry.idcard import resident_id_make
from tenants.private_files import private_file_path
from tenants.roles import Role, role_group_name
from tenants.tasks import centre_task_run
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
ID_NUMBER = resident_id_make("310101", dt.date(1940, 5, 1), 77)
MASKED = "*" * 17 + ID_NUMBER[-1]


def sheet_rows(job: ExportJob) -> list[list]:
    workbook = load_workbook(io.BytesIO(private_file_path(job.path, schema_name="huangpu").read_bytes()))
    sheet = workbook.active
    return [list(row) for row in sheet.iter_rows(max_col=sheet.max_column, values_only=True)]


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def two_version_form():
    """v1: topic, old_note, idno, count; v2: topic relabelled, old_note removed, extra added."""
    form = form_create(title="意见", key="opinions", purpose="complaint")
    form_field_add(form=form, name="topic", field_type="text", label="主题")
    form_field_add(form=form, name="old_note", field_type="text", label="旧备注")
    form_field_add(form=form, name="idno", field_type="id_number", label="身份证号")
    form_field_add(form=form, name="count", field_type="integer", label="次数")
    form_field_add(form=form, name="intro", field_type="note", label="说明")
    form_publish(form=form)
    first = submission_create(form=form, data={"topic": "=1+1", "old_note": "@SUM(A1)", "idno": ID_NUMBER, "count": -5})
    form_field_update(field=form.fields.get(name="topic"), label="主题（新）")
    form_field_remove(field=form.fields.get(name="old_note"))
    form_field_add(
        form=form,
        name="extra",
        field_type="choice",
        label="渠道",
        choices=[{"value": "phone", "label": "-电话"}, {"value": "site", "label": "现场"}],
    )
    form_publish(form=form)
    second = submission_create(form=form, data={"topic": "+86 电话", "extra": "phone", "count": "3"})
    return form, first, second


def test_columns_merge_every_version_values_neutralised_and_masked_per_creator(centres):
    with schema_context("huangpu"):
        form, first, second = two_version_form()
        admin = make_user("huangpu", "exp-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        viewer = make_user("huangpu", "exp-viewer", groups=(role_group_name(Role.VIEWER),))
        full = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=admin))
        masked = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=viewer))
        assert (full.status, full.total, full.done, full.error) == ("done", 2, 2, "")
        assert full.path.startswith("huangpu/form-exports/") and full.finished_at is not None
        stored = private_file_path(full.path, schema_name="huangpu")
        assert stored == (settings.JUNXIU_PRIVATE_FILES / full.path).resolve()
        assert full.filename == f"意见-{timezone.localtime(full.finished_at):%Y%m%d-%H%M}.xlsx"
        header = ["回执编号", "提交时间", "状态", "军休干部", "主题（新）", "旧备注", "身份证号", "次数", "渠道"]
        assert sheet_rows(full) == [
            header,
            [first.receipt, local(first.created_at), "已受理", None, "'=1+1", "'@SUM(A1)", ID_NUMBER, -5, None],
            [second.receipt, local(second.created_at), "已受理", None, "'+86 电话", None, None, 3, "'-电话"],
        ]
        assert [row[6] for row in sheet_rows(masked)] == ["身份证号", MASKED, None]
        # a CR is written as Excel writes it (XML would read it back as LF)
        assert [exports.cell_safe(v) for v in ["\tx", "\rx", "x=1", 7]] == ["'\tx", "'_x000D_x", "x=1", 7]


def test_progress_is_written_every_thousand_rows_and_a_failure_is_recorded(centres, monkeypatch):
    with schema_context("huangpu"):
        form = form_create(title="进度", key="progress")
        form_field_add(form=form, name="q", field_type="text", label="问题")
        form_publish(form=form)
        for n in range(5):
            submission_create(form=form, data={"q": f"回答{n}"})
        admin = make_user("huangpu", "exp-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
        job = ExportJob.objects.create(form=form, created_by=admin)
        with CaptureQueriesContext(connection) as queries:
            job = submissions_export_write(job=job)
        progress = [
            q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "forms_engine_exportjob"')
        ]
        assert [sql.split('"done" = ')[1].split(" ")[0].rstrip(",") for sql in progress if '"done" = ' in sql] == [
            "0",
            "2",
            "4",
            "5",
        ]
        assert (job.status, job.total, job.done) == ("done", 5, 5)
        assert [row[4] for row in sheet_rows(job)] == ["问题", "回答0", "回答1", "回答2", "回答3", "回答4"]
        # A job already run is not run again.
        assert submissions_export_write(job=job).path == job.path
        broken = ExportJob.objects.create(form=form, created_by=admin, params={"since": "not-a-date"})
        broken = submissions_export_write(job=broken)
        assert broken.status == "failed" and broken.error.startswith("ValueError") and broken.path == ""


def test_the_export_is_queued_on_commit_and_runs_as_a_centre_task(centres, django_capture_on_commit_callbacks):
    with schema_context("huangpu"):
        form, first, second = two_version_form()
        admin = make_user("huangpu", "exp-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        queued = OrmQ.objects.count()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            job = submissions_export_start(form=form, user=admin, params={})
            assert OrmQ.objects.count() == queued  # nothing before the commit
        assert len(callbacks) == 1 and OrmQ.objects.count() == queued + 1
        assert job.status == "queued"
    assert centre_task_run("huangpu", "forms_engine.tasks.submissions_export_run", job.pk) == "done"
    with schema_context("huangpu"):
        job.refresh_from_db()
        assert (job.status, job.done) == ("done", 2)
        assert [row[0] for row in sheet_rows(job)[1:]] == [first.receipt, second.receipt]

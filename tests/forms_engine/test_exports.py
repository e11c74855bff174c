"""Submissions export: merged columns across versions, neutralised formulas, masking per creator, progress, the task."""

import codecs
import csv
import datetime as dt
import io
import zipfile
from urllib.parse import unquote

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
from forms_engine.models import ExportJob, Submission
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


# ---------------------------------------------------------------- repeat groups, CSV, streaming

PHONE = "13812345678"


def group_form():
    """Two repeat groups (visitors with a personal phone, gifts) beside a plain question."""
    form = form_create(title="走访/记录", key="grouped", purpose="visit")
    form_field_add(form=form, name="topic", field_type="text", label="主题")
    form_field_add(form=form, name="visitors", field_type="repeat", label="同行人员")
    form_field_add(form=form, name="visitor", field_type="text", label="姓名", group="visitors")
    form_field_add(form=form, name="visitor_phone", field_type="phone", label="电话", group="visitors")
    form_field_add(form=form, name="gifts", field_type="repeat", label="慰问品")
    form_field_add(form=form, name="gift", field_type="text", label="物品", group="gifts")
    form_field_add(form=form, name="amount", field_type="integer", label="数量", group="gifts")
    form_publish(form=form)
    first = submission_create(
        form=form,
        data={
            "topic": "春节走访",
            "visitors": [{"visitor": "=王五", "visitor_phone": PHONE}, {"visitor": "李四"}],
            "gifts": [{"gift": "大米", "amount": 2}],
        },
    )
    second = submission_create(
        form=form, data={"topic": "-日常", "gifts": [{"gift": "油", "amount": 1}, {"gift": "面"}]}
    )
    return form, first, second


def workbook_of(job: ExportJob):
    return load_workbook(io.BytesIO(private_file_path(job.path, schema_name="huangpu").read_bytes()))


def values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(max_col=sheet.max_column, values_only=True)]


def test_each_repeat_group_is_a_sheet_of_its_own_one_row_per_child_joined_by_receipt(centres):
    with schema_context("huangpu"):
        form, first, second = group_form()
        admin = make_user("huangpu", "exp-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        viewer = make_user("huangpu", "exp-viewer", groups=(role_group_name(Role.VIEWER),))
        job = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=admin))
        masked = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=viewer))
    assert (job.status, job.done, job.filename[-5:]) == ("done", 2, ".xlsx")
    workbook = workbook_of(job)
    assert workbook.sheetnames == ["提交记录", "同行人员", "慰问品"]
    main, visitors, gifts = (workbook[name] for name in workbook.sheetnames)
    assert values(main) == [
        ["回执编号", "提交时间", "状态", "军休干部", "主题", "同行人员", "慰问品"],
        [first.receipt, local(first.created_at), "已提交", None, "春节走访", "2 行", "1 行"],
        [second.receipt, local(second.created_at), "已提交", None, "'-日常", None, "2 行"],
    ]
    assert values(visitors) == [
        ["回执编号", "序号", "姓名", "电话"],
        [first.receipt, 1, "'=王五", PHONE],
        [first.receipt, 2, "李四", None],
    ]
    assert values(gifts) == [
        ["回执编号", "序号", "物品", "数量"],
        [first.receipt, 1, "大米", 2],
        [second.receipt, 1, "油", 1],
        [second.receipt, 2, "面", None],
    ]
    # The header stays in view and stands out; a formula-like answer is text.
    assert [sheet.freeze_panes for sheet in (main, visitors, gifts)] == ["A2", "A2", "A2"]
    assert main["A1"].font.b is True and visitors["C2"].data_type == "s"
    # A viewer may not see phone numbers: masked in the group's sheet too.
    assert [row[3] for row in values(workbook_of(masked)["同行人员"])] == ["电话", "138****5678", None]


def test_a_csv_export_is_one_file_or_a_zip_of_one_file_per_repeat_group(centres):
    with schema_context("huangpu"):
        form, first, second = two_version_form()
        grouped, g_first, _g_second = group_form()
        admin = make_user("huangpu", "exp-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        single = submissions_export_write(
            job=ExportJob.objects.create(form=form, created_by=admin, params={"format": "csv"})
        )
        zipped = submissions_export_write(
            job=ExportJob.objects.create(form=grouped, created_by=admin, params={"format": "csv"})
        )
        unknown = submissions_export_write(
            job=ExportJob.objects.create(form=form, created_by=admin, params={"format": "pdf"})
        )
    assert (single.status, single.path[-4:], single.filename[-4:]) == ("done", ".csv", ".csv")
    raw = private_file_path(single.path, schema_name="huangpu").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == [
        ["回执编号", "提交时间", "状态", "军休干部", "主题（新）", "旧备注", "身份证号", "次数", "渠道"],
        [first.receipt, local(first.created_at), "已受理", "", "'=1+1", "'@SUM(A1)", ID_NUMBER, "-5", ""],
        [second.receipt, local(second.created_at), "已受理", "", "'+86 电话", "", "", "3", "'-电话"],
    ]
    assert (zipped.status, zipped.path[-4:], zipped.filename[-4:]) == ("done", ".zip", ".zip")
    with zipfile.ZipFile(private_file_path(zipped.path, schema_name="huangpu")) as archive:
        assert archive.namelist() == ["走访-记录.csv", "走访-记录-同行人员.csv", "走访-记录-慰问品.csv"]
        files = {name: archive.read(name) for name in archive.namelist()}
    assert all(content.startswith(codecs.BOM_UTF8) for content in files.values())
    assert list(csv.reader(io.StringIO(files["走访-记录-同行人员.csv"].decode("utf-8-sig")))) == [
        ["回执编号", "序号", "姓名", "电话"],
        [g_first.receipt, "1", "'=王五", PHONE],
        [g_first.receipt, "2", "李四", ""],
    ]
    assert (unknown.status, unknown.path, unknown.error) == ("failed", "", "ValueError: unknown export format 'pdf'")


def test_a_big_export_is_read_in_chunks_from_a_server_side_cursor_and_written_exactly(centres, monkeypatch):
    from django.db.models.sql import compiler

    fetched: list[tuple[bool, int]] = []
    original = compiler.cursor_iter

    def counting(cursor, sentinel, col_count, itersize):
        for rows in original(cursor, sentinel, col_count, itersize):
            fetched.append((getattr(cursor, "name", None) is not None, len(rows)))
            yield rows

    with schema_context("huangpu"):
        form = form_create(title="大量", key="many")
        form_field_add(form=form, name="n", field_type="integer", label="编号")
        form_field_add(form=form, name="t", field_type="text", label="文字")
        form_publish(form=form)
        version = form.current_version
        Submission.objects.bulk_create(
            Submission(form=form, version=version, data={"n": i, "t": f"+{i}"}, state="received", channel="admin")
            for i in range(2500)
        )
        admin = make_user("huangpu", "exp-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        monkeypatch.setattr(exports, "CHUNK_SIZE", 1000)
        monkeypatch.setattr(compiler, "cursor_iter", counting)
        job = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=admin))
    assert (job.status, job.done, job.total) == ("done", 2500, 2500)
    # Submissions come 1,000 at a time through a named (server-side) cursor, never all at once.
    assert [size for named, size in fetched if named] == [1000, 1000, 500]
    rows = sheet_rows(job)
    assert len(rows) == 2501
    assert [row[4:] for row in rows[1:]] == [[i, f"'+{i}"] for i in range(2500)]


def test_the_format_is_chosen_where_the_export_starts_and_the_download_is_a_csv(
    centres, django_capture_on_commit_callbacks
):
    from tests.conftest import client_for

    with schema_context("huangpu"):
        form, first, second = two_version_form()
        admin = make_user("huangpu", "exp-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(admin)
    page = client.get(f"/admin/forms-engine/{form.pk}/submissions/").content.decode()
    assert '<select name="format">' in page and '<option value="csv">' in page
    with django_capture_on_commit_callbacks():
        assert client.post(f"/admin/forms-engine/{form.pk}/export/", {"format": "csv"}).status_code == 302
        assert client.post(f"/admin/forms-engine/{form.pk}/export/", {"format": "pdf"}).status_code == 302
    connection.set_schema_to_public()
    with schema_context("huangpu"):
        csv_job, other = ExportJob.objects.filter(form=form).order_by("pk")
        assert (csv_job.params, other.params) == ({"format": "csv"}, {})  # an unknown format is the default, xlsx
        submissions_export_write(job=csv_job)
        submissions_export_write(job=other)
        csv_job.refresh_from_db()
        other.refresh_from_db()
    response = client.get(f"/admin/forms-engine/exports/{csv_job.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_job.filename in unquote(response["Content-Disposition"]) and csv_job.filename.endswith(".csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(text))] == ["回执编号", first.receipt, second.receipt]
    response = client.get(f"/admin/forms-engine/exports/{other.pk}/download/")
    assert response["Content-Type"] == exports.XLSX_TYPE and other.filename.endswith(".xlsx")

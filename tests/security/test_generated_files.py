"""Generated files (form exports, report workbooks) live outside MEDIA, under JUNXIU_PRIVATE_FILES/<schema>/, and are
handed out only by checked, logged views for 24 hours; nginx sends them when X-Accel-Redirect is configured; no
/media/ URL reaches them, in DEBUG either (issue 13, defect 1)."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.urls import clear_url_caches
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from forms_engine.exports import submissions_export_write
from forms_engine.models import ExportJob
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.models import AccessLog
from reports.exports import VIEW, report_export_run, report_export_start
from reports.filters import Filters
from reports.models import ReportAccess, ReportExport
from reports.periods import Period
from reports.roles import BureauRole, bureau_role_grant
from tenants.roles import Role, role_group, role_group_name
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

EXPORTS = "/admin/forms-engine/exports/"
GONE_ZH = "此导出已不可用"  # start of the 410 page's message in Chinese
FORM_TITLE = "投诉登记"
ADMIN_NO_STORE = "private, no-store, max-age=0, no-cache, must-revalidate"  # ours, plus the Wagtail admin's never_cache


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.JUNXIU_PRIVATE_FILES = tmp_path / "private"


def _login(code: str, username: str, role: Role | None):
    make_user(code, username, groups=(role_group_name(role),) if role else ())
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def _export(maker: str = "gf-admin") -> tuple[ExportJob, int]:
    """A finished export of a one-submission form in huangpu, made by `maker` (a user already made)."""
    with schema_context("huangpu"):
        form = form_create(title=FORM_TITLE, key="complaints")
        form_field_add(form=form, name="content", field_type="text", label="内容")
        form_publish(form=form)
        submission = submission_create(form=form, data={"content": "楼道灯坏了"})
        user = get_user_model().objects.get(username=maker)
        job = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=user))
        assert job.status == "done"
        return job, submission.pk


def _log_rows() -> list[tuple]:
    with schema_context("huangpu"):
        return list(AccessLog.objects.order_by("pk").values_list("username", "action", "channel", "model"))


def test_a_form_export_is_stored_outside_media_and_only_its_maker_downloads_it_logged(centres):
    admin = _login("huangpu", "gf-admin", Role.CENTRE_ADMIN)
    job, submission_id = _export()
    stored = Path(settings.JUNXIU_PRIVATE_FILES) / job.path
    assert job.path.startswith("huangpu/form-exports/") and stored.is_file()
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    assert list(Path(settings.MEDIA_ROOT).rglob(stored.name)) == []
    assert job.filename == f"{FORM_TITLE}-{timezone.localtime(job.finished_at):%Y%m%d-%H%M}.xlsx"

    response = admin.get(f"{EXPORTS}{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"complaints.xlsx\"; filename*=UTF-8''{quote(job.filename)}"
    )
    assert response["Cache-Control"] == ADMIN_NO_STORE
    body = b"".join(response.streaming_content)
    assert load_workbook(io.BytesIO(body)).active["E2"].value == "楼道灯坏了"
    with schema_context("huangpu"):
        assert list(AccessLog.objects.values_list("username", "action", "channel", "model", "record_ids")) == [
            ("gf-admin", "export", "export", "Submission", [submission_id])
        ]

    # Refused: anonymous, a viewer of the same centre, another centre's admin (on its own host, and with its
    # session on huangpu's host), and the maker once they no longer hold a role that may view the form.
    anonymous = client_for("huangpu").get(f"{EXPORTS}{job.pk}/download/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    viewer = _login("huangpu", "gf-viewer", Role.VIEWER)
    assert viewer.get(f"{EXPORTS}{job.pk}/download/").status_code == 404
    putuo = _login("putuo", "gf-admin", Role.CENTRE_ADMIN)
    assert putuo.get(f"{EXPORTS}{job.pk}/download/").status_code == 404
    borrowed = client_for("huangpu")
    borrowed.cookies = putuo.cookies
    assert borrowed.get(f"{EXPORTS}{job.pk}/download/").status_code == 302
    with schema_context("huangpu"):  # now an editor: still in the admin, no longer among the form's viewers
        get_user_model().objects.get(username="gf-admin").groups.set([role_group(Role.EDITOR)])
    connection.set_schema_to_public()
    assert admin.get(f"{EXPORTS}{job.pk}/download/").status_code == 404
    assert len(_log_rows()) == 1 and stored.is_file()  # nothing logged, nothing deleted by a refusal


def test_an_export_older_than_24_hours_answers_410_in_chinese_and_its_file_is_deleted(centres):
    admin = _login("huangpu", "gf-admin", Role.CENTRE_ADMIN)
    job, _submission = _export()
    stored = Path(settings.JUNXIU_PRIVATE_FILES) / job.path
    with schema_context("huangpu"):
        ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=23, minutes=59))
    assert admin.get(f"{EXPORTS}{job.pk}/download/").status_code == 200  # still within the day
    with schema_context("huangpu"):
        ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=24, minutes=1))

    gone = admin.get(f"{EXPORTS}{job.pk}/download/")
    assert gone.status_code == 410 and GONE_ZH in gone.content.decode()
    assert not stored.exists()
    with schema_context("huangpu"):
        assert ExportJob.objects.get(pk=job.pk).path == ""
    assert admin.get(f"{EXPORTS}{job.pk}/download/").status_code == 410
    assert _log_rows() == [("gf-admin", "export", "export", "Submission")]  # only the download within the day
    assert "/download/" not in admin.get(EXPORTS).content.decode()


def test_a_stored_path_that_leaves_the_centres_folder_is_never_served_nor_deleted(centres, tmp_path):
    admin = _login("huangpu", "gf-admin", Role.CENTRE_ADMIN)
    job, _submission = _export()
    root = Path(settings.JUNXIU_PRIVATE_FILES)
    outside = tmp_path / "secret.xlsx"
    outside.write_bytes(b"not yours")
    putuo_file = root / "putuo" / "form-exports" / "theirs.xlsx"
    putuo_file.parent.mkdir(parents=True)
    putuo_file.write_bytes(b"putuo's")
    for path in ("../secret.xlsx", "huangpu/../../secret.xlsx", str(outside), "putuo/form-exports/theirs.xlsx"):
        with schema_context("huangpu"):
            ExportJob.objects.filter(pk=job.pk).update(path=path)
        response = admin.get(f"{EXPORTS}{job.pk}/download/")
        assert response.status_code == 410, path
    assert outside.read_bytes() == b"not yours" and putuo_file.read_bytes() == b"putuo's"
    assert _log_rows() == []
    # The URL takes a number only.
    assert admin.get(f"{EXPORTS}..%2F..%2Fsecret.xlsx/download/").status_code == 404


def test_with_x_accel_redirect_nginx_sends_the_file(centres, django_user_model):
    admin = _login("huangpu", "gf-admin", Role.CENTRE_ADMIN)
    job, _submission = _export()
    with override_settings(JUNXIU_X_ACCEL_REDIRECT="/_private/"):
        response = admin.get(f"{EXPORTS}{job.pk}/download/")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private/{job.path}"
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith(f"filename*=UTF-8''{quote(job.filename)}")
    assert response["Cache-Control"] == ADMIN_NO_STORE
    assert len(_log_rows()) == 1

    # The bureau's workbook: the same helper, from the public schema's folder.
    connection.set_schema_to_public()
    analyst = django_user_model.objects.create_user(username="gf-analyst", password=PASSWORD)
    bureau_role_grant(user=analyst, role=BureauRole.ANALYST)
    export = report_export_start(kind=VIEW, filters=Filters(period=Period(timezone.localdate().year)), user=analyst)
    assert report_export_run(export.pk) == "done"
    export.refresh_from_db()
    assert export.path.startswith("public/reports/")
    bureau = client_for(None)
    bureau.force_login(analyst)
    with override_settings(JUNXIU_X_ACCEL_REDIRECT="/_private"):
        response = bureau.get(f"/reports/export/{export.pk}/download/")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private/{export.path}"
    assert response["Cache-Control"] == "private, no-store"
    assert list(ReportAccess.objects.values_list("username", "action").order_by("pk")) == [
        ("gf-analyst", "export"),
        ("gf-analyst", "download"),
    ]


def test_an_expired_report_workbook_is_deleted_when_asked_for(centres, django_user_model):
    analyst = django_user_model.objects.create_user(username="gf-analyst", password=PASSWORD)
    bureau_role_grant(user=analyst, role=BureauRole.ANALYST)
    export = report_export_start(kind=VIEW, filters=Filters(period=Period(timezone.localdate().year)), user=analyst)
    assert report_export_run(export.pk) == "done"
    export.refresh_from_db()
    stored = Path(settings.JUNXIU_PRIVATE_FILES) / export.path
    assert stored.is_file()
    ReportExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - dt.timedelta(hours=24, minutes=1))
    bureau = client_for(None)
    bureau.force_login(analyst)
    assert bureau.get(f"/reports/export/{export.pk}/download/").status_code == 410
    assert not stored.exists() and ReportExport.objects.get(pk=export.pk).path == ""
    assert list(ReportAccess.objects.values_list("action", flat=True)) == ["export"]  # no download logged


@pytest.fixture
def debug_media_route(settings):
    """The centre URLs as DEBUG builds them, with the development media route."""
    import junxiu.urls_centre

    settings.DEBUG = True
    importlib.reload(junxiu.urls_centre)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(junxiu.urls_centre)
    clear_url_caches()


def test_no_media_url_reaches_a_generated_or_private_file_even_in_debug(centres, debug_media_route):
    admin = _login("huangpu", "gf-admin", Role.CENTRE_ADMIN)
    job, _submission = _export()
    media = Path(settings.MEDIA_ROOT)
    image = media / "huangpu" / "original_images" / "gf-probe.png"
    old_export = media / "huangpu" / "form-exports" / "complaints-20261201-093000.xlsx"  # where exports used to go
    for path in (image, old_export):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG probe")
    try:
        assert admin.get("/media/huangpu/original_images/gf-probe.png").status_code == 200  # the route is there
        for url in [
            "/media/huangpu/form-exports/complaints-20261201-093000.xlsx",
            f"/media/huangpu/{job.path.split('/', 1)[1]}",
            f"/media/{job.path}",
            f"/media/huangpu/../../private/{job.path}",
            "/media/huangpu/original_images/../form-exports/complaints-20261201-093000.xlsx",
            "/media/putuo/original_images/gf-probe.png",
        ]:
            assert admin.get(url).status_code == 404, url
            assert client_for("huangpu").get(url).status_code == 404, url
    finally:
        image.unlink()
        old_export.unlink()

"""The submissions list: answers chosen as columns (the first few by default), filters by answer and date kept in the
URL (never on a personal answer), masking per the viewer, and the export of exactly what the list shows (chosen
columns, filtered rows, XLSX or CSV) started, polled and downloaded from the same page; isolated between centres."""

import csv
import datetime as dt
import io
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_engine.exports import submissions_export_write
from forms_engine.models import ExportJob, Submission
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.models import AccessLog
from tenants.roles import Role
from tests.forms_engine.test_admin_ui import BASE, login, page

pytestmark = pytest.mark.django_db
ID_NUMBER = resident_id_make("310101", dt.date(1948, 5, 6), 77)


def visits_form():
    form = form_create(title="走访", key="visits-list", purpose="visit")
    form_field_add(
        form=form,
        name="visit_type",
        field_type="choice",
        label="走访类型",
        choices=[{"value": "call", "label": "日常电话"}, {"value": "hospital", "label": "住院探望"}],
    )
    form_field_add(form=form, name="place", field_type="text", label="地点")
    form_field_add(form=form, name="minutes", field_type="integer", label="时长")
    form_field_add(form=form, name="visit_date", field_type="date", label="走访日期")
    form_field_add(form=form, name="idno", field_type="id_number", label="身份证号")
    form_field_add(form=form, name="pleased", field_type="yesno", label="是否满意")
    form_publish(form=form)
    rows = [
        ("hospital", "瑞金医院", 30, "2026-11-02", True, dt.date(2026, 11, 2)),
        ("call", "家中", 10, "2026-11-15", False, dt.date(2026, 11, 15)),
        ("hospital", "华山医院", 45, "2026-12-01", True, dt.date(2026, 12, 1)),
    ]
    made = []
    for visit_type, place, minutes, day, pleased, created in rows:
        data = {"visit_type": visit_type, "place": place, "minutes": minutes, "visit_date": day, "pleased": pleased}
        if place == "家中":
            data["idno"] = ID_NUMBER
        submission = submission_create(form=form, data=data)
        at = timezone.make_aware(dt.datetime.combine(created, dt.time(10)))
        Submission.objects.filter(pk=submission.pk).update(created_at=at)
        made.append(Submission.objects.get(pk=submission.pk))
    return form, made


def headers(html: str) -> list[str]:
    return re.findall(r'<th scope="col" data-column="(\w+)">', html)


def listed(html: str) -> list[str]:
    return re.findall(r'<tr data-submission="(\d+)">', html)


def cells(html: str, submission: Submission) -> list[str]:
    row = re.search(rf'<tr data-submission="{submission.pk}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_the_first_answers_show_by_default_and_the_chosen_ones_when_chosen(centres):
    with schema_context("huangpu"):
        form, (hospital, call, later) = visits_form()
    admin = login("huangpu", "sl-admin", Role.CENTRE_ADMIN)
    html = page(admin.get(f"{BASE}{form.pk}/submissions/"))
    assert headers(html) == ["visit_type", "place", "minutes", "visit_date"]
    assert cells(html, hospital)[4:8] == ["住院探望", "瑞金医院", "30", "2026-11-02"]
    html = page(admin.get(f"{BASE}{form.pk}/submissions/?cols=1&col=pleased&col=place"))
    assert headers(html) == ["place", "pleased"]  # in the form's order
    assert cells(html, call)[4:6] == ["家中", "否"]
    assert re.findall(r'<input type="checkbox" name="col" value="(\w+)" checked>', html) == ["place", "pleased"]
    # None chosen: no answer columns (not the default).
    assert headers(page(admin.get(f"{BASE}{form.pk}/submissions/?cols=1"))) == []


def test_answers_filter_the_list_in_the_url_and_personal_answers_are_never_offered(centres):
    with schema_context("huangpu"):
        form, (hospital, call, later) = visits_form()
    admin = login("huangpu", "sl-admin", Role.CENTRE_ADMIN)
    url = f"{BASE}{form.pk}/submissions/?"
    html = page(admin.get(url))
    assert re.findall(r'name="f_(\w+)"', html) == [
        "visit_type",
        "place",
        "minutes",
        "visit_date_from",
        "visit_date_to",
        "pleased",
    ]
    assert listed(page(admin.get(url + "f_visit_type=hospital"))) == [str(later.pk), str(hospital.pk)]
    assert listed(page(admin.get(url + urlencode({"f_place": "瑞金"})))) == [str(hospital.pk)]
    assert listed(page(admin.get(url + "f_minutes=10"))) == [str(call.pk)]
    assert listed(page(admin.get(url + "f_pleased=no"))) == [str(call.pk)]
    assert listed(page(admin.get(url + "f_visit_date_from=2026-11-10&f_visit_date_to=2026-11-30"))) == [str(call.pk)]
    assert listed(page(admin.get(url + "f_visit_type=hospital&since=2026-11-20"))) == [str(later.pk)]
    # A personal answer is sealed: a filter on it in the URL is ignored, never matched against anything.
    assert listed(page(admin.get(url + "f_idno=" + ID_NUMBER))) == [str(later.pk), str(call.pk), str(hospital.pk)]
    # The filters stay in the page links and the export (the query string goes with it).
    html = page(admin.get(url + "f_visit_type=hospital&cols=1&col=place"))
    assert '<input type="hidden" name="query" value="f_visit_type=hospital&amp;cols=1&amp;col=place">' in html
    assert '<option value="hospital" selected>住院探望</option>' in html


def test_a_personal_column_is_masked_unless_permitted_and_an_unmasked_view_is_logged(huangpu_people):
    with schema_context("huangpu"):
        form, (hospital, call, later) = visits_form()
        form.access = {**form.access, "view": [Role.VIEWER.value]}
        form.save()
    viewer = login("huangpu", "sl-viewer", Role.VIEWER)
    html = page(viewer.get(f"{BASE}{form.pk}/submissions/?cols=1&col=idno"))
    assert ID_NUMBER not in html and cells(html, call)[4] == "*" * 17 + ID_NUMBER[-1]
    with schema_context("huangpu"):
        assert AccessLog.objects.count() == 0
    admin = login("huangpu", "sl-admin", Role.CENTRE_ADMIN)
    assert cells(page(admin.get(f"{BASE}{form.pk}/submissions/?cols=1&col=idno")), call)[4] == ID_NUMBER
    with schema_context("huangpu"):
        assert list(AccessLog.objects.values_list("username", "action", "record_ids", "fields")) == [
            ("sl-admin", "view", [call.pk], ["visits-list:idno"])
        ]


def test_the_export_has_exactly_the_chosen_columns_and_the_filtered_rows(centres, django_capture_on_commit_callbacks):
    with schema_context("huangpu"):
        form, (hospital, call, later) = visits_form()
    admin = login("huangpu", "sl-admin", Role.CENTRE_ADMIN)
    query = "f_visit_type=hospital&cols=1&col=pleased&col=place"
    with django_capture_on_commit_callbacks():
        response = admin.post(
            f"{BASE}{form.pk}/export/",
            {"query": query, "format": "csv"},
            headers={"X-Requested-With": "XMLHttpRequest"},
        )
    assert response.status_code == 202
    connection.set_schema_to_public()
    with schema_context("huangpu"):
        job = ExportJob.objects.get(form=form)
        assert job.params == {"answers": {"visit_type": "hospital"}, "columns": ["place", "pleased"], "format": "csv"}
    status_url = f"{BASE}exports/{job.pk}/status/"
    assert response.json() == {
        "job": job.pk,
        "status_url": status_url,
        "message": "导出已开始；文件准备好后会自动下载。",
    }
    assert admin.get(status_url).json() == {
        "status": "queued",
        "done": 0,
        "total": 0,
        "percent": 0,
        "message": "正在导出…… 已完成 0 / 0 条。",
    }
    with schema_context("huangpu"):
        submissions_export_write(job=job)
        job.refresh_from_db()
    answer = admin.get(status_url).json()
    assert answer == {
        "status": "done",
        "done": 2,
        "total": 2,
        "percent": 100,
        "download_url": f"{BASE}exports/{job.pk}/download/",
        "message": f"导出已完成：{job.filename}",
    }
    download = admin.get(answer["download_url"])
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    with schema_context("huangpu"):  # the download is logged with the records and the columns it holds
        assert list(AccessLog.objects.values_list("username", "action", "record_ids", "fields")) == [
            ("sl-admin", "export", sorted([hospital.pk, later.pk]), ["place", "pleased"])
        ]
    local = {s.pk: timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M") for s in (hospital, later)}
    assert list(csv.reader(io.StringIO(text))) == [
        ["回执编号", "提交时间", "状态", "军休干部", "地点", "是否满意"],
        [hospital.receipt, local[hospital.pk], "已提交", "", "瑞金医院", "是"],
        [later.receipt, local[later.pk], "已提交", "", "华山医院", "是"],
    ]


def test_another_centre_never_reaches_the_export_of_chosen_columns(centres, django_capture_on_commit_callbacks):
    with schema_context("huangpu"):
        form, _made = visits_form()
    admin = login("huangpu", "sl-admin", Role.CENTRE_ADMIN)
    with django_capture_on_commit_callbacks():
        admin.post(f"{BASE}{form.pk}/export/", {"query": "cols=1&col=place", "format": "csv"})
    connection.set_schema_to_public()
    with schema_context("huangpu"):
        job = ExportJob.objects.get(form=form)
        submissions_export_write(job=job)
        job.refresh_from_db()
    other = login("putuo", "sl-admin", Role.CENTRE_ADMIN)
    assert other.get(f"{BASE}exports/{job.pk}/status/").status_code == 404
    assert other.get(f"{BASE}exports/{job.pk}/download/").status_code == 404
    assert other.get(f"{BASE}{form.pk}/submissions/?cols=1&col=place").status_code == 404
    assert other.post(f"{BASE}{form.pk}/export/", {"query": "cols=1&col=place", "format": "csv"}).status_code == 404
    with schema_context("putuo"):
        assert ExportJob.objects.count() == 0
    with schema_context("huangpu"):
        assert list(ExportJob.objects.values_list("pk", "status")) == [(job.pk, "done")]
    # Someone else of the same centre does not see one's export either.
    colleague = login("huangpu", "sl-admin2", Role.CENTRE_ADMIN)
    assert colleague.get(f"{BASE}exports/{job.pk}/status/").status_code == 404


def test_the_list_reads_a_bounded_number_of_queries(centres, django_assert_max_num_queries):
    with schema_context("huangpu"):
        form, _made = visits_form()
        for n in range(40):
            submission_create(form=form, data={"visit_type": "call", "place": f"家{n}", "idno": ID_NUMBER})
    admin = login("huangpu", "sl-admin", Role.CENTRE_ADMIN)
    url = f"{BASE}{form.pk}/submissions/?cols=1&col=place&col=idno&col=visit_type"
    with django_assert_max_num_queries(40):
        html = page(admin.get(url))
    assert len(listed(html)) == 43

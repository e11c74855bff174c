"""The submissions list as a centre admin meets it, in Chromium: two answers chosen as columns, the list filtered by an
answer and by date (all kept in the address), then exported as CSV from the same page — a real qcluster writes the
file, the page polls it and the browser downloads it — holding exactly the chosen columns and the filtered rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from forms_engine.models import ExportJob, FormDefinition, Submission
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.models import AccessLog
from tenants.roles import Role, role_group_name
from tests.cluster import cluster_start, cluster_stop
from tests.conftest import PASSWORD, make_user

KEY, USER = "browser-submissions", "browser-submissions"


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    AccessLog.objects.filter(username=USER).delete()  # the download is logged
    LoginLog.objects.filter(username=USER).delete()
    AccessAttempt.objects.filter(username=USER).delete()
    ExportJob.objects.filter(form__key=KEY).delete()
    Submission.objects.filter(form__key=KEY).delete()
    FormDefinition.objects.filter(key=KEY).update(current_version=None)
    FormDefinition.objects.filter(key=KEY).delete()
    get_user_model().objects.filter(username=USER).delete()


@pytest.fixture
def submissions_data(committed_db, centre_server):
    with schema_context("huangpu"):
        _clean()
        form = form_create(title="浏览器走访记录", key=KEY, purpose="visit")
        form_field_add(
            form=form,
            name="visit_type",
            field_type="choice",
            label="走访类型",
            choices=[{"value": "call", "label": "日常电话"}, {"value": "hospital", "label": "住院探望"}],
        )
        form_field_add(form=form, name="place", field_type="text", label="地点")
        form_field_add(form=form, name="minutes", field_type="integer", label="时长")
        form_field_add(form=form, name="gift", field_type="text", label="慰问品")
        form_field_add(form=form, name="remark", field_type="text", label="备注")
        form_publish(form=form)
        made = {}
        rows = [
            ("a", "hospital", "瑞金医院", 30, "水果", dt.date(2026, 10, 20)),
            ("b", "call", "家中", 10, "", dt.date(2026, 11, 5)),
            ("c", "hospital", "华山医院", 45, "鲜花", dt.date(2026, 11, 18)),
            ("d", "hospital", "仁济医院", 20, "牛奶", dt.date(2026, 12, 2)),
        ]
        for tag, visit_type, place, minutes, gift, day in rows:
            data = {"visit_type": visit_type, "place": place, "minutes": minutes, "gift": gift, "remark": "备注" + tag}
            submission = submission_create(form=form, data=data)
            Submission.objects.filter(pk=submission.pk).update(
                created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
            )
            made[tag] = Submission.objects.get(pk=submission.pk)
        make_user("huangpu", USER, groups=(role_group_name(Role.CENTRE_ADMIN),))
    connection.set_schema_to_public()
    yield form, made
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


@pytest.fixture
def cluster(tmp_path, committed_db):
    process = cluster_start(tmp_path / "sms.jsonl")
    yield process
    cluster_stop(process)


def test_chosen_columns_and_filters_are_exported_as_csv_from_the_list_page(
    browser, centre_server, submissions_data, cluster, screenshot_dir
):
    form, made = submissions_data
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(centre_server.url("huangpu", "/admin/login/"))
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(centre_server.url("huangpu", f"/admin/forms-engine/{form.pk}/submissions/"))

    columns = page.locator(".fe-submissions thead th[data-column]")
    expect(columns).to_have_text(["走访类型", "地点", "时长", "慰问品"])  # the first four by default

    # Columns: 慰问品 and 地点 only.
    page.locator("#fe-columns summary").click()
    for label in ("走访类型", "时长"):
        page.locator("#fe-columns").get_by_role("checkbox", name=label, exact=True).uncheck()
    page.locator("#fe-columns").get_by_role("button", name="显示这些列").click()
    page.wait_for_load_state()
    expect(columns).to_have_text(["地点", "慰问品"])

    # Filters: 住院探望, submitted in November.
    page.select_option("#fe-f-visit_type", "hospital")
    page.fill('input[name="since"]', "2026-11-01")
    page.fill('input[name="until"]', "2026-11-30")
    page.locator("#fe-list-form").get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"f_visit_type=hospital"))
    query = parse_qs(urlparse(page.url).query)
    assert (query["col"], query["f_visit_type"], query["since"], query["until"]) == (
        ["place", "gift"],
        ["hospital"],
        ["2026-11-01"],
        ["2026-11-30"],
    )
    rows = page.locator(".fe-submissions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text(made["c"].receipt)
    expect(columns).to_have_text(["地点", "慰问品"])  # the chosen columns kept through the filter

    # Export as CSV from this page: the job runs in the cluster, the page polls and downloads it.
    page.select_option('select[name="format"]', "csv")
    with page.expect_download(timeout=60_000) as downloading:
        page.get_by_role("button", name="导出这些提交记录").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()
    moment = timezone.localtime(made["c"].created_at).strftime("%Y-%m-%d %H:%M")
    assert list(csv.reader(io.StringIO(text))) == [
        ["回执编号", "提交时间", "状态", "军休干部", "地点", "慰问品"],
        [made["c"].receipt, moment, "已提交", "", "华山医院", "鲜花"],
    ]
    status = page.locator("#fe-export-status")
    expect(status).to_contain_text("导出已完成")
    expect(status.locator("[data-fe-download]")).to_have_text("再次下载")
    assert page.url.startswith(centre_server.url("huangpu", f"/admin/forms-engine/{form.pk}/submissions/"))
    page.screenshot(path=str(screenshot_dir / "submissions-exported.png"), full_page=True)
    page.close()

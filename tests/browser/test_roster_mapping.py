"""The roster import's mapping step in Chromium: a roster whose retirement kind and mobile columns have headers the
importer does not know is uploaded, the two columns are given their fields in the page's selects, the file is
checked again and imported — under the strict Content-Security-Policy (the conftest fails on any violation)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context
from openpyxl import Workbook

from registry.crypto import lookup_hash
from registry.idcard import resident_id_make
from registry.models import AccessLog, Cadre, RosterColumnMapping
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user

USER = "browser-roster"
HEADERS = ["姓名", "身份证号", "级别", "人员性质（浏览器）", "联系方式（浏览器）", "籍贯（浏览器）"]
IDS = [resident_id_make("310109", dt.date(1939, 7, 1), seq) for seq in (901, 902)]


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    AccessLog.objects.filter(username=USER).delete()
    LoginLog.objects.filter(username=USER).delete()
    AccessAttempt.objects.filter(username=USER).delete()
    Cadre.objects.filter(id_hash__in=[lookup_hash(number) for number in IDS]).delete()
    RosterColumnMapping.objects.filter(headers=HEADERS).delete()
    get_user_model().objects.filter(username=USER).delete()


@pytest.fixture
def roster_user(committed_db, centre_server):
    with schema_context("huangpu"):
        _clean()
        make_user("huangpu", USER, groups=(role_group_name(Role.CENTRE_ADMIN),))
    connection.set_schema_to_public()
    yield
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


def _roster() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(["赵浏览", IDS[0], "师级", "离休", "13811112222", "山东"])
    sheet.append(["钱浏览", IDS[1], "团级以下", "退休", "13933334444", "江苏"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_unknown_columns_are_mapped_on_the_import_page_and_imported(browser, centre_server, roster_user):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 900})
    page.goto(centre_server.url("huangpu", "/admin/login/"))
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(centre_server.url("huangpu", "/admin/registry/cadres/import/"))
    page.set_input_files(
        "#id_file", files=[{"name": "花名册.xlsx", "mimeType": "application/octet-stream", "buffer": _roster()}]
    )
    page.get_by_role("button", name="检查文件").click()
    page.locator("#import-map").wait_for()
    rows = page.locator("table.registry-import-mapping tbody tr")
    assert [re.sub(r"\s+", " ", text).strip() for text in rows.all_inner_texts()][0].startswith("D 人员性质（浏览器）")
    page.select_option('select[name="column-3"]', "kind")
    page.select_option('select[name="column-4"]', "mobile")
    page.select_option('select[name="column-5"]', "")
    page.get_by_role("button", name="按此对应关系重新检查").click()
    page.get_by_role("button", name="确认导入").wait_for()
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(re.compile(r"/admin/registry/cadres/import/$"))
    with schema_context("huangpu"):
        imported = {c.name: (c.kind, c.mobile) for c in Cadre.objects.filter(id_hash__in=[lookup_hash(n) for n in IDS])}
        assert imported == {"赵浏览": ("lixiu", "13811112222"), "钱浏览": ("tuixiu", "13933334444")}
        assert RosterColumnMapping.objects.get(headers=HEADERS).mapping == {
            "人员性质": "kind",
            "联系方式": "mobile",
            "籍贯": "",
        }
    connection.set_schema_to_public()
    page.close()

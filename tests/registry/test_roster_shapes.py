"""Cadre rosters as centres really have them (issue 14 §1): headers written the usual other ways, title rows above
the header, empty columns between, dates as text or Excel serial numbers, unrecognised columns mapped in the admin
(and remembered per centre) or with the command's --map; all or nothing as before."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context
from openpyxl import Workbook

from registry.crypto import lookup_hash
from registry.models import Cadre, RestHome, RosterColumnMapping
from registry.spreadsheets import cadre_import
from tenants.roles import Role, role_group_name
from tests.conftest import make_user
from tests.registry.test_spreadsheets import admin_client, person_id, problems

pytestmark = pytest.mark.django_db
MISSING = "表头行（第 1 行）缺少必填列：%s。请按导入模板命名这些列，或指定文件中的哪一列对应它们。"


def roster(rows: list[list], headers: list, *, above: list[list] | None = None, merge: str = "") -> io.BytesIO:
    """A workbook as another system or a caseworker makes it: optional title rows (merged across) above the header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for line in above or []:
        sheet.append(line)
    if merge:
        sheet.merge_cells(merge)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "花名册.xlsx"
    return buffer


@pytest.fixture
def homes(centres):
    with schema_context("huangpu"):
        return {"east": RestHome.objects.get_or_create(name="东休养所")[0]}


@pytest.fixture
def huangpu_admin(centres):
    return make_user("huangpu", "hp-centre-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))


ROW = ["张援朝", person_id(101), "师级", "离休", "东休养所", "13812345678"]


@pytest.mark.parametrize(
    "headers",
    [
        ["姓名", "身份证号", "级别", "离休/退休", "所属休养所", "联系电话"],  # the roster of the issue
        ["干部姓名（必填）", "公民身份号码 (必填)", "待遇级别*", "离退休", "休养所名称", "电话"],
        [" 姓  名 ", "身份证号码（18位）", "职级", "类别", "休养所", "电话号码【选填】"],
        ["姓名", "ＩＤ号码", "级别", "人员类别", "所在休养所", "座机"],  # full-width letters: not an alias of ID
    ],
    ids=["issue", "required-notes", "spaces-and-notes", "unknown-id-header"],
)
def test_the_usual_ways_of_writing_a_header_are_recognised(homes, headers):
    with schema_context("huangpu"):
        report = cadre_import(source=roster([ROW], headers), user=None, commit=True)
        if headers[1] == "ＩＤ号码":
            assert problems(report) == [(None, "", "", MISSING % "身份证号")]
            assert [(c.letter, c.header, c.samples, c.source) for c in report.columns_to_map] == [
                ("B", "ＩＤ号码", (person_id(101),), "unknown")
            ]
            assert Cadre.objects.count() == 0
            return
        assert report.committed, report.lines()
        assert (report.ignored_columns, report.created) == ([], 1)
        cadre = Cadre.objects.get()
        assert (cadre.name, cadre.level, cadre.kind, cadre.rest_home, cadre.phone) == (
            "张援朝",
            "division",
            "lixiu",
            homes["east"],
            "13812345678",
        )


def test_mobile_headers_fill_the_mobile_and_its_lookup(homes):
    headers = ["姓名", "身份证号", "级别", "离休/退休", "休养所", "手机号码"]
    with schema_context("huangpu"):
        report = cadre_import(source=roster([ROW], headers), user=None, commit=True)
        assert report.committed, report.lines()
        assert Cadre.objects.get().mobile == "13812345678"


def test_a_merged_title_row_above_the_header_and_an_empty_column_between(homes):
    above = [["黄浦区军休干部花名册"], ["制表单位：黄浦区军休中心", None, None, None, "制表日期：2026年12月"]]
    headers = ["序号", "姓名", None, "身份证号", "级别", "离休/退休", "休养所"]
    rows = [
        [1, "张援朝", None, person_id(101), "师级", "离休", "东休养所"],
        [2, "刘卫国", None, person_id(102, dt.date(1945, 8, 15)), "营级", "退休", ""],
        [3, "王建国", None, person_id(103), "团级以下", "退休", ""],
    ]
    source = roster(rows, headers, above=above, merge="A1:G1")
    with schema_context("huangpu"):
        report = cadre_import(source=source, user=None, commit=True)
        # Excel's own row numbers: the header is row 3, the bad row is row 5
        assert problems(report) == [(5, "E", "级别", "无法识别的值“营级”；可选值：师级、团级以下、退休军（警）士。")]
        assert (report.header_row, report.ignored_columns) == (3, ["A（序号）"])
        assert Cadre.objects.count() == 0  # all or nothing

        rows[1][4] = "团级以下"
        report = cadre_import(source=roster(rows, headers, above=above, merge="A1:G1"), user=None, commit=True)
        assert (report.committed, report.created, report.rows) == (True, 3, 3)
        assert sorted(Cadre.objects.values_list("name", "level")) == [
            ("刘卫国", "regiment"),
            ("张援朝", "division"),
            ("王建国", "regiment"),
        ]


def test_the_roster_sheet_is_found_among_others_by_its_headers(homes):
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表由某系统导出"])
    sheet = workbook.create_sheet("花名册")
    sheet.append(["姓名", "身份证号", "级别", "离休/退休"])
    sheet.append(ROW[:4])
    workbook.create_sheet("统计")
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    with schema_context("huangpu"):
        report = cadre_import(source=buffer, user=None, commit=True)
        assert (report.committed, report.created) == (True, 1), report.lines()
        assert Cadre.objects.get().name == "张援朝"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1985-05-01", dt.date(1985, 5, 1)),
        ("1985.5.1", dt.date(1985, 5, 1)),
        ("1985年5月1日", dt.date(1985, 5, 1)),
        ("19850501", dt.date(1985, 5, 1)),
        (19850501, dt.date(1985, 5, 1)),  # the digits typed into a number cell
        ("198505", dt.date(1985, 5, 1)),  # a month: its first day
        (198505, dt.date(1985, 5, 1)),
        ("1985.5", dt.date(1985, 5, 1)),
        ("1985年5月", dt.date(1985, 5, 1)),
        (31168, dt.date(1985, 5, 1)),  # an Excel serial date whose date format was lost
        (31168.0, dt.date(1985, 5, 1)),
        (45631, dt.date(2024, 12, 5)),
    ],
)
def test_dates_as_text_and_as_excel_serial_numbers(homes, cell, expected):
    headers = ["姓名", "身份证号", "级别", "离退休类别", "移交时间"]
    with schema_context("huangpu"):
        report = cadre_import(source=roster([[*ROW[:4], cell]], headers), user=None, commit=True)
        assert report.committed, report.lines()
        assert Cadre.objects.get().transfer_in_date == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (1234567, "此单元格是数字而不是日期；请将单元格设为日期格式，或写成 1938-05-01。"),
        ("198513", "日期 198513 不存在。"),
        ("1985年13月", "日期 1985年13月 不存在。"),
    ],
)
def test_numbers_and_months_that_are_no_date_are_refused(homes, cell, message):
    headers = ["姓名", "身份证号", "级别", "离退休类别", "移交时间"]
    with schema_context("huangpu"):
        report = cadre_import(source=roster([[*ROW[:4], cell]], headers), user=None, commit=True)
        assert problems(report) == [(2, "E", "移交日期", message)]
        assert Cadre.objects.count() == 0


def test_a_birth_month_agreeing_with_the_id_number_keeps_the_day_of_the_id(homes):
    headers = ["姓名", "身份证号", "出生年月", "级别", "离退休"]
    born = dt.date(1940, 5, 15)
    rows = [
        ["张援朝", person_id(101, born), "1940.05", "师级", "离休"],
        ["刘卫国", person_id(102, born), 194005, "师级", "离休"],
    ]
    with schema_context("huangpu"):
        report = cadre_import(source=roster(rows, headers), user=None, commit=True)
        assert report.committed, report.lines()
        assert set(Cadre.objects.values_list("birth_date", flat=True)) == {born}

        wrong = [["王建国", person_id(103, born), "1941.05", "师级", "离休"]]
        report = cadre_import(source=roster(wrong, headers), user=None, commit=True)
        assert problems(report) == [(2, "C", "出生日期", "出生日期与身份证号中的出生日期（1940-05-15）不一致。")]
        assert Cadre.objects.count() == 2


# The roster of another system: the retirement kind under 人员性质, the mobile under 联系方式, and 籍贯 to leave out.
OTHER_HEADERS = ["姓名", "身份证号", "级别", "人员性质", "联系方式", "籍贯"]


def other_rows() -> list[list]:
    return [
        ["张援朝", person_id(101), "师级", "离休", "13812345678", "山东"],
        ["刘卫国", person_id(102, dt.date(1945, 8, 15)), "团级以下", "退休", "13900001111", "江苏"],
    ]


def test_an_unrecognised_column_is_mapped_in_the_admin_and_remembered_for_the_next_file(homes, huangpu_admin):
    client = admin_client("huangpu", "hp-centre-admin")
    upload = client.post("/admin/registry/cadres/import/", {"file": roster(other_rows(), OTHER_HEADERS)})
    assert upload.status_code == 422
    page = upload.content.decode()
    assert MISSING % "离退休类别" in page
    report = upload.context["report"]
    assert [(c.index, c.letter, c.header, c.samples, c.field) for c in report.columns_to_map] == [
        (3, "D", "人员性质", ("离休", "退休"), ""),
        (4, "E", "联系方式", ("13812345678", "13900001111"), ""),
        (5, "F", "籍贯", ("山东", "江苏"), ""),
    ]
    assert 'name="column-3"' in page and '<option value="kind">离退休类别</option>' in page
    assert "style=" not in page.split('id="import-map"')[1]  # the mapping step keeps to the strict CSP
    token = upload.context["token"]
    assert token
    with schema_context("huangpu"):
        assert (Cadre.objects.count(), RosterColumnMapping.objects.count()) == (0, 0)

    mapped = client.post(
        "/admin/registry/cadres/import/map/", {"token": token, "column-3": "kind", "column-4": "mobile", "column-5": ""}
    )
    assert mapped.status_code == 200
    report = mapped.context["report"]
    assert (report.ok, report.created, report.ignored_columns) == (True, 2, ["F（籍贯）"])
    assert '<option value="kind" selected>离退休类别</option>' in mapped.content.decode()
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 0  # still a dry run
        remembered = RosterColumnMapping.objects.get()
        assert remembered.mapping == {"人员性质": "kind", "联系方式": "mobile", "籍贯": ""}
        assert remembered.headers == OTHER_HEADERS

    done = client.post("/admin/registry/cadres/import/commit/", {"token": token})
    assert done.status_code == 302
    with schema_context("huangpu"):
        zhang = Cadre.objects.get(id_hash=lookup_hash(person_id(101)))
        assert (zhang.kind, zhang.mobile, Cadre.objects.count()) == ("lixiu", "13812345678", 2)

    # the next file with the same headers is read with the remembered mapping, no step needed
    rows = [["王建国", person_id(103), "师级", "退休", "13700002222", "浙江"]]
    again = client.post("/admin/registry/cadres/import/", {"file": roster(rows, OTHER_HEADERS)})
    assert again.status_code == 200
    report = again.context["report"]
    assert (report.ok, report.created) == (True, 1)
    assert [(c.letter, c.field, c.source) for c in report.columns_to_map] == [
        ("D", "kind", "remembered"),
        ("E", "mobile", "remembered"),
        ("F", "", "remembered"),
    ]
    assert "（按上次的选择）" in again.content.decode()
    client.post("/admin/registry/cadres/import/commit/", {"token": again.context["token"]})
    with schema_context("huangpu"):
        wang = Cadre.objects.get(id_hash=lookup_hash(person_id(103)))
        assert (wang.kind, wang.mobile) == ("tuixiu", "13700002222")

    # another centre remembers nothing of huangpu's mapping
    make_user("putuo", "pt-centre-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    putuo = admin_client("putuo", "pt-centre-admin")
    elsewhere = putuo.post("/admin/registry/cadres/import/", {"file": roster(other_rows(), OTHER_HEADERS)})
    assert elsewhere.status_code == 422
    assert [c.source for c in elsewhere.context["report"].columns_to_map] == ["unknown", "unknown", "unknown"]
    with schema_context("putuo"):
        assert (Cadre.objects.count(), RosterColumnMapping.objects.count()) == (0, 0)


def test_the_mapping_step_refuses_a_field_that_does_not_exist_and_another_sessions_file(homes, huangpu_admin):
    client = admin_client("huangpu", "hp-centre-admin")
    token = client.post("/admin/registry/cadres/import/", {"file": roster(other_rows(), OTHER_HEADERS)}).context[
        "token"
    ]
    bad = client.post("/admin/registry/cadres/import/map/", {"token": token, "column-3": "id_hash"})
    assert bad.status_code == 400
    other = admin_client("huangpu", "hp-centre-admin")  # the same user, another session
    assert other.post("/admin/registry/cadres/import/map/", {"token": token, "column-3": "kind"}).status_code == 302
    with schema_context("huangpu"):
        assert (Cadre.objects.count(), RosterColumnMapping.objects.count()) == (0, 0)


def test_the_command_maps_columns_with_map_and_exits_non_zero_on_failure(homes, tmp_path):
    path = tmp_path / "other.xlsx"
    path.write_bytes(roster(other_rows(), OTHER_HEADERS).getvalue())
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("cadre_import", "--centre", "huangpu", str(path), "--commit", stdout=out)
    assert exited.value.code == 1
    assert out.getvalue().splitlines() == [
        "共 0 行：新增 0 人，更新 0 人，无变化 0 人，问题 1 处。",
        "以下列不属于导入模板，已忽略：D（人员性质）、E（联系方式）、F（籍贯）",
        MISSING % "离退休类别",
        "未写入任何数据。请修改文件后重新导入。",
    ]
    with pytest.raises(CommandError, match="--map 中的字段“nationality”不存在"):
        call_command("cadre_import", "--centre", "huangpu", str(path), "--map", "籍贯=nationality")
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 0

    out = StringIO()
    call_command(
        "cadre_import",
        "--centre",
        "huangpu",
        str(path),
        "--commit",
        "--map",
        "人员性质=kind",
        "--map",
        "联系方式=手机",
        "--map",
        "籍贯=ignore",
        stdout=out,
    )
    assert out.getvalue().splitlines() == [
        "共 2 行：新增 2 人，更新 0 人，无变化 0 人，问题 0 处。",
        "以下列不属于导入模板，已忽略：F（籍贯）",
        "已导入完成。",
    ]
    with schema_context("huangpu"):
        assert sorted(Cadre.objects.values_list("name", "kind", "mobile")) == [
            ("刘卫国", "tuixiu", "13900001111"),
            ("张援朝", "lixiu", "13812345678"),
        ]
        assert RosterColumnMapping.objects.count() == 0  # the command does not remember

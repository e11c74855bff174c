"""Cadre rosters as spreadsheets: template, checked import (dry run, all-or-nothing commit), CLI, masked export."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from registry import roster_import, spreadsheets
from registry.crypto import lookup_hash
from registry.idcard import resident_id_make
from registry.models import AccessLog, Cadre, RestHome
from registry.selectors import cadre_by_phone
from registry.spreadsheets import cadre_export, cadre_import
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "级别", "离退休类别", "休养所", "联络员", "手机", "住址", "移交日期", "独居", "党员"]
TEMPLATE_HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "级别",
    "离退休类别",
    "休养所",
    "联络员",
    "电话",
    "手机",
    "住址",
    "移交日期",
    "军种",
    "军衔",
    "独居",
    "孤老",
    "长期卧床",
    "失能",
    "失智",
    "入住养老机构",
    "养老机构名称",
    "党员",
    "党支部",
    "状态",
    "服务需求",
    "备注",
]


def person_id(seq: int, born: dt.date = dt.date(1940, 5, 1)) -> str:
    return resident_id_make("310101", born, seq)


def xlsx(rows: list[list], *, headers: list[str] | None = None, title: str = "干部名册") -> io.BytesIO:
    """A workbook as a user would make it from the template: the header row, then the given rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(HEADERS if headers is None else headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "roster.xlsx"
    return buffer


def good_rows() -> list[list]:
    return [
        [
            "张援朝",
            person_id(101),
            "师级",
            "离休",
            "东休养所",
            "",
            "13812345678",
            "上海市黄浦区淮海中路1号",
            "1985-05-01",
            "是",
            "是",
        ],
        ["刘卫国", person_id(102, dt.date(1945, 8, 15)), "团级以下", "退休", "", "", "", "", "", "否", ""],
    ]


@pytest.fixture
def homes(centres):
    with schema_context("huangpu"):
        return {"east": RestHome.objects.get_or_create(name="东休养所")[0]}


@pytest.fixture
def huangpu_admin(centres):
    return make_user("huangpu", "hp-centre-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))


def admin_client(code: str, username: str):
    client = client_for(code)
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def problems(report) -> list[tuple]:
    return [(p.row, p.column, p.header, p.message) for p in report.problems]


def test_the_template_has_chinese_headers_and_a_text_id_column(huangpu_admin):
    response = admin_client("huangpu", "hp-centre-admin").get("/admin/registry/cadres/import/template/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["干部名册", "填写说明"]
    sheet = workbook["干部名册"]
    assert [cell.value for cell in sheet[1]] == TEMPLATE_HEADERS
    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["J"].number_format == "@"  # mobile


def test_the_dry_run_lists_every_problem_by_row_and_column_and_writes_nothing(homes):
    rows = [
        ["张援朝", person_id(101), "师级", "离休", "东休养所", "", "", "", "1985-05-01", "是", ""],
        ["李坏号", "310101194005010110", "师级", "离休", "", "", "", "", "", "", ""],
        ["王日期", person_id(103), "营级", "离休", "南休养所", "无名氏", "", "", "1985-02-30", "也许", ""],
        ["", person_id(104), "", "退休", "", "", "", "", "明年", "", ""],
        [],
        ["赵重复", person_id(101), "师级", "离休", "", "", "", "", "", "", ""],
    ]
    with schema_context("huangpu"):
        before = Cadre.objects.count()
        report = cadre_import(source=xlsx(rows), user=None, commit=True)
        assert not report.committed
        assert problems(report) == [
            (3, "B", "身份证号", "身份证号的校验位不正确，请逐位核对。"),
            (4, "C", "级别", "无法识别的值“营级”；可选值：师级、团级以下、退休军（警）士。"),
            (4, "E", "休养所", "本中心没有名为“南休养所”的休养所。"),
            (4, "F", "联络员", "本中心没有名为“无名氏”的工作人员。"),
            (4, "I", "移交日期", "日期 1985-02-30 不存在。"),
            (4, "J", "独居", "请填写“是”或“否”（或留空），而不是“也许”。"),
            (5, "A", "姓名", "此列必填。"),
            (5, "C", "级别", "此列必填。"),
            (5, "I", "移交日期", "“明年”不是日期；请写成 1938-05-01、1938/5/1、1938年5月1日 或 1938.5.1。"),
            (7, "B", "身份证号", "相同的身份证号已出现在第 2 行。"),
        ]
        assert str(report.problems[0]) == "第 3 行，B 列（身份证号）：身份证号的校验位不正确，请逐位核对。"
        assert report.rows == 5  # the empty row is skipped
        assert Cadre.objects.count() == before
        assert not AccessLog.objects.filter(action="import").exists()


def test_commit_is_all_or_nothing(homes):
    rows = [*good_rows(), ["坏日期", person_id(103), "师级", "离休", "", "", "", "", "1985/13/1", "", ""]]
    with schema_context("huangpu"):
        before = Cadre.objects.count()
        report = cadre_import(source=xlsx(rows), user=None, commit=True)
        assert (report.committed, report.created, len(report.problems)) == (False, 2, 1)
        assert problems(report) == [(4, "I", "移交日期", "日期 1985/13/1 不存在。")]
        assert Cadre.objects.count() == before
        assert report.lines()[-1] == "未写入任何数据。请修改文件后重新导入。"


def test_commit_writes_every_row_and_reimport_updates_by_id_number(homes, huangpu_admin):
    with schema_context("huangpu"):
        dry = cadre_import(source=xlsx(good_rows()), user=huangpu_admin, commit=False)
        assert (dry.ok, dry.created, dry.updated, dry.committed) == (True, 2, 0, False)
        assert Cadre.objects.count() == 0
        report = cadre_import(source=xlsx(good_rows()), user=huangpu_admin, commit=True)
        assert (report.committed, report.created, report.updated) == (True, 2, 0)
        zhang = Cadre.objects.get(id_hash=lookup_hash(person_id(101)))
        assert (zhang.name, zhang.name_initials, zhang.gender, zhang.birth_date) == (
            "张援朝",
            "zyc",
            "M",
            dt.date(1940, 5, 1),
        )
        assert (zhang.level, zhang.kind, zhang.rest_home, zhang.mobile) == (
            "division",
            "lixiu",
            homes["east"],
            "13812345678",
        )
        assert (zhang.transfer_in_date, zhang.lives_alone, zhang.party_member) == (dt.date(1985, 5, 1), True, True)
        assert [e.pgh_label for e in zhang.events.all()] == ["insert"]
        log = AccessLog.objects.get(action="import")
        assert (log.username, log.channel, log.record_count) == ("hp-centre-admin", "admin", 2)
        assert log.fields == ["id_number", "mobile", "address"]

        changed = good_rows()
        changed[0][6] = "13900002222"
        changed[1][0] = "刘卫国"
        again = cadre_import(source=xlsx(changed), user=huangpu_admin, commit=True)
        assert (again.committed, again.created, again.updated, again.unchanged) == (True, 0, 1, 1)
        assert Cadre.objects.count() == 2
        zhang.refresh_from_db()
        assert zhang.mobile == "13900002222"
        assert (cadre_by_phone("13900002222"), cadre_by_phone("13812345678")) == (zhang, None)  # the hash followed
        assert [e.pgh_label for e in zhang.events.order_by("pgh_id")] == ["insert", "update"]


@pytest.mark.parametrize(
    "cell",
    ["1985-05-01", "1985/5/1", "1985年5月1日", "1985.5.1", " 1985-5-1 ", dt.datetime(1985, 5, 1), dt.date(1985, 5, 1)],  # noqa: DTZ001
)
def test_common_chinese_date_formats_and_excel_dates_are_read(homes, cell):
    row = ["张援朝", person_id(101), "师级", "离休", "", "", "", "", cell, "", ""]
    with schema_context("huangpu"):
        report = cadre_import(source=xlsx([row]), user=None, commit=True)
        assert report.committed, report.lines()
        assert Cadre.objects.get().transfer_in_date == dt.date(1985, 5, 1)


def test_a_number_in_a_date_column_that_is_no_excel_date_is_refused(homes):
    row = ["张援朝", person_id(101), "师级", "离休", "", "", "", "", 1234567, "", ""]
    with schema_context("huangpu"):
        report = cadre_import(source=xlsx([row]), user=None, commit=True)
        assert problems(report) == [
            (2, "I", "移交日期", "此单元格是数字而不是日期；请将单元格设为日期格式，或写成 1938-05-01。")
        ]
        assert Cadre.objects.count() == 0


def test_an_id_number_excel_turned_into_a_number_is_refused(homes):
    rows = [["张援朝", 310101194005011014, "师级", "离休"], ["刘卫国", 3.10101194005011e17, "师级", "离休"]]
    with schema_context("huangpu"):
        report = cadre_import(source=xlsx(rows, headers=HEADERS[:4]), user=None, commit=True)
        message = "Excel 已把此身份证号变成了数字（会丢失位数）；请将该列设为“文本”格式后重新输入身份证号。"
        assert problems(report) == [(2, "B", "身份证号", message), (3, "B", "身份证号", message)]
        assert Cadre.objects.count() == 0


def test_a_birth_date_that_contradicts_the_id_number_is_refused(homes):
    rows = [["张援朝", person_id(101), "1941-05-01", "师级", "离休"]]
    with schema_context("huangpu"):
        report = cadre_import(
            source=xlsx(rows, headers=["姓名", "身份证号", "出生日期", "级别", "离退休类别"]), user=None, commit=True
        )
        assert problems(report) == [(2, "C", "出生日期", "出生日期与身份证号中的出生日期（1940-05-01）不一致。")]
        assert Cadre.objects.count() == 0


def _not_xlsx() -> io.BytesIO:
    return io.BytesIO("姓名,身份证号\n张援朝,310101194005011014\n".encode())


def _two_other_sheets() -> io.BytesIO:
    workbook = Workbook()
    workbook.active.title = "封面"
    workbook.create_sheet("附表")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (_not_xlsx, "这不是 Excel 工作簿（.xlsx）。请另存为 .xlsx 格式（Excel 2007 及以后版本）后重新上传。"),
        (
            lambda: io.BytesIO(b"PK\x03\x04 broken zip"),
            "这不是 Excel 工作簿（.xlsx）。请另存为 .xlsx 格式（Excel 2007 及以后版本）后重新上传。",
        ),
        (_two_other_sheets, "工作簿中没有名为“干部名册”的工作表；请使用导入模板。"),
        (lambda: xlsx([], headers=[]), "第一行应为导入模板的列标题，但它是空的。"),
        (
            lambda: xlsx([["张援朝"]], headers=["姓名", "电话"]),
            "表头行（第 1 行）缺少必填列：身份证号、级别、离退休类别。"
            "请按导入模板命名这些列，或指定文件中的哪一列对应它们。",
        ),
        (lambda: xlsx([]), "工作表只有列标题，没有干部数据。"),
    ],
)
def test_malformed_and_wrong_format_files_give_a_clear_error_and_write_nothing(homes, source, message):
    with schema_context("huangpu"):
        report = cadre_import(source=source(), user=None, commit=True)
        assert [str(p) for p in report.problems] == [message]
        assert not report.committed and Cadre.objects.count() == 0


def test_a_file_with_too_many_rows_is_refused(homes, monkeypatch):
    monkeypatch.setattr(roster_import, "MAX_ROWS", 1)
    with schema_context("huangpu"):
        report = cadre_import(source=xlsx(good_rows()), user=None, commit=True)
        assert [str(p) for p in report.problems] == ["文件超过 1 行；请拆分成多个文件导入。"]
        assert Cadre.objects.count() == 0


def test_a_file_too_large_is_refused(homes, monkeypatch):
    monkeypatch.setattr(roster_import, "MAX_FILE_BYTES", 1024)
    with schema_context("huangpu"):
        report = cadre_import(source=xlsx(good_rows()), user=None, commit=True)
        assert [str(p) for p in report.problems] == ["文件太大（0.0 MB），最大 0 MB。"]
        assert Cadre.objects.count() == 0


def test_the_command_prints_the_report_and_exits_non_zero_on_problems(homes, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["张援朝", "310101194005010110", "师级", "离休"]], headers=HEADERS[:4]).getvalue())
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(good_rows()).getvalue())
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("cadre_import", "--centre", "huangpu", str(bad), "--commit", stdout=out)
    assert exited.value.code == 1
    assert out.getvalue().splitlines() == [
        "共 1 行：新增 0 人，更新 0 人，无变化 0 人，问题 1 处。",
        "第 2 行，B 列（身份证号）：身份证号的校验位不正确，请逐位核对。",
        "未写入任何数据。请修改文件后重新导入。",
    ]
    out = StringIO()
    call_command("cadre_import", "--centre", "huangpu", str(good), stdout=out)  # dry run: exit 0, nothing written
    assert out.getvalue().splitlines() == ["共 2 行：新增 2 人，更新 0 人，无变化 0 人，问题 0 处。"]
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 0
    out = StringIO()
    call_command("cadre_import", "--centre", "huangpu", str(good), "--commit", stdout=out)
    assert out.getvalue().splitlines()[-1] == "已导入完成。"
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 2
        log = AccessLog.objects.get(action="import")
        assert (log.username, log.channel, log.user) == ("command:cadre_import", "command", None)
    with schema_context("putuo"):
        assert Cadre.objects.count() == 0
    with pytest.raises(CommandError, match="没有代码为“nowhere”的军休中心"):
        call_command("cadre_import", "--centre", "nowhere", str(good))


def test_admin_upload_previews_then_commits_in_its_own_centre_only(homes, huangpu_admin):
    client = admin_client("huangpu", "hp-centre-admin")
    page = client.get("/admin/registry/cadres/import/")
    assert page.status_code == 200
    assert "下载导入模板" in page.content.decode()

    bad = client.post(
        "/admin/registry/cadres/import/", {"file": xlsx([["", person_id(101), "师级", "离休"]], headers=HEADERS[:4])}
    )
    assert bad.status_code == 422
    assert "此列必填。" in bad.content.decode() and 'name="token"' not in bad.content.decode()

    preview = client.post("/admin/registry/cadres/import/", {"file": xlsx(good_rows())})
    assert preview.status_code == 200
    token = preview.context["token"]
    assert token and preview.context["report"].created == 2
    with schema_context("huangpu"):
        assert Cadre.objects.count() == 0

    # another centre's session cannot commit it: the putuo admin has neither this session nor this centre's data
    make_user("putuo", "pt-centre-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    putuo = admin_client("putuo", "pt-centre-admin")
    refused = putuo.post("/admin/registry/cadres/import/commit/", {"token": token})
    assert refused.status_code == 302
    with schema_context("putuo"):
        assert Cadre.objects.count() == 0

    done = client.post("/admin/registry/cadres/import/commit/", {"token": token})
    assert done.status_code == 302
    with schema_context("huangpu"):
        assert sorted(Cadre.objects.values_list("name", flat=True)) == ["刘卫国", "张援朝"]
    with schema_context("putuo"):
        assert Cadre.objects.count() == 0
    export = putuo.get("/admin/registry/cadres/export/")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True).active.values)
    assert len(rows) == 1  # the header only: huangpu's people are not in putuo


def test_import_and_export_need_their_permission(huangpu_people):
    make_user("huangpu", "hp-viewer", groups=(role_group_name(Role.VIEWER),))
    with schema_context("huangpu"):
        before = (Cadre.objects.count(), AccessLog.objects.count())
    client = admin_client("huangpu", "hp-viewer")
    assert client.get("/admin/registry/cadres/import/template/").status_code == 403
    assert client.post("/admin/registry/cadres/import/", {"file": xlsx(good_rows())}).status_code == 403
    assert client.post("/admin/registry/cadres/import/commit/", {"token": "x"}).status_code == 403
    assert client.get("/admin/registry/cadres/export/").status_code == 403
    with schema_context("huangpu"):
        assert (Cadre.objects.count(), AccessLog.objects.count()) == before


def _exported(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def test_export_is_masked_per_role_filtered_and_logged(huangpu_people, huangpu_admin):
    wang, zhao = huangpu_people["wang"], huangpu_people["zhao"]
    viewer = make_user("huangpu", "hp-export-viewer", groups=(role_group_name(Role.VIEWER),))
    with schema_context("huangpu"):
        viewer.user_permissions.add(Permission.objects.get(codename="export_cadres"))

    unmasked = _exported(admin_client("huangpu", "hp-centre-admin").get("/admin/registry/cadres/export/"))
    assert list(unmasked[0]) == TEMPLATE_HEADERS
    by_name = {row[0]: row for row in unmasked[1:]}
    assert sorted(by_name) == ["曾国平", "王德胜", "赵建华"]
    assert by_name["王德胜"][1:3] == (wang.id_number, "男")
    assert by_name["王德胜"][8:11] == ("021-63210000", "13812345678", "上海市黄浦区南京东路100号")
    assert by_name["王德胜"][14] == "是" and by_name["赵建华"][4:6] == ("团级以下", "退休")

    masked = _exported(
        admin_client("huangpu", "hp-export-viewer").get(
            f"/admin/registry/cadres/export/?rest_home={huangpu_people['east'].pk}"
        )
    )
    rows = {row[0]: row for row in masked[1:]}
    assert sorted(rows) == ["曾国平", "王德胜"]
    assert list(masked[0]) == TEMPLATE_HEADERS[:3] + ["年龄"] + TEMPLATE_HEADERS[4:]  # no birth date: the age
    assert rows["王德胜"][1:4] == ("*" * 17 + wang.id_number[-1], "男", wang.age_on(timezone.localdate()))
    assert rows["王德胜"][8:11] == ("021*****0000", "138****5678", "上海市黄浦区****")

    with schema_context("huangpu"):
        admin_log, viewer_log = AccessLog.objects.filter(action="export").order_by("pk")
        assert (admin_log.username, admin_log.channel, admin_log.record_count) == ("hp-centre-admin", "export", 3)
        assert admin_log.fields == ["id_number", "phone", "mobile", "address"]
        assert sorted(admin_log.record_ids) == sorted([wang.pk, huangpu_people["zeng"].pk, zhao.pk])
        assert (viewer_log.username, viewer_log.record_count, viewer_log.fields) == ("hp-export-viewer", 2, [])


def test_a_caseworker_exports_only_their_own_cadres(huangpu_people):
    liaison = huangpu_people["liaison"].user
    with schema_context("huangpu"):
        out = io.BytesIO()
        assert cadre_export(user=liaison, params={}, out=out) == 2
        names = sorted(row[0] for row in list(load_workbook(out).active.values)[1:])
        assert names == ["曾国平", "王德胜"]


def test_cells_that_would_run_as_formulas_are_neutralised(huangpu_people, huangpu_admin):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        from registry.services import cadre_update

        cadre_update(cadre=wang, branch='=HYPERLINK("http://x")', rank="+1", service_needs="-2+3", notes="@SUM(A1)")
        cadre_update(cadre=huangpu_people["zhao"], service_needs="\t=1", notes="\r=2")
        out = io.BytesIO()
        cadre_export(user=huangpu_admin, params={}, out=out)
    sheet = load_workbook(out).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    wang_cells = [cell for cell in rows["王德胜"] if cell.column_letter in ("M", "N", "Y", "Z")]
    assert [c.value for c in wang_cells] == ['\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)"]
    assert {c.data_type for c in wang_cells} == {"s"}
    # the tab and carriage return stay behind the quote; the CR written as Excel writes it (XML would read it as LF)
    assert [c.value for c in rows["赵建华"] if c.column_letter in ("Y", "Z")] == ["'\t=1", "'_x000D_=2"]
    assert spreadsheets.cell_neutralise("=1") == "'=1" and spreadsheets.cell_neutralise("正常") == "正常"


def test_the_same_id_number_in_putuo_is_a_different_person(huangpu_people):
    """Import works in the centre it runs in: huangpu's record is neither found nor changed from putuo."""
    wang = huangpu_people["wang"]
    row = ["王德胜", wang.id_number, "师级", "离休", "", "", "13700000000", "", "", "", ""]
    with schema_context("putuo"):
        report = cadre_import(source=xlsx([row]), user=None, commit=True)
        assert (report.committed, report.created, report.updated) == (True, 1, 0)
    with schema_context("huangpu"):
        assert Cadre.objects.get(pk=wang.pk).mobile == "13812345678"

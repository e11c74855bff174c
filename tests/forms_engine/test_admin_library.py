"""The form-library screens: XLSForm import and export, new forms from the standard's templates, who may use them."""

import io
import re

import pytest
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from forms_engine.library import form_template_list
from forms_engine.models import FormDefinition, FormField
from tenants.roles import Role
from tests.forms_engine.conftest import build_visit_form
from tests.forms_engine.test_admin_ui import BASE, liaison_client, login, page

pytestmark = pytest.mark.django_db
HEADER = ["type", "name", "label", "relevant", "required"]


def workbook(survey: list[list], *, choices: list[list] | None = None, settings: list[list] | None = None):
    book = Workbook()
    book.active.title = "survey"
    for row in survey:
        book.active.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows is not None:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "form.xlsx"
    return out


def messages_shown(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return [(m.tags, str(m).strip()) for m in response.context["messages"]]


def reasons_shown(html: str) -> list[str]:
    block = re.search(r"data-fe-(?:import|template)-errors>(.*?)</div>", html, re.S)
    return [re.sub(r"\s+", " ", r).strip() for r in re.findall(r"<li>(.*?)</li>", block[1], re.S)] if block else []


def form_counts(code: str = "huangpu") -> tuple[int, int]:
    with schema_context(code):
        return FormDefinition.objects.count(), FormField.objects.count()


def test_an_xlsform_is_imported_as_a_draft_with_its_warnings(centres):
    admin = login("huangpu", "fl-admin", Role.CENTRE_ADMIN)
    html = page(admin.get(BASE))
    assert "从 XLSForm 导入" in html and "从标准模板新建" in html
    assert "从 XLSForm 导入" in page(admin.get(BASE + "import/"))
    source = workbook(
        [
            HEADER,
            ["select_one yn", "visited", "是否上门", None, "yes"],
            ["text", "place", "地点", "${visited} = 'y'"],
            ["integer", "minutes", "时长"],
            ["username", "username"],
        ],
        choices=[["list_name", "name", "label"], ["yn", "y", "是"], ["yn", "n", "否"]],
        settings=[["form_title", "form_id"], ["上门登记", "home-visit"]],
    )
    response = admin.post(BASE + "import/", {"file": source, "key": "", "title": ""})
    with schema_context("huangpu"):
        form = FormDefinition.objects.get(key="home-visit")
        assert form.title == "上门登记"
        assert list(form.fields.order_by("sort_order").values_list("name", "field_type", "required", "relevant")) == [
            ("visited", "choice", True, ""),
            ("place", "text", False, "${visited} = 'y'"),
            ("minutes", "integer", False, ""),
        ]
        assert form.versions.count() == 0
    assert response.status_code == 302 and response["Location"] == f"{BASE}{form.pk}/"
    assert messages_shown(admin.get(response["Location"])) == [
        ("success", "表单“上门登记”已作为草稿导入，共 3 个字段；请检查后发布。"),
        ("warning", "第 5 行：已跳过元数据问题“username”。"),
    ]
    # The key and title typed in the page win over the settings sheet.
    source.seek(0)
    response = admin.post(BASE + "import/", {"file": source, "key": "visit-2027", "title": "2027年上门登记"})
    with schema_context("huangpu"):
        assert FormDefinition.objects.get(key="visit-2027").title == "2027年上门登记"


def test_a_refused_workbook_lists_every_reason_and_creates_nothing(centres):
    admin = login("huangpu", "fl-admin", Role.CENTRE_ADMIN)
    before = form_counts()
    source = workbook([HEADER, ["text", "a", "甲", "${b} = 1"], ["integer", "b", "乙"], ["trigger", "c", "丙"]])
    html = page(admin.post(BASE + "import/", {"file": source, "key": "", "title": ""}))
    assert "无法导入该表单：" in html
    assert reasons_shown(html) == ["工作表“survey”第 4 行“type”列：不支持问题类型“trigger”。"]
    source = workbook([HEADER, ["text", "a", "甲", "${b} = 1"], ["integer", "b", "乙"]])
    assert reasons_shown(page(admin.post(BASE + "import/", {"file": source}))) == [
        "字段“甲”（a）：表达式引用了后面或不存在的字段：b"
    ]
    not_xlsx = io.BytesIO(b"type,name,label\ntext,a,A\n")
    not_xlsx.name = "form.csv"
    assert reasons_shown(page(admin.post(BASE + "import/", {"file": not_xlsx}))) == [
        "这不是 Excel 工作簿（.xlsx）。请另存为 .xlsx 格式（Excel 2007 及以后版本）后重新上传。"
    ]
    huge = io.BytesIO(b"0" * (5 * 1024 * 1024 + 1))
    huge.name = "huge.xlsx"
    html = page(admin.post(BASE + "import/", {"file": huge}))
    assert "文件太大（5.0 MB），最大 5 MB。" in html
    assert form_counts() == before


def test_export_downloads_the_draft_or_a_published_version(centres):
    admin = login("huangpu", "fl-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = build_visit_form()
        form.fields.filter(name="health").update(label="身体状况")
    assert "导出为 XLSForm" in page(admin.get(f"{BASE}{form.pk}/"))

    def survey(response) -> list[tuple]:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        rows = list(book["survey"].iter_rows(values_only=True))
        return [(row[1], row[2]) for row in rows[1:]]

    response = admin.get(f"{BASE}{form.pk}/xlsform/")
    assert response["Content-Disposition"] == 'attachment; filename="visit-draft.xlsx"'
    assert survey(response) == [
        ("visit_type", "走访类型"),
        ("hospital", "医院"),
        ("minutes", "时长（分钟）"),
        ("needs", "需求"),
        ("need_count", "需求数"),
        ("visitors", "同行人员"),
        ("visitor", "姓名"),
        ("visitors", None),
        ("health", "身体状况"),
    ]
    response = admin.get(f"{BASE}{form.pk}/xlsform/?version=1")
    assert response["Content-Disposition"] == 'attachment; filename="visit-v1.xlsx"'
    assert survey(response)[-1] == ("health", "健康状况")
    assert admin.get(f"{BASE}{form.pk}/xlsform/?version=2").status_code == 404
    assert admin.get(f"{BASE}{form.pk}/xlsform/?version=x").status_code == 404


def test_a_template_is_copied_as_a_draft(centres):
    admin = login("huangpu", "fl-admin", Role.CENTRE_ADMIN)
    html = page(admin.get(BASE + "templates/"))
    for template in form_template_list():
        assert f'data-template="{template["key"]}"' in html and template["title"] in html
    assert html.count("使用此模板") == len(form_template_list())
    response = admin.post(
        BASE + "templates/", {"template_key": "visit-record", "key": "visits-2027", "title": "2027年走访记录"}
    )
    with schema_context("huangpu"):
        form = FormDefinition.objects.get(key="visits-2027")
        assert (form.title, form.purpose, form.versions.count()) == ("2027年走访记录", "visit", 0)
        fields = form.fields.count()
    assert fields == next(t["field_count"] for t in form_template_list() if t["key"] == "visit-record")
    assert response["Location"] == f"{BASE}{form.pk}/"
    # The same key again, or an unknown template: the reason is shown and nothing more is created.
    before = form_counts()
    html = page(admin.post(BASE + "templates/", {"template_key": "visit-record", "key": "visits-2027", "title": ""}))
    assert len(reasons_shown(html)) == 1 and "visits-2027" in html
    assert reasons_shown(page(admin.post(BASE + "templates/", {"template_key": "nothing"}))) == [
        "没有表单模板“nothing”。"
    ]
    assert form_counts() == before


def test_only_builders_use_the_library_screens(huangpu_people):
    with schema_context("huangpu"):
        form = build_visit_form()
    caseworker = liaison_client()
    before = form_counts()
    refusal = caseworker.get(BASE + "new/")  # what the builder screens answer: back to the admin home
    builder_refusal = (refusal.status_code, refusal["Location"])
    assert builder_refusal == (302, "/admin/")

    def refused(response) -> tuple[int, str]:
        return response.status_code, response.get("Location", "")

    assert refused(caseworker.get(BASE + "import/")) == builder_refusal
    assert refused(caseworker.post(BASE + "import/", {"file": workbook([HEADER, ["text", "a", "甲"]])})) == (
        builder_refusal
    )
    assert refused(caseworker.get(BASE + "templates/")) == builder_refusal
    assert refused(caseworker.post(BASE + "templates/", {"template_key": "consultation"})) == builder_refusal
    assert caseworker.get(f"{BASE}{form.pk}/xlsform/").status_code == 404
    assert form_counts() == before
    assert "从 XLSForm 导入" not in page(caseworker.get(BASE))


def test_putuo_cannot_export_huangpus_form(centres):
    with schema_context("huangpu"):
        form = build_visit_form()
    with schema_context("putuo"):
        assert not FormDefinition.objects.filter(pk=form.pk).exists()
    putuo = login("putuo", "fl-admin", Role.CENTRE_ADMIN)
    assert putuo.get(f"{BASE}{form.pk}/xlsform/").status_code == 404
    assert putuo.get(f"{BASE}{form.pk}/xlsform/?version=1").status_code == 404
    assert "data-form=" not in page(putuo.get(BASE))

"""Imported workbooks whose text cells hold a NUL (written _x0000_) or a lone surrogate: a cell problem, nothing saved.

Excel writes a control character as the escape _xHHHH_; the installed openpyxl leaves it undecoded, other readers (and
other openpyxl versions) decode it, so the `decoding` fixture makes the reader decode it as Excel does. A file holding
the character itself (&#0;) cannot be parsed at all: it is refused as a whole, not answered with a 500.
"""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

from forms_engine.models import FormDefinition
from forms_engine.xlsform import definition_import
from registry.models import Cadre, RestHome
from registry.spreadsheets import cadre_import
from tests.registry.test_spreadsheets import HEADERS, person_id

pytestmark = pytest.mark.django_db


ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


@pytest.fixture
def decoding(monkeypatch):
    """Make openpyxl decode _xHHHH_ in text cells into the character, as Excel does."""
    parse_cell = WorkSheetParser.parse_cell

    def decoded(self, element):
        cell = parse_cell(self, element)
        if isinstance(cell.get("value"), str):
            cell["value"] = ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), cell["value"])
        return cell

    monkeypatch.setattr(WorkSheetParser, "parse_cell", decoded)


def raw(book: io.BytesIO, text: str, xml: bytes) -> io.BytesIO:
    """The workbook with `text` replaced by raw XML in its sheets (for characters openpyxl refuses to write)."""
    out = io.BytesIO()
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(text.encode(), xml)
            target.writestr(info, data)
    out.seek(0)
    out.name = "hostile.xlsx"
    return out


def saved(workbook: Workbook) -> io.BytesIO:
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "hostile.xlsx"
    return out


def roster(name: str) -> io.BytesIO:
    """A cadre roster whose name cell (A2) holds `name` as written in the file."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "干部名册"
    sheet.append(HEADERS)
    sheet.append(["", person_id(301), "师级", "离休", "", "", "", "", "", "否", ""])
    sheet.append(["刘卫国", person_id(302), "团级以下", "退休", "", "", "", "", "", "否", ""])
    sheet["A2"].value = name  # openpyxl writes the text as is; "_x0000_" is read back as a NUL
    return saved(workbook)


def form_book(label: str) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["text", "ok", "好"])
    sheet.append(["text", "who", ""])
    sheet["C3"].value = label
    return saved(workbook)


def test_the_crafted_cell_is_read_back_as_a_nul(decoding):
    assert load_workbook(roster("王_x0000_五"), read_only=True)["干部名册"]["A2"].value == "王\x00五"
    assert load_workbook(form_book("王_xD800_五"), read_only=True)["survey"]["C3"].value == "王\ud800五"


@pytest.mark.parametrize("name", ["王_x0000_五", "王_xD800_五"])
@pytest.mark.parametrize("commit", [False, True])
def test_the_cadre_import_reports_the_cell_and_saves_nothing(centres, decoding, name, commit):
    with schema_context("huangpu"):
        RestHome.objects.get_or_create(name="东休养所")
        before = Cadre.objects.count()
        report = cadre_import(source=roster(name), user=None, commit=commit)
        assert not report.ok and not report.committed
        assert [(p.row, p.column, p.header) for p in report.problems] == [(2, "A", "姓名")]
        assert "空字符" in report.problems[0].message
        assert "第 2 行" in str(report.problems[0]) and "A" in str(report.problems[0])
        assert Cadre.objects.count() == before


@pytest.mark.parametrize("label", ["王_x0000_五", "王_xDFFF_五"])
def test_the_form_import_reports_the_cell_and_saves_nothing(centres, decoding, label):
    with schema_context("huangpu"):
        before = FormDefinition.objects.count()
        with pytest.raises(ValidationError) as raised:
            definition_import(source=form_book(label), key="hostile")
        messages = raised.value.messages
        assert len(messages) == 1
        assert "survey" in messages[0] and "第 3 行" in messages[0] and "label" in messages[0]
        assert "空字符" in messages[0]
        assert FormDefinition.objects.count() == before


@pytest.mark.parametrize("xml", [b"&#0;", b"&#xD800;", b"\x00"])
@pytest.mark.parametrize("commit", [False, True])
def test_a_cadre_file_holding_the_character_itself_is_refused(centres, xml, commit):
    with schema_context("huangpu"):
        before = Cadre.objects.count()
        report = cadre_import(source=raw(roster("王MARK五"), "MARK", xml), user=None, commit=commit)
        assert not report.committed
        assert [str(p) for p in report.problems] == ["工作簿中含有无法处理的字符（如空字符），请删除后重新上传。"]
        assert Cadre.objects.count() == before


@pytest.mark.parametrize("xml", [b"&#0;", b"&#xD800;", b"\x00"])
def test_a_form_file_holding_the_character_itself_is_refused(centres, xml):
    with schema_context("huangpu"):
        before = FormDefinition.objects.count()
        with pytest.raises(ValidationError) as raised:
            definition_import(source=raw(form_book("王MARK五"), "MARK", xml), key="hostile")
        assert raised.value.messages == ["工作簿中含有无法处理的字符（如空字符），请删除后重新上传。"]
        assert FormDefinition.objects.count() == before

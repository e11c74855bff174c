"""The hostile-text corpus written into every XLSX export: each string is a text cell (data type "s", never a formula)
holding exactly the stored text, with formula starters neutralised as each export does it.

The form and cadre exports prefix an apostrophe to text starting with = + - @ TAB or CR (the cell's value is "'" +
the text); the bureau's report workbook keeps the value and sets the cell's quotePrefix style. Characters XML cannot
hold (C0 controls) are written as Excel writes them, _xHHHH_, which Excel (and the `excel_decoded` reading below)
turns back into the character; so is a CR, which XML would otherwise read as LF.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from forms_engine.exports import submissions_export_write
from forms_engine.models import ExportJob
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.services import cadre_create
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user
from tests.security.hostile import FORMULA_STARTS, STORABLE, texts

pytestmark = pytest.mark.django_db

ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def excel_decoded(value):
    """A cell's text as Excel shows it: _xHHHH_ is the character U+HHHH, _x005F_ escapes a literal underscore."""
    if not isinstance(value, str):
        return value
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def apostrophe(text: str) -> str:
    """The rule of the form and cadre exports: formula-like text gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def staff_client():
    user = make_user("huangpu", "hostile-exporter", groups=(role_group_name(Role.CENTRE_ADMIN),))
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(user)
    return client


def downloaded(response) -> io.BytesIO:
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return io.BytesIO(content)


@pytest.fixture
def submissions(centres):
    """One submission per corpus string, in corpus order, in a textarea answer and a short text answer."""
    with schema_context("huangpu"):
        form = form_create(title="导出", key="hostile-export", purpose="complaint")
        form_field_add(form=form, name="content", field_type="textarea", label="内容", max_length=20000)
        form_field_add(form=form, name="subject", field_type="text", label="标题", max_length=20000)
        form_publish(form=form)
        for _name, text in STORABLE:
            submission_create(form=form, data={"content": text, "subject": text})
        return form


def test_the_form_export_writes_every_string_as_text(submissions, django_capture_on_commit_callbacks):
    admin = staff_client()
    with django_capture_on_commit_callbacks():
        assert admin.post(f"/admin/forms-engine/{submissions.pk}/export/", {}).status_code == 302
    connection.set_schema_to_public()
    with schema_context("huangpu"):
        job = ExportJob.objects.get(form=submissions)
        submissions_export_write(job=job)
        job.refresh_from_db()
    assert (job.status, job.error, job.done) == ("done", "", len(STORABLE))
    sheet = load_workbook(downloaded(admin.get(f"/admin/forms-engine/exports/{job.pk}/download/"))).active
    rows = list(sheet.iter_rows(min_row=2))
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    content, subject = header.index("内容"), header.index("标题")
    assert len(rows) == len(STORABLE)
    for row, (name, text) in zip(rows, STORABLE, strict=True):
        for cell in (row[content], row[subject]):
            assert cell.data_type == "s", name
            assert excel_decoded(cell.value) == apostrophe(text), name


@pytest.mark.parametrize("text", texts(STORABLE))
def test_the_cadre_export_writes_the_text_as_text(centres, text):
    with schema_context("huangpu"):
        cadre_create(
            name=text if len(text) <= 50 else "王德胜",
            id_number=resident_id_make("310101", dt.date(1940, 5, 1), 91),
            level="division",
            kind="lixiu",
            notes=text,
            service_needs=text,
        )
    response = staff_client().get("/admin/registry/cadres/export/")
    sheet = load_workbook(downloaded(response)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    (row,) = list(sheet.iter_rows(min_row=2))
    cells = [row[header.index(h)] for h in ("备注", "服务需求")]
    if len(text) <= 50:
        cells.append(row[header.index("姓名")])
    for cell in cells:
        assert cell.data_type == "s"
        assert excel_decoded(cell.value) == apostrophe(text)


def test_the_reports_workbook_writes_rest_home_names_as_text(centres):
    """A centre's rest-home names reach the bureau's workbook (sheet of rest homes and rules) as text: exactly the
    name, quotePrefix where it looks like a formula, never a formula cell."""
    from django.utils import timezone, translation

    from registry.models import RestHome
    from reports.exports import workbook_write
    from reports.filters import Filters
    from reports.models import CentreRefresh
    from reports.periods import Period
    from reports.services import centre_facts_refresh

    names = [(name, text) for name, text in STORABLE if len(text) <= 100]  # what fits a rest home's name
    with schema_context("huangpu"):
        for n, (_name, text) in enumerate(names):
            cadre_create(
                name="王德胜",
                id_number=resident_id_make("310101", dt.date(1940, 5, 1), 100 + n),
                level="division",
                kind="lixiu",
                rest_home=RestHome.objects.create(name=text),
            )
    year = timezone.localdate().year
    assert centre_facts_refresh(centre=centres["huangpu"], year=year).status == CentreRefresh.Status.OK
    out = io.BytesIO()
    with translation.override("en"):
        workbook_write(filters=Filters(period=Period(year)), whole_year=False, user=None, target=out)
    sheet = load_workbook(out)["By rest home and rule"]
    cells = {
        excel_decoded(row[4].value): row[4]
        for row in sheet.iter_rows(min_row=2)
        if row[0].value == "huangpu" and row[2].value == "按休养所"
    }
    assert sorted(cells) == sorted(text for _name, text in names)
    for name, text in names:
        cell = cells[text]
        assert cell.data_type == "s", name
        assert bool(cell.quotePrefix) == text.startswith(FORMULA_STARTS), name

"""Workbooks, print pages and PDFs of the bureau's figures: what the workbook holds, the export job, who may
download what and for how long, and the access log of every export and download."""

from __future__ import annotations

import datetime as dt
import io
import time

import pypdf
import pytest
from django.db import connection
from django.utils import timezone, translation
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from registry.idcard import resident_id_make
from registry.models import RestHome
from registry.services import cadre_create
from reports import exports
from reports.exports import report_export_run, report_export_start, workbook_write
from reports.filters import Filters
from reports.models import CentreRefresh, ReportAccess, ReportExport
from reports.periods import Period
from reports.roles import BureauRole, bureau_role_grant
from reports.services import centre_facts_refresh, scorecard_create, scorecard_items_save, scorecard_publish
from tenants.models import Centre
from tests.conftest import PASSWORD, client_for

YEAR = timezone.localdate().year
FORMULA_HOME = '=HYPERLINK("http://example.com/x","点我")'
SHEETS_EN = [
    "About this workbook",
    "Cadres",
    "Reminder compliance",
    "Complaints",
    "Satisfaction surveys",
    "Content and activities",
    "Facilities",
    "By rest home and rule",
    "Month by month",
    "Yearly evaluation",
    "Definitions",
]


def _cadres(code: str, home: RestHome, count: int, *, start: int, alone: int = 0) -> None:
    for n in range(start, start + count):
        cadre_create(
            name=f"测试{n}",
            id_number=resident_id_make("310101", dt.date(1940, 1, 1), n),
            level="division",
            kind="lixiu",
            rest_home=home,
            lives_alone=n < start + alone,
        )


@pytest.fixture
def facts(centres, settings, tmp_path):
    """Huangpu: 6 cadres in a rest home named like a formula (3 living alone), 2 in another; putuo: 7 (1 alone);
    changning: none. Facts of this year for all three and a published scorecard."""
    settings.JUNXIU_PRIVATE_FILES = tmp_path / "private"
    with schema_context("huangpu"):
        formula, west = RestHome.objects.create(name=FORMULA_HOME), RestHome.objects.create(name="西休养所")
        _cadres("huangpu", formula, 6, start=1, alone=3)
        _cadres("huangpu", west, 2, start=10)
    with schema_context("putuo"):
        _cadres("putuo", RestHome.objects.create(name="普陀第一休养所"), 7, start=1, alone=1)
    for code in ("huangpu", "putuo", "changning"):
        assert centre_facts_refresh(centre=centres[code], year=YEAR).status == CentreRefresh.Status.OK
    card = scorecard_create(year=YEAR, title="年度考评")
    scorecard_items_save(
        scorecard=card,
        items=[
            {"indicator": "lives_alone_rate", "target": 0.3, "weight": 50, "green": 0.3, "amber": 0.2},
            {"indicator": "cadres_total", "target": 8, "weight": 50, "green": 8, "amber": 5},
        ],
    )
    scorecard_publish(scorecard=card, username="head")
    return centres


def _user(django_user_model, username: str, role: BureauRole | None):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    if role is not None:
        bureau_role_grant(user=user, role=role)
    return user


def _client(user):
    client = client_for(None)
    client.force_login(user)
    return client


def _rows(ws) -> dict[str, tuple]:
    """A sheet's rows by their first two cells (code, or "" and "City" for the city row)."""
    rows = {}
    for row in ws.iter_rows(min_row=2):
        rows[row[0].value or row[1].value] = row
    return rows


@pytest.mark.django_db
def test_year_workbook_sheets_formats_chart_and_text_that_looks_like_a_formula(facts, django_user_model):
    analyst = _user(django_user_model, "analyst", BureauRole.ANALYST)
    with translation.override("en"):
        export = report_export_start(kind=exports.YEAR, filters=Filters(period=Period(YEAR, "month", 1)), user=analyst)
    assert export.params["query"] == f"year={YEAR}"  # the whole year, whatever period the page showed

    assert report_export_run(export.pk) == ReportExport.Status.DONE

    export.refresh_from_db()
    assert (export.status, export.progress, export.error) == ("done", 100, "")
    assert export.filename == f"Centre figures, whole year {YEAR}.xlsx"
    path = exports.report_export_file(export=export)
    assert path == (exports.settings.JUNXIU_PRIVATE_FILES / export.path).resolve()  # never under MEDIA
    assert (export.path.split("/")[:2], path.suffix) == (["public", "reports"], ".xlsx")
    book = load_workbook(path)
    assert book.sheetnames == SHEETS_EN
    for ws in book.worksheets[1:]:
        assert ws.freeze_panes == "A2", ws.title

    cadres = book["Cadres"]
    headers = [c.value for c in next(cadres.iter_rows(max_row=1))]
    assert headers[:6] == [
        "Code",
        "Centre",
        "Figures as of",
        "在册军休干部（人）",
        "在册军休干部, same period last year",
        "在册军休干部, change on last year",
    ]
    rows = _rows(cadres)
    assert list(rows) == ["changning", "huangpu", "putuo", "City"]
    rate = rows["huangpu"][headers.index("独居、孤老占比（%）")]
    assert rate.value == pytest.approx(3 / 8) and rate.number_format == "0.0%"
    assert rows["City"][headers.index("在册军休干部（人）")].value == 15
    assert rows["City"][headers.index("独居、孤老占比（%）")].value == pytest.approx(4 / 15)
    assert isinstance(rows["huangpu"][2].value, dt.datetime)  # figures as of
    assert "按休养所" not in " ".join(headers)  # rest homes are listed on their own sheet

    homes = [r for r in book["By rest home and rule"].iter_rows(min_row=2) if r[2].value == "按休养所"]
    by_home = {(r[0].value, r[4].value): r for r in homes}
    formula = by_home[("huangpu", FORMULA_HOME)][4]
    assert formula.value.startswith("=") and formula.data_type == "s" and formula.quotePrefix
    # 2 people in one home: hidden, and the other home of the centre too (else 8 − 6 gives it away).
    assert by_home[("huangpu", FORMULA_HOME)][5].value == "<5"
    assert by_home[("huangpu", "西休养所")][5].value == "<5"
    assert by_home[("putuo", "普陀第一休养所")][5].value == 7

    evaluation = book["Yearly evaluation"]
    assert len(evaluation._charts) == 1 and evaluation._charts[0].tagname == "barChart"
    ranking = [(r[0].value, r[1].value, r[3].value) for r in evaluation.iter_rows(min_row=2)]
    assert ranking == [(1, "huangpu", 100.0), (2, "putuo", 67.6), (3, "changning", 0.0)]
    colours = [c.value for c in next(evaluation.iter_rows(min_row=2, max_row=2))[5:]]
    assert colours == [pytest.approx(3 / 8), "Green: target reached", 8, "Green: target reached"]

    months = list(book["Month by month"].iter_rows(min_row=2, values_only=True))
    assert len(months) == 4 * timezone.localdate().month  # three centres and the city, each month begun
    definitions = [r[0] for r in book["Definitions"].iter_rows(min_row=2, values_only=True)]
    assert "lives_alone_rate" in definitions and len(definitions) == 40

    assert list(ReportAccess.objects.values_list("username", "action", "what")) == [
        ("analyst", "export", f"year #{export.pk} year={YEAR}")
    ]


@pytest.mark.django_db
def test_export_job_start_status_download_and_refusals(facts, django_user_model, django_capture_on_commit_callbacks):
    owner = _user(django_user_model, "owner", BureauRole.ANALYST)
    other = _user(django_user_model, "other", BureauRole.ANALYST)
    head = _user(django_user_model, "head", BureauRole.HEAD)
    viewer = _user(django_user_model, "viewer", BureauRole.VIEWER)
    client = _client(owner)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(f"/reports/export/view/?year={YEAR}&centre=huangpu")
    export = ReportExport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/export/{export.pk}/"
    assert len(queued) == 1  # the task, queued once the row is committed
    assert (export.kind, export.status, export.created_by, export.params["query"]) == (
        "view",
        "queued",
        owner,
        f"year={YEAR}&centre=huangpu",
    )
    page = client.get(f"/reports/export/{export.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page and "/download/" not in page

    assert report_export_run(export.pk) == "done"
    page = client.get(f"/reports/export/{export.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in page and f"/reports/export/{export.pk}/download/" in page

    response = client.get(f"/reports/export/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"
    book = load_workbook(io.BytesIO(body))
    with translation.override("zh-hans"):
        city = translation.gettext("City")
    assert [r[0].value or r[1].value for r in book.worksheets[1].iter_rows(min_row=2)] == ["huangpu", city]
    assert len(book.sheetnames) == len(SHEETS_EN) - 1  # no months in the workbook of a view

    assert _client(other).get(f"/reports/export/{export.pk}/download/").status_code == 404
    assert _client(other).get(f"/reports/export/{export.pk}/").status_code == 404
    assert _client(head).get(f"/reports/export/{export.pk}/download/").status_code == 200
    watcher = _client(viewer)
    assert watcher.get(f"/reports/export/{export.pk}/download/").status_code == 403
    assert watcher.get(f"/reports/export/{export.pk}/").status_code == 403
    assert watcher.post(f"/reports/export/year/?year={YEAR}").status_code == 403
    assert watcher.post("/reports/export/view/").status_code == 403
    assert client_for("huangpu").get(f"/reports/export/{export.pk}/download/").status_code == 404
    anonymous = client_for(None).get(f"/reports/export/{export.pk}/download/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")

    ReportExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - dt.timedelta(hours=24, minutes=1))
    gone = client.get(f"/reports/export/{export.pk}/download/")
    assert gone.status_code == 410
    with translation.override("zh-hans"):
        assert translation.gettext("This export is older than 24 hours and has been removed. Export it again.") in (
            gone.content.decode()
        )

    assert ReportExport.objects.count() == 1  # the refused requests started nothing
    assert list(ReportAccess.objects.order_by("pk").values_list("username", "action")) == [
        ("owner", "export"),
        ("owner", "download"),
        ("head", "download"),
    ]


@pytest.mark.django_db
def test_year_export_by_post_field_and_a_failed_job_says_why(facts, django_user_model):
    owner = _user(django_user_model, "owner", BureauRole.ANALYST)
    client = _client(owner)
    assert client.post("/reports/export/year/", {"year": "20x6"}).status_code == 400
    response = client.post("/reports/export/year/", {"year": str(YEAR)})
    export = ReportExport.objects.get()
    assert response.status_code == 302 and (export.kind, export.params["query"]) == ("year", f"year={YEAR}")

    # The centre asked for has since gone: the job fails, and the status page says why.
    ReportExport.objects.filter(pk=export.pk).update(params={"query": f"year={YEAR}&centre=gone", "language": "en"})
    assert report_export_run(export.pk) == "failed"
    export.refresh_from_db()
    assert export.status == "failed" and export.path == ""
    assert export.error == "The workbook could not be made: No centre with the code gone."
    assert "No centre with the code gone." in client.get(f"/reports/export/{export.pk}/").content.decode()
    assert client.get(f"/reports/export/{export.pk}/download/").status_code == 302  # back to the status page


@pytest.mark.django_db
def test_pdfs_and_print_pages(facts, django_user_model):
    analyst = _client(_user(django_user_model, "analyst", BureauRole.ANALYST))
    viewer = _client(_user(django_user_model, "viewer", BureauRole.VIEWER))

    response = analyst.get(f"/reports/export/pdf/scorecard/?year={YEAR}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    pdf = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) >= 1
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "年度考评" in text and "黄浦区军休中心" in text and "普陀区军休中心" in text

    response = analyst.get(f"/reports/export/pdf/centre/huangpu/?year={YEAR}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 1 and "黄浦区军休中心" in text and "在册军休干部" in text

    page = viewer.get(f"/reports/export/print/centre/huangpu/?year={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "黄浦区军休中心" in html and "reports/print.css" in html and "/reports/export/pdf/" not in html
    assert viewer.get(f"/reports/export/print/scorecard/?year={YEAR}").status_code == 200
    assert viewer.get(f"/reports/export/pdf/scorecard/?year={YEAR}").status_code == 403
    assert viewer.get(f"/reports/export/pdf/centre/huangpu/?year={YEAR}").status_code == 403
    assert analyst.get(f"/reports/export/print/centre/nowhere/?year={YEAR}").status_code == 404
    assert analyst.get("/reports/export/print/centre/huangpu/?year=abc").status_code == 400
    assert list(ReportAccess.objects.order_by("pk").values_list("username", "action", "what")) == [
        ("analyst", "export", f"scorecard-pdf year={YEAR}"),
        ("analyst", "export", f"centre-pdf huangpu year={YEAR}"),
    ]


@pytest.mark.django_db
def test_year_workbook_of_200_centres_in_a_few_queries_and_under_10_seconds(
    facts, django_assert_max_num_queries, tmp_path
):
    """Centres without schemas (figures only, copied from huangpu's, each with its own rest homes) stand in for a
    city of 200 centres."""
    Centre.objects.bulk_create(
        Centre(schema_name=f"bench{n:03d}", name=f"测试{n}区军休中心", kind=Centre.Kind.CENTRE) for n in range(197)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO reports_fact (centre_id, year, period_type, period, indicator, breakdown, label,
                    value, numerator, denominator)
                SELECT c.id, f.year, f.period_type, f.period, f.indicator,
                    CASE WHEN f.indicator = 'cadres_rest_home' THEN c.schema_name || f.breakdown ELSE f.breakdown END,
                    f.label, f.value, f.numerator, f.denominator
                FROM reports_fact f, tenants_centre c
                WHERE f.centre_id = %s AND c.schema_name LIKE 'bench%%'""",
            [facts["huangpu"].pk],
        )
    CentreRefresh.objects.bulk_create(
        CentreRefresh(centre=centre, year=YEAR, as_of=timezone.now())
        for centre in Centre.objects.filter(schema_name__startswith="bench")
    )

    started = time.perf_counter()
    with django_assert_max_num_queries(12):
        workbook_write(filters=Filters(period=Period(YEAR)), whole_year=True, user=None, target=tmp_path / "y.xlsx")
    assert time.perf_counter() - started < 10
    book = load_workbook(tmp_path / "y.xlsx", read_only=True)
    assert sum(1 for _row in book.worksheets[1].iter_rows()) == 1 + 200 + 1  # header, centres, city

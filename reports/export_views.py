"""Workbooks (openpyxl) and PDFs (weasyprint) of the bureau's figures: made, logged and served only here.

Workbooks are stored jobs: a POST starts one, its status page follows it, its download is checked (the bureau
"export" role, the user's own export or the head, not older than 24 hours) and logged. Print pages need the "view"
role; their PDFs the "export" role.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports.access import bureau_required, page_context
from reports.exports import (
    CENTRE_PDF,
    EXPIRES_AFTER,
    SCORECARD_PDF,
    VIEW,
    XLSX_TYPE,
    YEAR,
    access_report_export_by_id,
    report_export_discard,
    report_export_downloaded,
    report_export_expired,
    report_export_file,
    report_export_start,
    report_pdf_logged,
)
from reports.filters import filters_parse
from reports.models import ReportExport
from reports.pdf import centre_print_context, pdf_filename, pdf_render, scorecard_print_context
from reports.periods import PeriodError
from tenants.models import Centre
from tenants.private_files import attachment_header, private_file_response

STATUS_TEMPLATE = "reports/print/export_status.html"


def _refused(request, message: str, status: int):
    return render(request, STATUS_TEMPLATE, {**page_context(request), "error": message}, status=status)


def _start(request, kind: str):
    # The page's filters come in its query string (or, from a form, as fields).
    params = request.POST if any(k in request.POST for k in ("year", "quarter", "month", "centre")) else request.GET
    try:
        filters = filters_parse(params)
    except PeriodError as exc:
        return _refused(request, str(exc), 400)
    export = report_export_start(kind=kind, filters=filters, user=request.user)
    return redirect("reports:export_status", export_id=export.pk)


@bureau_required("export")
@require_POST
def export_view(request):
    """The workbook of the page the user is on (its query string: period and centres)."""
    return _start(request, VIEW)


@bureau_required("export")
@require_POST
def export_year(request):
    """The whole year's workbook of every centre (`year` in the form or the query)."""
    return _start(request, YEAR)


@bureau_required("export")
def export_status(request, export_id: int):
    export = access_report_export_by_id(user=request.user, id=export_id)
    if export is None:
        raise Http404
    running = export.status in (ReportExport.Status.QUEUED, ReportExport.Status.RUNNING)
    context = {
        **page_context(request),
        "export": export,
        "running": running,
        "expired": report_export_expired(export=export),
        "expires_at": export.created_at + EXPIRES_AFTER,
    }
    return render(request, STATUS_TEMPLATE, context)


@bureau_required("export")
def export_download(request, export_id: int):
    export = access_report_export_by_id(user=request.user, id=export_id)
    if export is None:
        raise Http404
    if export.status != ReportExport.Status.DONE:
        return redirect("reports:export_status", export_id=export.pk)
    file = None if report_export_expired(export=export) else report_export_file(export=export)
    if file is None:
        report_export_discard(export=export)
        return _refused(request, _("This export is older than 24 hours and has been removed. Export it again."), 410)
    report_export_downloaded(export=export, user=request.user)
    return private_file_response(
        file, filename=export.filename or "report.xlsx", content_type=XLSX_TYPE, fallback=f"report-{export.pk}.xlsx"
    )


def _year(request) -> int | HttpResponse:
    try:
        return filters_parse(request.GET).period.year
    except PeriodError as exc:
        return _refused(request, str(exc), 400)


def _scorecard_html(request, *, year: int, pdf: bool) -> str:
    context = {**page_context(request), **scorecard_print_context(year=year), "pdf": pdf}
    return render_to_string("reports/print/scorecard.html", context, request=request)


def _centre_html(request, *, centre: Centre, filters, pdf: bool) -> str:
    context = {**page_context(request, filters), **centre_print_context(centre=centre, filters=filters), "pdf": pdf}
    return render_to_string("reports/print/centre.html", context, request=request)


def _pdf_response(request, html: str, filename: str) -> HttpResponse:
    response = HttpResponse(
        pdf_render(html=html, base_url=request.build_absolute_uri("/")), content_type="application/pdf"
    )
    response["Content-Disposition"] = attachment_header(filename, fallback="report.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@bureau_required()
def print_scorecard(request):
    year = _year(request)
    if isinstance(year, HttpResponse):
        return year
    return HttpResponse(_scorecard_html(request, year=year, pdf=False))


@bureau_required("export")
def pdf_scorecard(request):
    year = _year(request)
    if isinstance(year, HttpResponse):
        return year
    html = _scorecard_html(request, year=year, pdf=True)
    report_pdf_logged(kind=SCORECARD_PDF, what=f"year={year}", user=request.user)
    return _pdf_response(request, html, pdf_filename(year=year))


def _centre_and_filters(request, code: str):
    centre = get_object_or_404(Centre, schema_name=code, kind=Centre.Kind.CENTRE)
    try:
        return centre, filters_parse(request.GET), None
    except PeriodError as exc:
        return centre, None, _refused(request, str(exc), 400)


@bureau_required()
def print_centre(request, code: str):
    centre, filters, error = _centre_and_filters(request, code)
    if error:
        return error
    return HttpResponse(_centre_html(request, centre=centre, filters=filters, pdf=False))


@bureau_required("export")
def pdf_centre(request, code: str):
    centre, filters, error = _centre_and_filters(request, code)
    if error:
        return error
    html = _centre_html(request, centre=centre, filters=filters, pdf=True)
    report_pdf_logged(kind=CENTRE_PDF, what=f"{code} {filters.query().lstrip('?')}", user=request.user)
    return _pdf_response(request, html, pdf_filename(year=filters.period.year, centre=centre, period=filters.period))


urlpatterns = [
    path("reports/export/view/", export_view, name="export_view"),
    path("reports/export/year/", export_year, name="export_year"),
    path("reports/export/<int:export_id>/", export_status, name="export_status"),
    path("reports/export/<int:export_id>/download/", export_download, name="export_download"),
    path("reports/export/print/scorecard/", print_scorecard, name="print_scorecard"),
    path("reports/export/print/centre/<slug:code>/", print_centre, name="print_centre"),
    path("reports/export/pdf/scorecard/", pdf_scorecard, name="pdf_scorecard"),
    path("reports/export/pdf/centre/<slug:code>/", pdf_centre, name="pdf_centre"),
]

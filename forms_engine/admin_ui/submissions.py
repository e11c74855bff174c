"""A form's submissions list: the answers chosen as columns, filters by answer and date kept in the URL, and the export
of exactly that (chosen columns, filtered rows, XLSX or CSV) made in the background and downloaded from the same page.

Interfaces only: the rows come from exports.export_queryset (the same filter the export job applies), answers are shown
masked per the viewer's permissions, and personal answers are never offered as filters.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin import messages

from forms_engine import services
from forms_engine.admin_ui.forms import SubmissionFilterForm
from forms_engine.admin_ui.views import PAGE_SIZE, FormsView, _jobs_for, _shown, _state_labels, is_builder
from forms_engine.exports import (
    FILTER_KINDS,
    FORMATS,
    answer_filters,
    answer_specs,
    export_queryset,
    submissions_export_start,
)
from forms_engine.fields import LIKERT_DEFAULT
from forms_engine.models import ExportJob, FormDefinition
from forms_engine.personal import PersonalView
from forms_engine.selectors import access_form_by_id
from registry.services import access_log_record

DEFAULT_COLUMNS = 4  # answers shown when none are chosen
NOT_DEFAULT = ("repeat", "file", "hidden", "cadre")  # the cadre has a column of its own
COLUMNS_CHOSEN = "cols"  # present in the URL once the columns were chosen (so "none" differs from "the default")


def _options(spec: dict) -> list[tuple[str, str]]:
    if spec["type"] == "yesno":
        return [("yes", _("Yes")), ("no", _("No"))]
    if spec["type"] == "rating":
        return [(str(n), str(n)) for n in range(1, 6)]
    choices = spec.get("choices") or (LIKERT_DEFAULT if spec["type"] == "likert" else [])
    return [(str(c["value"]), str(c["label"])) for c in choices]


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def list_params(query: QueryDict, *, form: FormDefinition, specs: list[dict], filterable: dict[str, dict]) -> dict:
    """The list's URL as export parameters: state, cadre, dates, `answers` and `columns` (unknown names dropped)."""
    filters = SubmissionFilterForm(query or None, form=form)
    params: dict = {}
    if filters.is_valid():
        params = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.cleaned_data.items() if v}
    answers: dict = {}
    for name, spec in filterable.items():
        if FILTER_KINDS[spec["type"]] == "dates":
            start, end = _date(query.get(f"f_{name}_from", "")), _date(query.get(f"f_{name}_to", ""))
            if start or end:
                answers[name] = [start, end]
            continue
        value = query.get(f"f_{name}", "").strip()[:200]
        if value:
            answers[name] = value
    if answers:
        params["answers"] = answers
    names = [spec["name"] for spec in specs]
    if COLUMNS_CHOSEN in query:
        wanted = set(query.getlist("col"))
        params["columns"] = [name for name in names if name in wanted]
    else:
        params["columns"] = [spec["name"] for spec in specs if spec["type"] not in NOT_DEFAULT][:DEFAULT_COLUMNS]
    return params


class SubmissionListView(FormsView):
    template_name = "forms_engine/admin/submission_list.html"

    def get_page_title(self):
        return _("Submissions of “%(title)s”") % {"title": self.form_def.title}

    def get(self, request, *args, **kwargs):
        self.form_def = access_form_by_id(user=request.user, id=kwargs["pk"], action="view")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, form, query = self.request.user, self.form_def, self.request.GET
        specs = answer_specs(form=form)
        filterable = answer_filters(form=form, specs=specs)
        params = list_params(query, form=form, specs=specs, filterable=filterable)
        by_name = {spec["name"]: spec for spec in specs}
        columns = [by_name[name] for name in params["columns"]]
        submissions = export_queryset(form=form, user=user, params=params).select_related(
            "cadre", "assignee", "created_by"
        )
        page = Paginator(submissions.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(query.get("p"))
        states = _state_labels(form)
        view = PersonalView(user=user, marked=services.personal_marks(form_id=form.pk))
        rows = []
        for submission in page:
            fields = submission.version.schema.get("fields", [])
            own = {spec["name"]: spec for spec in fields}
            kinds = view.kinds(version_id=submission.version_id, specs=fields)
            cells = []
            for column in columns:
                spec = own.get(column["name"])
                value = submission.data.get(column["name"])
                cells.append(_shown(view, kinds, spec, value, submission.pk) if spec else "")
            rows.append(
                {"submission": submission, "state": states.get(submission.state, submission.state), "cells": cells}
            )
        if view.shown:  # personal answers shown in full on this page
            access_log_record(
                user=user,
                action="view",
                channel="admin",
                model="Submission",
                record_ids=sorted(view.shown),
                fields=view.logged_fields(form.key),
            )
        answer_fields = []
        for spec in filterable.values():
            kind = FILTER_KINDS[spec["type"]]
            item = {"name": spec["name"], "label": spec.get("label") or spec["name"], "kind": kind}
            if kind == "dates":
                item.update(start=query.get(f"f_{spec['name']}_from", ""), end=query.get(f"f_{spec['name']}_to", ""))
            else:
                item["value"] = query.get(f"f_{spec['name']}", "")
                if kind == "option":
                    item["options"] = _options(spec)
            answer_fields.append(item)
        page_query = query.copy()
        page_query.pop("p", None)
        context.update(
            form=form,
            filters=SubmissionFilterForm(query or None, form=form),
            answer_fields=answer_fields,
            column_choices=[
                {
                    "name": spec["name"],
                    "label": spec.get("label") or spec["name"],
                    "chosen": spec["name"] in params["columns"],
                }
                for spec in specs
            ],
            columns=columns,
            page=page,
            rows=rows,
            query=page_query.urlencode(),
            filtered=bool(set(params) - {"columns"}),
            can_fill=form.current_version is not None and services.form_user_can(form=form, user=user, action="fill"),
            builder=is_builder(user),
        )
        return context


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest" or "application/json" in request.headers.get(
        "Accept", ""
    )


class ExportCreateView(View):
    """导出: queue a background export of the list as shown (its filters and chosen columns, given as the list's query
    string) in the chosen format; the page polls the job and downloads it when ready (without JavaScript: the
    exports page)."""

    def post(self, request, pk: int):
        form = access_form_by_id(user=request.user, id=pk, action="view")
        specs = answer_specs(form=form)
        query = QueryDict(request.POST.get("query", ""))
        if "query" not in request.POST:  # an older page: its filters as fields, every column
            query = request.POST
        params = list_params(query, form=form, specs=specs, filterable=answer_filters(form=form, specs=specs))
        if "query" not in request.POST:
            params.pop("columns", None)
        if request.POST.get("format") in FORMATS:
            params["format"] = request.POST["format"]
        job = submissions_export_start(form=form, user=request.user, params=params)
        if _wants_json(request):
            return JsonResponse(
                {
                    "job": job.pk,
                    "status_url": reverse("forms_engine:export_status", args=[job.pk]),
                    "message": _("The export has started; the file downloads by itself when it is ready."),
                },
                status=202,
            )
        messages.success(request, _("The export has started; it is listed below."))
        return redirect("forms_engine:export_list")


class ExportStatusView(View):
    """Where an export of one's own stands, for the list page's polling: status, progress and, when done, the link."""

    def get(self, request, job_id: int):
        job = _jobs_for(request.user).filter(pk=job_id).first()
        if job is None:
            raise Http404
        access_form_by_id(user=request.user, id=job.form_id, action="view")
        answer = {"status": job.status, "done": job.done, "total": job.total}
        answer["percent"] = (
            100 if job.status == ExportJob.Status.DONE else int(job.done * 100 / job.total) if job.total else 0
        )
        if job.status == ExportJob.Status.DONE and job.path:
            answer["download_url"] = reverse("forms_engine:export_download", args=[job.pk])
            answer["message"] = _("The export is ready: %(name)s") % {"name": job.filename}
        elif job.status == ExportJob.Status.FAILED:
            answer["message"] = _("The export failed. Please try again, or tell the administrator.")
        else:
            answer["message"] = _("Exporting… %(done)d of %(total)d submissions.") % {
                "done": job.done,
                "total": job.total,
            }
        return JsonResponse(answer)

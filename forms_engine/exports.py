"""Submissions to XLSX as a stored background job: every field that ever existed is a column, formulas neutralised."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from forms_engine.fields import display_value, is_empty
from forms_engine.models import ExportJob, FormDefinition, FormVersion, Submission
from forms_engine.personal import PersonalView, reveal
from forms_engine.selectors import submission_visible_queryset
from registry.services import access_log_record
from tenants.private_files import PRIVATE_FILE_LIFETIME, private_file_delete, private_file_new, private_file_path
from tenants.text import spreadsheet_text

PROGRESS_EVERY = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_TYPES = ("integer", "decimal", "rating")
SKIPPED_TYPES = ("note",)
FOLDER = "form-exports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_safe(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; characters a cell cannot hold are
    escaped as Excel escapes them."""
    if not isinstance(value, str):
        return value
    return spreadsheet_text("'" + value if value.startswith(FORMULA_START) else value)


def export_columns(*, form: FormDefinition) -> list[tuple[str, str]]:
    """(machine name, label) of every field of every version, merged by name in first-seen order; newest label."""
    labels: dict[str, str] = {}
    for schema in FormVersion.objects.filter(form=form).order_by("number").values_list("schema", flat=True):
        for spec in schema.get("fields", []):
            if spec["type"] in SKIPPED_TYPES:
                continue
            labels[spec["name"]] = spec.get("label") or spec["name"]
    return list(labels.items())


def export_queryset(*, form: FormDefinition, user, params: dict) -> QuerySet[Submission]:
    """The submissions a user may see, filtered as on the list page (state, cadre search text, dates from/until)."""
    if user is not None:
        submissions = submission_visible_queryset(user=user, form=form)
    else:
        submissions = Submission.objects.filter(form=form)
    if params.get("state"):
        submissions = submissions.filter(state=params["state"])
    if params.get("cadre"):
        from registry.selectors import cadre_search, cadre_visible_queryset

        cadres = cadre_visible_queryset(user=user) if user is not None else None
        if cadres is not None:
            submissions = submissions.filter(cadre__in=cadre_search(cadres, params["cadre"]).values("pk"))
        else:
            submissions = submissions.none()
    if params.get("since"):
        submissions = submissions.filter(created_at__date__gte=dt.date.fromisoformat(params["since"]))
    if params.get("until"):
        submissions = submissions.filter(created_at__date__lte=dt.date.fromisoformat(params["until"]))
    return submissions


def _answer_cell(view: PersonalView, specs: dict, kinds: dict, submission_id: int, data: dict, name: str) -> Any:
    value = data.get(name)
    kind = kinds.get(name)
    if kind is None:
        return _cell(specs.get(name), value)
    unmasked = view.may_see(kind)
    if unmasked and not is_empty(value):
        view.note(submission_id, name)
    return _cell(specs.get(name), value, personal=True, sensitive=unmasked)


def export_filename(*, form: FormDefinition, at: dt.datetime) -> str:
    """The name a workbook is downloaded by: the form's title and the local time, e.g. 投诉登记-20261206-0930.xlsx."""
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", form.title).strip() or form.key
    return f"{title[:150]}-{timezone.localtime(at):%Y%m%d-%H%M}.xlsx"


def _cell(spec: dict | None, value: Any, *, personal: bool = False, sensitive: bool = True) -> Any:
    """A cell of an answer; a personal one masked unless `sensitive` (the user may see its kind)."""
    if is_empty(value):
        return None
    if personal and not sensitive:
        return cell_safe(display_value(spec or {"type": "text"}, value, sensitive=False, personal=True))
    value = reveal(value)
    if spec is None:
        return cell_safe(str(value))
    if spec["type"] in NUMERIC_TYPES and not isinstance(value, bool):
        try:
            return int(value) if spec["type"] != "decimal" else Decimal(str(value))
        except (ValueError, ArithmeticError):
            return cell_safe(str(value))
    return cell_safe(display_value(spec, value, sensitive=True, personal=False))


@transaction.atomic
def submissions_export_start(*, form: FormDefinition, user, params: dict | None = None) -> ExportJob:
    """Record an export job and queue it for a worker once the transaction commits."""
    from tenants.tasks import centre_task_enqueue

    job = ExportJob.objects.create(form=form, created_by=user, params=params or {})
    schema_name = connection.schema_name
    transaction.on_commit(
        lambda: centre_task_enqueue(
            schema_name=schema_name, func="forms_engine.tasks.submissions_export_run", args=(job.pk,)
        )
    )
    return job


def submissions_export_write(*, job: ExportJob) -> ExportJob:
    """Write the job's XLSX (openpyxl write-only), counting progress; the job ends done or failed with the reason."""
    from forms_engine.services import personal_marks

    claimed = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        job.refresh_from_db()
        return job  # already run (a task delivered twice) or running elsewhere
    job.refresh_from_db()
    try:
        form = job.form
        user = job.created_by
        view = PersonalView(user=user, marked=personal_marks(form_id=form.pk))
        columns = export_columns(form=form)
        states = {s["key"]: str(s["label"]) for s in form.workflow.get("states", [])}
        submissions = export_queryset(form=form, user=user, params=job.params).order_by("created_at", "pk")
        total = submissions.count()
        ExportJob.objects.filter(pk=job.pk).update(total=total, done=0)
        specs: dict[int, dict[str, dict]] = {}
        kinds: dict[int, dict[str, str]] = {}
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_("Submissions")[:31])
        sheet.append(
            [_("Receipt number"), _("Submitted at"), _("State"), _("Cadre")]
            + [cell_safe(label) for _n, label in columns]
        )
        done = 0
        rows = submissions.values_list("pk", "receipt", "created_at", "state", "cadre__name", "version_id", "data")
        for submission_id, receipt, created_at, state, cadre_name, version_id, data in rows.iterator(chunk_size=2000):
            if version_id not in specs:
                schema = FormVersion.objects.filter(pk=version_id).values_list("schema", flat=True).get()
                specs[version_id] = {spec["name"]: spec for spec in schema.get("fields", [])}
                kinds[version_id] = view.kinds(version_id=version_id, specs=schema.get("fields", []))
            version_specs, version_kinds = specs[version_id], kinds[version_id]
            data = data or {}
            sheet.append(
                [
                    receipt,
                    timezone.localtime(created_at).strftime("%Y-%m-%d %H:%M"),
                    cell_safe(states.get(state, state)),
                    cell_safe(cadre_name) if cadre_name else None,
                ]
                + [_answer_cell(view, version_specs, version_kinds, submission_id, data, name) for name, _l in columns]
            )
            done += 1
            if done % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job.pk).update(done=done)
        if view.shown:
            access_log_record(
                user=user,
                action="export",
                channel="export",
                model="Submission",
                record_ids=view.shown,
                fields=view.logged_fields(form.key),
            )
        target, job.path = private_file_new(schema_name=connection.schema_name, folder=FOLDER, suffix=".xlsx")
        partial = target.with_name(f".{target.name}.part")
        try:
            workbook.save(partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        job.finished_at = timezone.now()
        job.filename = export_filename(form=form, at=job.finished_at)
        job.status, job.done, job.total = ExportJob.Status.DONE, done, total
        job.save(update_fields=["status", "done", "total", "path", "filename", "finished_at"])
    except Exception as exc:  # noqa: BLE001 - any failure is the job's outcome, shown to the user
        job.refresh_from_db()
        job.status, job.error, job.finished_at = ExportJob.Status.FAILED, f"{type(exc).__name__}: {exc}", timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
    return job


def export_job_expired(*, job: ExportJob, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) - job.created_at > PRIVATE_FILE_LIFETIME


def export_job_file(*, job: ExportJob):
    """The finished workbook of a job while it may still be downloaded (inside the private folder), else None."""
    if job.status != ExportJob.Status.DONE or export_job_expired(job=job):
        return None
    return private_file_path(job.path, schema_name=connection.schema_name)


def export_job_discard(*, job: ExportJob) -> None:
    """Delete an expired job's workbook; the job stays listed, without a file."""
    private_file_delete(job.path, schema_name=connection.schema_name)
    ExportJob.objects.filter(pk=job.pk).update(path="")
    job.path = ""


def export_files_purge(*, now: dt.datetime | None = None) -> int:
    """Task (in a centre): delete the workbooks of jobs older than 24 hours; returns how many jobs lost a file."""
    cutoff = (now or timezone.now()) - PRIVATE_FILE_LIFETIME
    purged = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).exclude(path=""):
        export_job_discard(job=job)
        purged += 1
    return purged

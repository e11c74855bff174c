"""Submissions to XLSX or CSV as a stored background job: every field that ever existed is a column, one sheet (or
CSV file) per repeat group, formulas neutralised; rows are streamed from a server-side cursor, never all held.

Big workbooks are written with XlsxWriter's `constant_memory` mode: each row goes to disk as it is written, so the
worker's memory does not grow with the number of submissions."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, DateTimeField, F, Func, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext as _
from xlsxwriter import Workbook

from forms_engine.fields import display_value
from forms_engine.models import ExportJob, FormDefinition, FormVersion, Submission
from forms_engine.personal import SEALED, SEALED_JSON, PersonalView, personal_fields, reveal
from forms_engine.selectors import submission_visible_queryset
from registry.services import access_log_record
from tenants.private_files import PRIVATE_FILE_LIFETIME, private_file_delete, private_file_new, private_file_path
from tenants.text import spreadsheet_text

PROGRESS_EVERY = 1000
CHUNK_SIZE = 2000  # rows fetched from the server-side cursor at a time
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_TYPES = ("integer", "decimal", "rating")
SKIPPED_TYPES = ("note",)
FOLDER = "form-exports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {".xlsx": XLSX_TYPE, ".csv": "text/csv; charset=utf-8", ".zip": "application/zip"}
# XlsxWriter turns nothing into a formula, number or link by itself: a cell holds what the export gives it.
XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]+")


def formula_safe(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def cell_safe(value: Any) -> Any:
    """A cell's value as an XLSX file holds it: formula-like text neutralised, characters a cell cannot hold escaped
    as Excel escapes them (XlsxWriter applies that same escaping itself, so its cells get `formula_safe` only)."""
    value = formula_safe(value)
    return spreadsheet_text(value) if isinstance(value, str) else value


def export_columns(*, form: FormDefinition) -> list[tuple[str, str]]:
    """(machine name, label) of every field of every version, merged by name in first-seen order; newest label."""
    return [(name, label) for name, label, _children in _export_fields(form=form)]


def export_groups(*, form: FormDefinition) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(machine name, label, child columns) of every repeat group of every version, merged like the columns."""
    return [(name, label, children) for name, label, children in _export_fields(form=form) if children is not None]


def _export_fields(*, form: FormDefinition) -> list[tuple[str, str, list[tuple[str, str]] | None]]:
    labels: dict[str, str] = {}
    children: dict[str, dict[str, str]] = {}
    for schema in FormVersion.objects.filter(form=form).order_by("number").values_list("schema", flat=True):
        for spec in schema.get("fields", []):
            if spec["type"] in SKIPPED_TYPES:
                continue
            labels[spec["name"]] = spec.get("label") or spec["name"]
            if spec["type"] == "repeat":
                group = children.setdefault(spec["name"], {})
                for child in spec.get("children", []):
                    if child["type"] not in SKIPPED_TYPES:
                        group[child["name"]] = child.get("label") or child["name"]
    return [(name, label, list(children[name].items()) if name in children else None) for name, label in labels.items()]


# How an answer can be filtered on the submissions list: a choice among its options, a text it contains, a number,
# a date range. Other types (files, groups, people, calculations, times) are not offered.
FILTER_KINDS = {
    "choice": "option",
    "likert": "option",
    "yesno": "option",
    "rating": "option",
    "multichoice": "option",
    "text": "text",
    "textarea": "text",
    "phone": "text",
    "integer": "number",
    "date": "dates",
}


def answer_specs(*, form: FormDefinition) -> list[dict]:
    """The top-level fields of every version (notes left out), merged by name in first-seen order, newest spec."""
    specs: dict[str, dict] = {}
    for schema in FormVersion.objects.filter(form=form).order_by("number").values_list("schema", flat=True):
        for spec in schema.get("fields", []):
            if spec["type"] not in SKIPPED_TYPES:
                specs[spec["name"]] = spec
    return list(specs.values())


def answer_filters(*, form: FormDefinition, specs: list[dict] | None = None) -> dict[str, dict]:
    """Machine name → spec of the answers the list may filter on: never a personal (sealed) one, in any version or
    by the form's current marks."""
    from forms_engine.services import personal_marks

    specs = answer_specs(form=form) if specs is None else specs
    personal = set(personal_marks(form_id=form.pk))
    for schema in FormVersion.objects.filter(form=form).values_list("schema", flat=True):
        personal |= set(personal_fields(schema.get("fields", [])))
    return {spec["name"]: spec for spec in specs if spec["type"] in FILTER_KINDS and spec["name"] not in personal}


def _answer_filtered(submissions: QuerySet[Submission], spec: dict, value: Any) -> QuerySet[Submission]:
    name, kind = spec["name"], FILTER_KINDS[spec["type"]]
    if kind == "dates":
        start, end = (list(value) + ["", ""])[:2] if isinstance(value, list | tuple) else ("", "")
        text = KeyTextTransform(name, "data")
        if start:
            submissions = submissions.alias(**{f"_a_{name}": text}).filter(**{f"_a_{name}__gte": str(start)})
        if end:
            submissions = submissions.alias(**{f"_a_{name}": text}).filter(**{f"_a_{name}__lte": str(end)})
        return submissions
    value = str(value)
    if kind == "text":
        return submissions.alias(**{f"_a_{name}": KeyTextTransform(name, "data")}).filter(
            **{f"_a_{name}__icontains": value}
        )
    if spec["type"] == "yesno":
        if value not in ("yes", "no"):
            return submissions.none()
        return submissions.filter(data__contains={name: value == "yes"})
    if spec["type"] in ("rating", "integer"):
        try:
            number = int(value)
        except ValueError:
            return submissions.none()
        return submissions.filter(data__contains={name: number})
    if spec["type"] == "multichoice":
        return submissions.filter(data__contains={name: [value]})
    return submissions.filter(data__contains={name: value})


def export_queryset(*, form: FormDefinition, user, params: dict) -> QuerySet[Submission]:
    """The submissions a user may see, filtered as on the list page (state, cadre search text, dates from/until, and
    `answers`: machine name → an option, a text contained, a number, or [from, to] dates)."""
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
    answers = params.get("answers") or {}
    if answers:
        # Only answers the list offers (a personal one never: its stored value is sealed).
        allowed = answer_filters(form=form)
        for name, value in answers.items():
            if name in allowed and value not in ("", None, [], ["", ""]):
                submissions = _answer_filtered(submissions, allowed[name], value)
    return submissions


def export_filename(*, form: FormDefinition, at: dt.datetime, suffix: str = ".xlsx") -> str:
    """The name a file is downloaded by: the form's title and the local time, e.g. 投诉登记-20261206-0930.xlsx."""
    return f"{_file_title(form.title, form.key)}-{timezone.localtime(at):%Y%m%d-%H%M}{suffix}"


def export_content_type(*, filename: str) -> str:
    return CONTENT_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")


def _file_title(title: str, fallback: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", title).strip()[:150] or fallback


# Field types whose text is more than str(answer): shown through display_value, cached per distinct answer.
LABELLED_TYPES = ("choice", "likert", "multichoice", "yesno")
LABEL_CACHE_SIZE = 1000
SEALED_STARTS = (SEALED_JSON, SEALED)


def _converter(spec: dict | None, *, masked: bool) -> Callable[[Any], Any] | None:
    """How one field's non-empty stored answer becomes its cell (formula-neutralised): masked when the user may not
    see that kind of personal data, a number for numeric fields, the choice labels for choices; None for text as it
    is, which the row loop unseals and neutralises itself (most cells are text). Chosen once per column and version."""
    if masked:
        shown = spec or {"type": "text"}
        return lambda value: formula_safe(display_value(shown, value, sensitive=False, personal=True))
    if spec is None:
        return None
    kind = spec["type"]
    if kind in NUMERIC_TYPES:

        def number(value: Any) -> Any:
            value = reveal(value)
            if isinstance(value, bool):
                return formula_safe(display_value(spec, value, sensitive=True, personal=False))
            try:
                return int(value) if kind != "decimal" else Decimal(str(value))
            except (TypeError, ValueError, ArithmeticError):
                return formula_safe(str(value))

        if kind == "decimal":
            return number

        def whole(value: Any) -> Any:
            return value if type(value) is int else number(value)  # a stored whole number is its own cell

        return whole
    if kind in LABELLED_TYPES:
        labels: dict[Any, Any] = {}

        def labelled(value: Any) -> Any:
            key = tuple(value) if type(value) is list else value
            try:
                return labels[key]
            except KeyError:
                text = formula_safe(display_value(spec, reveal(value), sensitive=True, personal=False))
                if len(labels) < LABEL_CACHE_SIZE:
                    labels[key] = text
                return text
            except TypeError:  # an unhashable answer: not cached
                return formula_safe(display_value(spec, reveal(value), sensitive=True, personal=False))

        return labelled
    if kind in ("file", "repeat"):
        return lambda value: formula_safe(display_value(spec, reveal(value), sensitive=True, personal=False))
    return None


class _Answers:
    """One version's answers as cells for one user; notes the submissions whose personal data was shown in full."""

    def __init__(self, *, view: PersonalView, specs: dict[str, dict], kinds: dict[str, str], shown: _Shown):
        self.view, self.specs, self.kinds, self.shown = view, specs, kinds, shown
        self.plans: dict[int, list[tuple[str, Callable[[Any], Any] | None, bool]]] = {}

    def _plan(self, columns: list[tuple[str, str]]) -> list[tuple[str, Callable[[Any], Any] | None, bool]]:
        plan = self.plans.get(id(columns))
        if plan is None:
            plan = []
            for name, _label in columns:
                kind = self.kinds.get(name)
                masked = kind is not None and not self.view.may_see(kind)
                plan.append((name, _converter(self.specs.get(name), masked=masked), kind is not None and not masked))
            self.plans[id(columns)] = plan
        return plan

    def cells(self, submission_id: int, data: dict, columns: list[tuple[str, str]], out: list[Any]) -> list[Any]:
        """`out` with this version's cells of `columns` appended (None where there is no answer)."""
        get, append = data.get, out.append
        noted_fields = None
        for name, convert, noted in self._plan(columns):
            value = get(name)
            if not value and value != 0:  # None, "", [] or {}: no answer (0 and False are answers)
                append(None)
                continue
            if noted:
                if noted_fields is None:
                    noted_fields = []
                noted_fields.append(name)
            if convert is not None:
                append(convert(value))
                continue
            # Text as it is: formula_safe(str(reveal(value))), written out here because most cells take this path.
            if type(value) is not str or value.startswith(SEALED_STARTS):
                value = str(reveal(value))
            append("'" + value if value.startswith(FORMULA_START) else value)
        if noted_fields is not None:
            self.shown.note(submission_id, noted_fields)
        return out


class _Shown:
    """Which submissions and fields were exported unmasked, for the access log (compact: one int per submission)."""

    def __init__(self):
        self.ids: array = array("q")
        self.fields: set[str] = set()

    def note(self, submission_id: int, names: list[str]) -> None:
        if not self.ids or self.ids[-1] != submission_id:
            self.ids.append(submission_id)
        self.fields.update(names)


class _XlsxOut:
    """One workbook, one sheet per table, rows flushed to disk as they are written (XlsxWriter constant_memory)."""

    def __init__(self, path: Path, tables: list[tuple[str, list[str]]]):
        self.workbook = Workbook(str(path), XLSX_OPTIONS)
        bold = self.workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.sheets: list[Any] = []
        self.writers: list[tuple[Callable[..., int], Callable[..., int]]] = []
        self.rows: list[int] = []
        used: set[str] = set()
        for title, header in tables:
            sheet = self.workbook.add_worksheet(_sheet_name(title, used))
            sheet.freeze_panes(1, 0)
            sheet.set_column(0, max(len(header) - 1, 0), 16)
            sheet.write_row(0, 0, [formula_safe(text) for text in header], bold)
            self.sheets.append(sheet)
            self.writers.append((sheet._write_string, sheet._write_number))
            self.rows.append(1)

    def append(self, table: int, values: list[Any]) -> None:
        row = self.rows[table]
        # write_string/write_number without their A1-notation wrapper (the row loop's largest single cost); the
        # cell is typed here, so nothing is guessed from the text (XLSX_OPTIONS would refuse to guess anyway).
        write_string, write_number = self.writers[table]
        for column, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                write_string(row, column, value)
            elif kind is int or kind is float:  # exactly: a bool is written as its text
                write_number(row, column, value)
            elif kind is Decimal:
                write_number(row, column, float(value))
            else:
                write_string(row, column, str(value))
        self.rows[table] = row + 1

    def close(self) -> None:
        self.workbook.close()

    def discard(self) -> None:
        for sheet in self.sheets:  # the row files XlsxWriter keeps open until close()
            handle = getattr(sheet, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()
            if getattr(sheet, "row_data_filename", None):
                Path(sheet.row_data_filename).unlink(missing_ok=True)


class _CsvOut:
    """One CSV (UTF-8 with BOM, so Excel reads Chinese) per table; several tables are zipped together."""

    def __init__(self, path: Path, tables: list[tuple[str, list[str]]], names: list[str]):
        self.path = path
        self.folder = tempfile.TemporaryDirectory(dir=path.parent, prefix=".csv-")
        self.names = names
        self.files = [
            (Path(self.folder.name) / f"{i}.csv").open("w", encoding="utf-8-sig", newline="")
            for i in range(len(tables))
        ]
        self.writers = [csv.writer(handle) for handle in self.files]
        for writer, (_title, header) in zip(self.writers, tables, strict=True):
            writer.writerow([formula_safe(text) for text in header])

    def append(self, table: int, values: list[Any]) -> None:
        self.writers[table].writerow(values)

    def close(self) -> None:
        for handle in self.files:
            handle.close()
        try:
            if len(self.files) == 1:
                os.replace(self.files[0].name, self.path)
                return
            with zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for handle, name in zip(self.files, self.names, strict=True):
                    archive.write(handle.name, arcname=name)
        finally:
            self.folder.cleanup()

    def discard(self) -> None:
        for handle in self.files:
            handle.close()
        self.folder.cleanup()


def _sheet_name(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = SHEET_NAME_BAD.sub("-", title).strip("'") or "Sheet"
    name, n = base[:31], 1
    while name.lower() in used:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}-{n}"
    used.add(name.lower())
    return name


@transaction.atomic
def submissions_export_start(*, form: FormDefinition, user, params: dict | None = None) -> ExportJob:
    """Record an export job and queue it for a worker once the transaction commits; `params` holds the list's
    filters and the file format (xlsx, the default, or csv)."""
    from tenants.tasks import centre_task_enqueue

    job = ExportJob.objects.create(form=form, created_by=user, params=params or {})
    schema_name = connection.schema_name
    transaction.on_commit(
        lambda: centre_task_enqueue(
            schema_name=schema_name, func="forms_engine.tasks.submissions_export_run", args=(job.pk,)
        )
    )
    return job


def _rows(submissions: QuerySet[Submission]) -> Iterator[tuple]:
    """The submissions' fields the export needs, from a server-side cursor, CHUNK_SIZE rows at a time; the moment of
    submission comes as its cell's text, in local time, formatted by the database."""
    submitted = Func(
        Func(Value(settings.TIME_ZONE), F("created_at"), function="timezone", output_field=DateTimeField()),
        Value("YYYY-MM-DD HH24:MI"),
        function="to_char",
        output_field=CharField(),
    )
    rows = submissions.annotate(_submitted=submitted).values_list(
        "pk", "receipt", "_submitted", "state", "cadre__name", "version_id", "data"
    )
    return rows.iterator(chunk_size=CHUNK_SIZE)


def submissions_export_write(*, job: ExportJob) -> ExportJob:
    """Write the job's file (XLSX or CSV, a zip of CSVs when the form has repeat groups), counting progress; the job
    ends done or failed with the reason."""
    from forms_engine.services import personal_marks

    claimed = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        job.refresh_from_db()
        return job  # already run (a task delivered twice) or running elsewhere
    job.refresh_from_db()
    out: _XlsxOut | _CsvOut | None = None
    partial: Path | None = None
    try:
        form = job.form
        user = job.created_by
        kind = job.params.get("format") or "xlsx"
        if kind not in FORMATS:
            raise ValueError(f"unknown export format {kind!r}")
        view = PersonalView(user=user, marked=personal_marks(form_id=form.pk))
        columns = export_columns(form=form)
        groups = export_groups(form=form)
        chosen = job.params.get("columns")
        if isinstance(chosen, list):  # the columns chosen on the list page, in the form's order
            columns = [column for column in columns if column[0] in chosen]
            groups = [group for group in groups if group[0] in chosen]
        states = {s["key"]: str(s["label"]) for s in form.workflow.get("states", [])}
        submissions = export_queryset(form=form, user=user, params=job.params).order_by("created_at", "pk")
        total = submissions.count()
        ExportJob.objects.filter(pk=job.pk).update(total=total, done=0)

        receipt_label = _("Receipt number")
        tables = [
            (
                _("Submissions"),
                [receipt_label, _("Submitted at"), _("State"), _("Cadre")] + [label for _n, label in columns],
            )
        ]
        tables += [
            (label, [receipt_label, _("Row number")] + [child for _n, child in children])
            for _n, label, children in groups
        ]
        suffix = ".xlsx" if kind == "xlsx" else ".zip" if groups else ".csv"
        target, relative = private_file_new(schema_name=connection.schema_name, folder=FOLDER, suffix=suffix)
        partial = target.with_name(f".{target.name}.part")
        if kind == "xlsx":
            out = _XlsxOut(partial, tables)
        else:
            title = _file_title(form.title, form.key)
            names = [f"{title}.csv"] + [f"{title}-{_file_title(label, name)}.csv" for name, label, _c in groups]
            out = _CsvOut(partial, tables, names)

        answers: dict[int, _Answers] = {}
        shown = _Shown()
        done = 0
        state_cells: dict[str, Any] = {}
        for submission_id, receipt, submitted_at, state, cadre_name, version_id, data in _rows(submissions):
            reader = answers.get(version_id)
            if reader is None:
                schema = FormVersion.objects.filter(pk=version_id).values_list("schema", flat=True).get()
                fields = schema.get("fields", [])
                specs = {spec["name"]: spec for spec in fields}
                specs.update({c["name"]: c for spec in fields for c in spec.get("children", [])})
                kinds = view.kinds(version_id=version_id, specs=fields)
                reader = answers[version_id] = _Answers(view=view, specs=specs, kinds=kinds, shown=shown)
            data = data or {}
            state_cell = state_cells.get(state)
            if state_cell is None:
                state_cell = state_cells[state] = formula_safe(states.get(state, state))
            first = [receipt, submitted_at, state_cell, formula_safe(cadre_name) if cadre_name else None]
            out.append(0, reader.cells(submission_id, data, columns, first))
            for table, (name, _label, children) in enumerate(groups, start=1):
                rows = data.get(name)
                if not isinstance(rows, list):
                    continue
                for number, child in enumerate(rows, start=1):
                    if isinstance(child, dict):
                        out.append(table, reader.cells(submission_id, child, children, [receipt, number]))
            done += 1
            if done % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job.pk).update(done=done)
        if shown.ids:
            access_log_record(
                user=user,
                action="export",
                channel="export",
                model="Submission",
                record_ids=shown.ids,
                fields=sorted(f"{form.key}:{name}" for name in shown.fields),
            )
        out.close()
        out = None
        os.replace(partial, target)
        job.path = relative
        job.finished_at = timezone.now()
        job.filename = export_filename(form=form, at=job.finished_at, suffix=suffix)
        job.status, job.done, job.total = ExportJob.Status.DONE, done, total
        job.save(update_fields=["status", "done", "total", "path", "filename", "finished_at"])
    except Exception as exc:  # noqa: BLE001 - any failure is the job's outcome, shown to the user
        if out is not None:
            out.discard()
        job.refresh_from_db()
        job.status, job.error, job.finished_at = ExportJob.Status.FAILED, f"{type(exc).__name__}: {exc}", timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
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

"""Reads of the forms engine for other code: which forms and submissions a user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import BigIntegerField, F, Q, QuerySet, Subquery, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.http import Http404
from django.utils import timezone

from forms_engine.models import FormDefinition, Submission, SubmissionChange
from forms_engine.services import form_user_can
from registry.selectors import ALL_CADRES_PERMISSION, cadre_visible_queryset, staff_for_user


def form_list_for_user(*, user, action: str = "view") -> list[FormDefinition]:
    return [
        form for form in FormDefinition.objects.order_by("title") if form_user_can(form=form, user=user, action=action)
    ]


def title_key(title: str) -> str:
    """A title as two titles are compared: case, spaces and full-width spaces ignored."""
    return "".join((title or "").split()).casefold()


def forms_with_title(*, title: str, exclude_id: int | None = None) -> list[FormDefinition]:
    """The other forms that bear this title (compared by title_key), oldest first."""
    wanted = title_key(title)
    forms = FormDefinition.objects.exclude(pk=exclude_id) if exclude_id else FormDefinition.objects.all()
    return [
        form
        for form in forms.order_by("created_at", "pk").only("pk", "title", "key")
        if title_key(form.title) == wanted
    ]


def access_form_by_id(*, user, id: int, action: str = "view") -> FormDefinition:  # noqa: A002
    """The form, if the user may do `action` with it; missing and forbidden both 404."""
    form = FormDefinition.objects.filter(pk=id).first()
    if form is None or not form_user_can(form=form, user=user, action=action):
        raise Http404
    return form


def submission_visible_queryset(*, user, form: FormDefinition | None = None) -> QuerySet[Submission]:
    """Submissions of forms the user may view; without the all-cadres permission, only those about their own
    cadres, made by them, or assigned to them."""
    submissions = Submission.objects.select_related("form", "version", "cadre", "assignee")
    forms = [form] if form is not None else FormDefinition.objects.all()
    allowed = [f.pk for f in forms if form_user_can(form=f, user=user, action="view")]
    submissions = submissions.filter(form_id__in=allowed)
    if user.is_superuser or user.has_perm(ALL_CADRES_PERMISSION):
        return submissions
    own = Q(created_by=user) | Q(cadre__in=cadre_visible_queryset(user=user))
    staff = staff_for_user(user)
    if staff is not None:
        own |= Q(assignee=staff)
    return submissions.filter(own)


def access_submission_by_id(*, user, id: int) -> Submission:  # noqa: A002
    try:
        return submission_visible_queryset(user=user).get(pk=id)
    except (Submission.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def submission_by_receipt(*, receipt: str) -> Submission | None:
    """For the public status look-up by receipt number."""
    return Submission.objects.select_related("form").filter(receipt=(receipt or "").strip().upper()).first()


def form_published_by_key(*, key: str) -> FormDefinition | None:
    """The form with this key, if it has a published version (other apps link to ready forms by key)."""
    return FormDefinition.objects.filter(key=key, current_version__isnull=False).first()


# ---------------------------------------------------------------- aggregates for the bureau's reports
# No names, phone numbers or free text leave here: dates, channels, yes/no answers and scores only.


def _moment(value, fallback: dt.datetime) -> dt.datetime:
    """A datetime answer (local time, as the form stores it), else the fallback."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return fallback
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _yes(value) -> bool | None:
    if value in (True, "yes", "true", "1", 1):
        return True
    if value in (False, "no", "false", "0", 0):
        return False
    return None


def complaint_report_rows(*, start: dt.date, end: dt.date) -> list[dict]:
    """Complaints received between start and end: channel, when received, first answered and closed, escalated,
    whether the result was fed back, and the complainant's satisfaction with the handling where recorded."""
    earliest = timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=60), dt.time()))
    submissions = list(
        Submission.objects.filter(form__purpose=FormDefinition.Purpose.COMPLAINT, created_at__gte=earliest).values(
            "pk",
            "state",
            "created_at",
            "data__channel",
            "data__received_at",
            "data__feedback_given",
            "data__serious",
            "data__satisfaction",
        )
    )
    moves: dict[int, dict[str, list[dt.datetime]]] = {}
    states = SubmissionChange.objects.filter(
        kind=SubmissionChange.Kind.STATE, submission_id__in=[row["pk"] for row in submissions]
    )
    for submission_id, new, at in states.values_list("submission_id", "new", "at"):
        moves.setdefault(submission_id, {}).setdefault(str(new), []).append(at)
    rows = []
    for row in submissions:
        received = _moment(row["data__received_at"], row["created_at"])
        if not start <= timezone.localtime(received).date() <= end:
            continue
        moved = moves.get(row["pk"], {})
        satisfaction = row["data__satisfaction"]
        rows.append(
            {
                "channel": str(row["data__channel"] or ""),
                "received": received,
                "answered": min(moved.get("answered", []) + moved.get("closed", []), default=None),
                "closed": max(moved.get("closed", []), default=None) if row["state"] == "closed" else None,
                "escalated": "escalated" in moved or row["state"] == "escalated" or _yes(row["data__serious"]) is True,
                "feedback": _yes(row["data__feedback_given"]),
                "satisfaction": float(satisfaction) if str(satisfaction or "").isdigit() else None,
            }
        )
    return rows


SCORED_TYPES = ("rating", "likert")


def survey_report_rows(*, template: str, start: dt.date, end: dt.date) -> tuple[dict[str, str], list[dict]]:
    """Answers to the scored questions (1–5) of forms made from a bureau template, submitted between start and end.

    Returns the questions' labels by machine name (the template keeps machine names comparable across centres)
    and per response its day and its scores.
    """
    forms = list(FormDefinition.objects.filter(bureau_template=template).select_related("current_version"))
    labels: dict[str, str] = {}
    for form in forms:
        for field in (form.current_version.schema if form.current_version else {}).get("fields", []):
            if field.get("type") in SCORED_TYPES:
                labels.setdefault(field["name"], field.get("label") or field["name"])
    window = (
        timezone.make_aware(dt.datetime.combine(start, dt.time())),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time())),
    )
    answers = Submission.objects.filter(form__in=forms, created_at__gte=window[0], created_at__lt=window[1])
    rows = []
    for data, created in answers.values_list("data", "created_at"):
        scores = {}
        for name in labels:
            value = str(data.get(name, "")) if isinstance(data, dict) else ""
            if value.isdigit() and 1 <= int(value) <= 5:
                scores[name] = int(value)
        rows.append({"day": timezone.localtime(created).date(), "scores": scores})
    return labels, rows


# ---------------------------------------------------------------- for the reminders (notifications)


def form_field_names(*, key: str) -> set[str] | None:
    """The field names of the form's published version (empty when unpublished); None when there is no such form."""
    form = FormDefinition.objects.filter(key=key).select_related("current_version").first()
    if form is None:
        return None
    return {field["name"] for field in (form.current_version.schema["fields"] if form.current_version else [])}


def form_exists(*, key: str) -> bool:
    return FormDefinition.objects.filter(key=key).exists()


def form_fill_targets(*, keys: Collection[str]) -> dict[str, tuple[int, set[str]]]:
    """Form key → (its id, the names of its date fields) of the published forms among `keys` (to link a fill page)."""
    forms = FormDefinition.objects.filter(key__in=list(keys), current_version__isnull=False)
    return {
        key: (pk, {f["name"] for f in schema["fields"] if f.get("type") == "date"})
        for key, pk, schema in forms.values_list("key", "pk", "current_version__schema")
    }


def submission_evidence(
    *,
    form_key: str,
    answers: dict,
    date_field: str | None,
    cadre_ids: Collection[int] | None,
    created_since: dt.datetime | None = None,
    changed_since: dt.datetime | None = None,
    limit: int | None = None,
    with_id: bool = False,
) -> list[tuple]:
    """(cadre id, the answer naming a cadre, created at, the day answered or created at) of the submissions of a form,
    each led by the submission's id when `with_id` (a reminder closed by it names it).

    Those with all of `answers` (containment, so the GIN index on the answers serves it), concerning one of
    `cadre_ids` (None: any), created since `created_since` or made or changed since `changed_since`; at most `limit`.
    """
    submissions = Submission.objects.filter(form__key=form_key)
    if changed_since is not None:
        submissions = submissions.filter(updated_at__gte=changed_since)
    if created_since is not None:
        submissions = submissions.filter(created_at__gte=created_since)
    if answers:
        submissions = submissions.filter(data__contains=answers)
    if cadre_ids is not None:
        submissions = submissions.filter(Q(cadre_id__in=list(cadre_ids)) | Q(data__cadre__in=sorted(cadre_ids)))
    answered_day = f"data__{date_field}" if date_field else "created_at"
    columns = ("cadre_id", "data__cadre", "created_at", answered_day)
    rows = submissions.values_list(*(("pk", *columns) if with_id else columns))
    return list(rows if limit is None else rows[:limit])


def submission_last_change(*, form_key: str) -> dt.datetime | None:
    """When a submission of the form was last made or changed (None: never); one step down an index."""
    form = FormDefinition.objects.filter(key=form_key).values("pk")[:1]
    latest = Submission.objects.filter(form_id=Subquery(form)).order_by("-updated_at")
    return next(iter(latest.values_list("updated_at", flat=True)[:1]), None)


# ---------------------------------------------------------------- for the field app


def forms_fillable_published(*, user) -> list[FormDefinition]:
    """The published forms this user may fill in, by title, each with its current version's id."""
    forms = FormDefinition.objects.filter(current_version__isnull=False).order_by("title", "pk")
    return [form for form in forms if form_user_can(form=form, user=user, action="fill")]


def form_by_version_id(*, version_id: int) -> FormDefinition | None:
    """The form a version belongs to (any version, current or not), None when there is no such version here."""
    return FormDefinition.objects.filter(versions__pk=version_id).first()


def form_current_version_ids(*, form_ids: Collection[int]) -> dict[int, int]:
    """Form id → its current version's id, for the published forms among `form_ids`."""
    forms = FormDefinition.objects.filter(pk__in=list(form_ids), current_version__isnull=False)
    return dict(forms.values_list("pk", "current_version_id"))


def cadre_submissions_latest(
    *, cadre_ids: Collection[int], purpose: str, per_cadre: int, open_only: bool = False, date_field: str = ""
) -> dict[int, list[dict]]:
    """Per cadre, the newest submissions of forms of this purpose about them: [{"date", "form_title"}], newest first,
    at most `per_cadre` each; `open_only`: those not yet closed. The date is the answer to `date_field` where a form
    has it (the visit's day), else the day it was submitted. Dates only, no answers."""
    ids = sorted(set(cadre_ids))
    if not ids:
        return {}
    submissions = Submission.objects.filter(form__purpose=purpose).filter(
        Q(cadre_id__in=ids) | Q(cadre__isnull=True, data__cadre__in=ids)
    )
    if open_only:
        submissions = submissions.exclude(state="closed")
    # The newest `per_cadre` of each cadre, counted in the database (a cadre called daily has years of records).
    subject = Coalesce("cadre_id", Cast(KeyTextTransform("cadre", "data"), BigIntegerField()))
    newest = Window(RowNumber(), partition_by=[subject], order_by=[F("created_at").desc(), F("pk").desc()])
    columns = ["subject", "created_at", "form__title"]
    if date_field:
        columns.append(f"data__{date_field}")
    rows = submissions.annotate(subject=subject, rank=newest).filter(rank__lte=per_cadre).values_list(*columns)
    found: dict[int, list[dict]] = {}
    for cadre_id, created, title, *day in rows:
        found.setdefault(cadre_id, []).append(
            {"date": _answer_day(day[0] if day else None, created), "form_title": title}
        )
    for entries in found.values():
        entries.sort(key=lambda entry: entry["date"], reverse=True)
    return found


def _answer_day(value, created: dt.datetime) -> dt.date:
    """A date answer, else the local day of `created`."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return timezone.localtime(created).date()

"""Reads of the content app: section listings, sign-ups, the cadre's session, outings without a return report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import Count, DateTimeField, Q, QuerySet
from django.utils import timezone
from wagtail.models import Page

from content.models import ActivityPage, CoursePage, NoticePage, OutingReturn, PolicyPage, SectionPage, SignUp

SESSION_KEY = "cadre_id"


def cadre_session_salt() -> str:
    """Signatures are per centre: a value copied from one centre's session means nothing on another."""
    return f"content.cadre-session:{connection.schema_name}"


def cadre_session_id(request) -> int | None:
    """The logged-in cadre's id, if the session carries a valid signature of this centre."""
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    if not value:
        return None
    try:
        return int(signing.loads(value, salt=cadre_session_salt()))
    except (signing.BadSignature, TypeError, ValueError):
        return None


# ---------------------------------------------------------------- section listings


@dataclass
class SectionListing:
    items: QuerySet
    categories: list[tuple[str, str]] = field(default_factory=list)
    category: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    has_dates: bool = False


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def section_items(*, section: SectionPage, params) -> SectionListing:
    """The live items of a section, newest first, filtered by `category` and a `from`/`to` date range."""
    model = section.item_model
    where = Q(path__startswith=section.path, depth=section.depth + 1)  # child_of(section), by path
    if section.kind == SectionPage.Kind.NOTICES:
        # Notices may also sit straight under the home page (the first ones did): the section's siblings.
        where |= Q(path__startswith=section.path[: -section.steplen], depth=section.depth)
    items = model.objects.live().public().filter(where)
    category_field = model._meta.get_field("category")
    categories = [(str(value), str(label)) for value, label in category_field.choices or []]
    category = params.get("category", "")
    if category in {value for value, _label in categories}:
        items = items.filter(category=category)
    else:
        category = ""
    date_field = getattr(model, "date_field", None)
    date_from, date_to = _date(params.get("from")), _date(params.get("to"))
    if date_field:
        lookup = f"{date_field}__date" if isinstance(model._meta.get_field(date_field), DateTimeField) else date_field
        if date_from:
            items = items.filter(**{f"{lookup}__gte": date_from})
        if date_to:
            items = items.filter(**{f"{lookup}__lte": date_to})
        items = items.order_by(f"-{date_field}", "-pk")
    else:
        items = items.order_by("category", "title", "pk")
    return SectionListing(
        items=items,
        categories=categories,
        category=category,
        date_from=date_from if date_field else None,
        date_to=date_to if date_field else None,
        has_dates=bool(date_field),
    )


# ---------------------------------------------------------------- sign-ups


def signup_counts(*, page_id: int) -> dict[str, int]:
    """Places taken and people waiting, in one query."""
    counts = SignUp.objects.filter(page_id=page_id).aggregate(
        signed_up=Count("pk", filter=Q(status=SignUp.Status.SIGNED_UP)),
        waiting=Count("pk", filter=Q(status=SignUp.Status.WAITING)),
    )
    return {"signed_up": counts["signed_up"], "waiting": counts["waiting"]}


def signup_for_cadre(*, page_id: int, cadre_id: int) -> SignUp | None:
    return (
        SignUp.objects.filter(page_id=page_id, cadre_id=cadre_id)
        .exclude(status=SignUp.Status.CANCELLED)
        .order_by("-created_at")
        .first()
    )


def waiting_position(*, signup: SignUp) -> int:
    """1 for the first on the waiting list."""
    earlier = Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
    return SignUp.objects.filter(earlier, page_id=signup.page_id, status=SignUp.Status.WAITING).count() + 1


def signups_for_cadre(*, cadre_id: int) -> list[dict]:
    """A cadre's sign-ups, newest first, with the page each is for (specific pages fetched once per type)."""
    rows = list(SignUp.objects.filter(cadre_id=cadre_id).order_by("-created_at", "-pk"))
    pages: dict[int, Page] = {}
    for model in (ActivityPage, CoursePage):
        pages.update({page.pk: page for page in model.objects.filter(pk__in=[row.page_id for row in rows])})
    waiting = {row.pk: waiting_position(signup=row) for row in rows if row.status == SignUp.Status.WAITING}
    return [
        {"signup": row, "page": pages[row.page_id], "position": waiting.get(row.pk)}
        for row in rows
        if row.page_id in pages
    ]


def signups_for_page(*, page_id: int) -> list[dict]:
    """Who signed up for an activity or course (names only), for staff: places first, then the waiting list."""
    from registry.selectors import cadre_names

    rows = list(
        SignUp.objects.filter(page_id=page_id)
        .exclude(status=SignUp.Status.CANCELLED)
        .order_by("status", "created_at", "pk")  # "signed_up" sorts before "waiting"
    )
    names = cadre_names([row.cadre_id for row in rows])
    return [{"signup": row, "name": names.get(row.cadre_id, "")} for row in rows]


# ---------------------------------------------------------------- outings


def outings_for_return(*, today: dt.date | None = None, days: int = 30) -> list[dict]:
    """Outings that started in the last `days` days up to today, each with its return report or a missing flag."""
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days)
    outings = list(
        ActivityPage.objects.live()
        .filter(outing=True, start__date__gte=first, start__date__lte=today)
        .order_by("-start", "-pk")
    )
    reports = {report.activity_id: report for report in OutingReturn.objects.filter(activity__in=outings)}
    return [
        {
            "activity": outing,
            "report": reports.get(outing.pk),
            "missing": outing.pk not in reports,
            "overdue": outing.pk not in reports and timezone.localtime(outing.end).date() < today,
        }
        for outing in outings
    ]


def outings_missing_return(*, today: dt.date | None = None) -> list[ActivityPage]:
    """Outings up to today with no return report yet (the ones that must be chased)."""
    return [row["activity"] for row in outings_for_return(today=today) if row["missing"]]


# ---------------------------------------------------------------- city-wide items


def citywide_item_list():
    from content.bureau.models import CitywideItem

    return list(CitywideItem.objects.order_by("-date", "-pk"))


# ---------------------------------------------------------------- aggregates for the bureau's reports


def content_report_days(*, start: dt.date, end: dt.date) -> list[tuple[str, dt.date, int]]:
    """(what, day, count) between start and end: notices and policies first published, activities held and their
    sign-ups, courses starting and their enrolments (live pages only; places taken, not waiting lists)."""
    window = (
        timezone.make_aware(dt.datetime.combine(start, dt.time())),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time())),
    )
    days: list[tuple[str, dt.date, int]] = []
    for what, model in (("notices", NoticePage), ("policies", PolicyPage)):
        published = model.objects.live().filter(first_published_at__gte=window[0], first_published_at__lt=window[1])
        days += [
            (what, timezone.localtime(at).date(), 1) for at in published.values_list("first_published_at", flat=True)
        ]
    taken = SignUp.objects.filter(status=SignUp.Status.SIGNED_UP)
    activities = dict(
        ActivityPage.objects.live().filter(start__gte=window[0], start__lt=window[1]).values_list("pk", "start")
    )
    courses = dict(CoursePage.objects.live().filter(first_lesson__range=(start, end)).values_list("pk", "first_lesson"))
    counts = dict(taken.filter(page_id__in=[*activities, *courses]).values_list("page_id").annotate(n=Count("pk")))
    for pk, at in activities.items():
        day = timezone.localtime(at).date()
        days += [("activities", day, 1), ("activity_signups", day, counts.get(pk, 0))]
    for pk, day in courses.items():
        days += [("courses", day, 1), ("course_enrolments", day, counts.get(pk, 0))]
    return days

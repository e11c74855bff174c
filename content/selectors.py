"""Reads of the content app: section listings, sign-ups, the cadre's session, outings without a return report."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone
from wagtail.models import Page

from content import queries
from content.models import ActivityPage, CoursePage, NoticePage, OutingReturn, PolicyPage, SignUp
from content.queries import SESSION_KEY, SectionListing, cadre_session_id, cadre_session_salt, section_items

__all__ = ["SESSION_KEY", "SectionListing", "cadre_session_id", "cadre_session_salt", "section_items"]

# ---------------------------------------------------------------- sign-ups


def signup_counts(*, page_id: int) -> dict[str, int]:
    """Places taken and people waiting, in one query."""
    return queries.signup_counts(signups=SignUp.objects.filter(page_id=page_id))


def signup_for_cadre(*, page_id: int, cadre_id: int) -> SignUp | None:
    return queries.signup_for_cadre(signups=SignUp.objects.filter(page_id=page_id), cadre_id=cadre_id)  # type: ignore[return-value]


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

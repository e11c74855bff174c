"""Demo pages for `make run` (content/demo/content.json): every section with a few natural items, added once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from content.models import (
    ActivityPage,
    CoursePage,
    DigitalGuidePage,
    DisclosurePage,
    HealthArticlePage,
    HomePage,
    HonourStoryPage,
    NoticePage,
    PolicyPage,
    SectionPage,
    ServiceProviderPage,
    SignUp,
)
from content.page_forms import page_slug_readable
from content.services.signups import signup_create

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def _body(paragraphs: list[str]) -> list[tuple[str, str]]:
    return [("paragraph", f"<p>{paragraph}</p>") for paragraph in paragraphs]


def _at(now: dt.datetime, days: int, time: str = "09:00") -> dt.datetime:
    day = timezone.localdate(now) + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(time)))


def _add(parent, page) -> bool:
    """Add and publish a page unless one of its type with that title exists; whether it was added. Its address is
    the title's pinyin, as an editor's new page gets (content.page_forms)."""
    if type(page).objects.filter(title=page.title).exists():
        return False
    page.slug = page.slug or page_slug_readable(title=page.title, parent=parent)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return True


def _section(home: HomePage, spec: dict) -> SectionPage:
    section = SectionPage.objects.filter(kind=spec["kind"]).order_by("path").first()
    if section is None:
        section = SectionPage(title=spec["title"], slug=spec["slug"], kind=spec["kind"], intro=spec["intro"])
        home.add_child(instance=section)
        section.save_revision().publish()
    return section


def _pages(demo: dict, now: dt.datetime) -> dict[str, list]:
    """The demo's pages, by section kind, not yet saved."""
    d = dt.date.fromisoformat
    return {
        "notices": [
            NoticePage(title=n["title"], date=d(n["date"]), category=n["category"], summary=n["summary"],
                       body=_body(n["paragraphs"]))
            for n in demo["notices_extra"]
        ],
        "policies": [
            PolicyPage(title=p["title"], document_number=p["document_number"], issuing_body=p["issuing_body"],
                       issued_on=d(p["issued_on"]), effective_date=d(p["effective_date"]), status=p["status"],
                       category=p["category"], summary=p["summary"], body=_body(p["paragraphs"]))
            for p in demo["policies"]
        ],
        "activities": [
            ActivityPage(title=a["title"], category=a["category"], place=a["place"], organiser=a["organiser"],
                         start=_at(now, a["start_in_days"], a["start_time"]),
                         end=_at(now, a["start_in_days"], a["start_time"]) + dt.timedelta(hours=a["hours"]),
                         capacity=a["capacity"], signup_opens=_at(now, a["signup_opens_in_days"], "08:00"),
                         signup_closes=_at(now, a["signup_closes_in_days"], "17:00"), outing=a["outing"],
                         summary=a["summary"], body=_body(a["paragraphs"]))
            for a in demo["activities"]
        ],
        "courses": [
            CoursePage(title=c["title"], term=c["term"], category=c["category"], mode=c["mode"], teacher=c["teacher"],
                       weekday=c["weekday"], start_time=dt.time.fromisoformat(c["start_time"]),
                       end_time=dt.time.fromisoformat(c["end_time"]), first_lesson=d(c["first_lesson"]),
                       lessons=c["lessons"], place=c["place"], capacity=c["capacity"],
                       enrol_opens=_at(now, -7, "08:00"), enrol_closes=_at(now, 60, "17:00"),
                       summary=c["summary"], body=_body(c["paragraphs"]))
            for c in demo["courses"]
        ],
        "services": [
            ServiceProviderPage(title=s["title"], category=s["category"], services=s["services"], phone=s["phone"],
                                address=s["address"], opening_hours=s["opening_hours"])
            for s in demo["services"]
        ],
        "honours": [
            HonourStoryPage(title=h["title"], date=d(h["date"]), category=h["category"], person=h["person"],
                            honour=h["honour"], summary=h["summary"], body=_body(h["paragraphs"]))
            for h in demo["honours"]
        ],
        "disclosures": [
            DisclosurePage(title=x["title"], year=x["year"], category=x["category"], date=d(x["date"]),
                           summary=x["summary"], body=_body(x["paragraphs"]))
            for x in demo["disclosures"]
        ],
        "health": [
            HealthArticlePage(title=h["title"], date=d(h["date"]), category=h["category"],
                              reviewed_by=h["reviewed_by"], summary=h["summary"], body=_body(h["paragraphs"]))
            for h in demo["health"]
        ],
        "guides": [
            DigitalGuidePage(title=g["title"], date=d(g["date"]), category=g["category"], summary=g["summary"],
                             body=_body(g["paragraphs"]))
            for g in demo["guides"]
        ],
    }  # fmt: skip


@transaction.atomic
def demo_content_ensure() -> int:
    """Give the current centre's site its demo sections and pages, each once; returns the pages created."""
    from registry.selectors import cadres_served

    home = HomePage.objects.first()
    if home is None:
        return 0
    demo = json.loads((DEMO_DIR / "content.json").read_text(encoding="utf-8"))
    created = 0
    if not home.intro:
        home.intro = demo["intro"].format(name=home.title)
        home.hotline = demo["hotline"]
        home.save_revision().publish()
    sections = {spec["kind"]: _section(home, spec) for spec in demo["sections"]}
    # Every notice sits under 通知公告 (the first demo notices used to sit on the home page: moved there).
    notices = sections["notices"]
    for notice in demo["notices"]:
        stray = NoticePage.objects.child_of(home).filter(title=notice["title"]).first()
        if stray is not None:
            stray.move(notices, pos="last-child")
            continue
        page = NoticePage(
            title=notice["title"],
            date=dt.date.fromisoformat(notice["date"]),
            summary=notice["summary"],
            body=_body(notice["paragraphs"]),
        )
        created += _add(notices, page)
    now = timezone.now()
    for kind, pages in _pages(demo, now).items():
        for page in pages:
            created += _add(sections[kind], page)
    for spec in demo["activities"]:
        wanted = spec.get("demo_signups", 0)
        activity = ActivityPage.objects.filter(title=spec["title"]).first()
        if wanted and activity is not None and activity.signup_state(now) == "open":
            if not SignUp.objects.filter(page_id=activity.pk).exists():
                for cadre in cadres_served(limit=wanted):
                    signup_create(page_id=activity.pk, cadre_id=cadre.pk, now=now)
    return created


@transaction.atomic
def demo_activity_held(
    *,
    title: str,
    category: str,
    place: str,
    start: dt.datetime,
    hours: int,
    capacity: int,
    cadre_ids: list[int],
    summary: str = "",
) -> int | None:
    """A past activity of the demo's history, published when sign-up opened (two weeks before), and the cadres who
    signed up for it then, in order (the first `capacity` get places, the rest wait); returns the sign-ups made.

    Added once: None when an activity of that title is there already (or the site has no activities section).
    """
    section = SectionPage.objects.filter(kind=SectionPage.Kind.ACTIVITIES).order_by("path").first()
    if section is None or ActivityPage.objects.filter(title=title).exists():
        return None
    opens = start - dt.timedelta(days=14)
    page = ActivityPage(
        title=title,
        category=category,
        place=place,
        organiser="中心文体组",
        start=start,
        end=start + dt.timedelta(hours=hours),
        capacity=capacity,
        signup_opens=opens,
        signup_closes=start - dt.timedelta(days=1),
        summary=summary,
    )
    section.add_child(instance=page)
    page.save_revision().publish()
    ActivityPage.objects.filter(pk=page.pk).update(first_published_at=opens, last_published_at=opens)
    step = dt.timedelta(days=12) / max(len(cadre_ids), 1)
    for n, cadre_id in enumerate(cadre_ids):
        signup_create(page_id=page.pk, cadre_id=cadre_id, now=opens + dt.timedelta(hours=1) + step * n)
    return len(cadre_ids)

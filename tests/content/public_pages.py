"""Pages of a centre's public site made as an editor publishes them, for the theme, search and cache tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

HOTLINE = "021-6321 0000"


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def home_page():
    from content.models import HomePage

    return HomePage.objects.get()


def home_hotline_set(hotline: str = HOTLINE):
    home = home_page()
    home.hotline = hotline
    home.save_revision().publish()
    return home


def section_make(kind: str, title: str, slug: str):
    from content.models import SectionPage

    return publish(home_page(), SectionPage(title=title, slug=slug, kind=kind))


def notice_make(parent, *, title: str, slug: str, body: str = "", summary: str = "", day: int = 1):
    from content.models import NoticePage

    page = NoticePage(
        title=title,
        slug=slug,
        date=dt.date(2026, 11, day),
        summary=summary,
        body=[("paragraph", f"<p>{body}</p>")] if body else [],
    )
    return publish(parent, page)


def activity_make(parent, *, title: str, slug: str):
    from content.models import ActivityPage

    start = timezone.now() + dt.timedelta(days=20)
    page = ActivityPage(
        title=title,
        slug=slug,
        start=start,
        end=start + dt.timedelta(hours=3),
        place="龙华烈士陵园",
        organiser="文体组",
        capacity=30,
        signup_opens=timezone.now() + dt.timedelta(days=5),
        signup_closes=timezone.now() + dt.timedelta(days=15),
        summary="重阳节集体参观，中午在中心用餐。",
        body=[("paragraph", '<p>请穿舒适的鞋子，<a href="https://example.org/map">集合地点地图</a>。</p>')],
    )
    return publish(parent, page)


def course_make(parent, *, title: str, slug: str):
    from content.models import CoursePage

    page = CoursePage(
        title=title,
        slug=slug,
        term="2027年春季学期",
        category=CoursePage.Category.values[0],
        teacher="王老师",
        weekday=2,
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 30),
        first_lesson=dt.date(2027, 3, 2),
        capacity=25,
        enrol_opens=timezone.now() + dt.timedelta(days=5),
        enrol_closes=timezone.now() + dt.timedelta(days=15),
        summary="从握笔到临帖，每周一次。",
        body=[("paragraph", "<p>自备毛笔和墨汁，纸张由中心提供。</p>")],
    )
    return publish(parent, page)

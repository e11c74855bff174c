"""Content fixtures: sections and pages published as an editor would, cadres made through the registry's services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import ActivityPage, CoursePage, HomePage, SectionPage
from registry.idcard import resident_id_make
from registry.services import cadre_create


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware time relative to today (Shanghai)."""
    base = timezone.localdate() + dt.timedelta(days=day)
    return timezone.make_aware(dt.datetime.combine(base, dt.time(hour, minute)))


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def section(code: str, kind: str, *, title: str | None = None) -> SectionPage:
    with schema_context(code):
        found = SectionPage.objects.filter(kind=kind).first()
        if found is not None:
            return found
        home = HomePage.objects.get()
        return publish(home, SectionPage(title=title or kind, slug=kind, kind=kind))


def make_activity(code: str, *, title: str = "书画笔会", capacity: int = 2, **fields) -> ActivityPage:
    values = {
        "slug": fields.pop("slug", f"activity-{title.encode().hex()[:12]}"),
        "start": at(10),
        "end": at(10, 12),
        "place": "中心二楼书画室",
        "capacity": capacity,
        "signup_opens": at(-1),
        "signup_closes": at(8),
        "category": ActivityPage.Category.CULTURE,
        **fields,
    }
    parent = section(code, "activities")
    with schema_context(code):
        return publish(parent, ActivityPage(title=title, **values))


def make_course(code: str, *, title: str = "书法入门", capacity: int = 2, **fields) -> CoursePage:
    values = {
        "slug": fields.pop("slug", f"course-{title.encode().hex()[:12]}"),
        "term": "2027年春季学期",
        "category": CoursePage.Category.CULTURAL,
        "mode": CoursePage.Mode.OFFLINE,
        "teacher": "陈墨林",
        "weekday": 3,
        "start_time": dt.time(9, 0),
        "end_time": dt.time(11, 0),
        "first_lesson": dt.date(2027, 3, 3),
        "capacity": capacity,
        "enrol_opens": at(-1),
        "enrol_closes": at(30),
        **fields,
    }
    parent = section(code, "courses")
    with schema_context(code):
        return publish(parent, CoursePage(title=title, **values))


def make_cadre(code: str, name: str, *, seq: int, mobile: str = "", **fields):
    with schema_context(code):
        return cadre_create(
            name=name,
            id_number=resident_id_make("310101", dt.date(1940, 5, 1), seq),
            level="division",
            kind="lixiu",
            mobile=mobile,
            **fields,
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and cached API answers live in the cache: every test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.JUNXIU_SMS_BACKEND = "notifications.channels.FileSmsBackend"
    settings.JUNXIU_SMS_FILE = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


@pytest.fixture
def cadres(centres):
    """Three cadres of huangpu (two with mobiles) and one of putuo."""
    return {
        "wang": make_cadre("huangpu", "王德胜", seq=11, mobile="13812345678"),
        "zeng": make_cadre("huangpu", "曾国平", seq=21, mobile="13900001111"),
        "zhao": make_cadre("huangpu", "赵建华", seq=31),
        "qian": make_cadre("putuo", "钱文明", seq=41, mobile="13700002222"),
    }

"""The demo content of `make run`: every section filled once, in Chinese; running it again adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from content.models import (
    ActivityPage,
    CoursePage,
    DigitalGuidePage,
    DisclosurePage,
    HealthArticlePage,
    NoticePage,
    PolicyPage,
    SectionPage,
    ServiceProviderPage,
    SignUp,
)
from content.services import demo_content_ensure
from tests.content.conftest import make_cadre

pytestmark = pytest.mark.django_db


def test_demo_content_fills_every_section_once(centres):
    for seq in range(4):
        make_cadre("putuo", f"演示{seq}", seq=700 + seq)
    with schema_context("putuo"):
        created = demo_content_ensure()
        assert created == 22  # 4 notices, 3 policies, 3 activities, 4 courses, 4 providers, 4 articles
        assert demo_content_ensure() == 0
        assert SectionPage.objects.count() == 9
        assert PolicyPage.objects.count() == 3
        assert ActivityPage.objects.count() == 3
        courses = set(CoursePage.objects.values_list("category", "mode"))
        assert courses == {
            ("political", "offline"),
            ("political", "online"),
            ("cultural", "offline"),
            ("cultural", "online"),
        }
        assert ServiceProviderPage.objects.count() == 4
        assert (
            DisclosurePage.objects.count(),
            HealthArticlePage.objects.count(),
            DigitalGuidePage.objects.count(),
        ) == (1, 1, 1)
        assert NoticePage.objects.count() == 4
        full = ActivityPage.objects.get(title="参观上海淞沪抗战纪念馆")
        statuses = list(SignUp.objects.filter(page_id=full.pk).order_by("pk").values_list("status", flat=True))
        assert statuses == ["signed_up"] * 3 + ["waiting"]
        assert all(page.live for page in ActivityPage.objects.all())


def test_demo_notices_sit_under_the_notices_section_with_pinyin_addresses(centres):
    from content.models import HomePage

    with schema_context("putuo"):
        home = HomePage.objects.get()
        # A centre seeded before: its first demo notice sits on the home page, with its title as its address.
        stray = NoticePage(
            title="重阳节敬老慰问活动圆满结束", slug="重阳节敬老慰问活动圆满结束", date=dt.date(2026, 10, 19)
        )
        home.add_child(instance=stray)
        stray.save_revision().publish()
        demo_content_ensure()
        notices = SectionPage.objects.get(kind="notices")
        assert NoticePage.objects.child_of(home).count() == 0
        titles = set(NoticePage.objects.child_of(notices).values_list("title", flat=True))
        assert {
            "关于开展2026年度健康体检的通知",
            "重阳节敬老慰问活动圆满结束",
            "老年大学2027年春季学期招生预告",
        } <= titles
        assert NoticePage.objects.get(pk=stray.pk).url_path.endswith("/notices/重阳节敬老慰问活动圆满结束/")  # kept
        assert (
            NoticePage.objects.get(title="关于开展2026年度健康体检的通知").slug
            == "guan-yu-kai-zhan-2026-nian-du-jian-kang"
        )
        assert PolicyPage.objects.filter(slug__regex=r"[^a-z0-9-]").count() == 0

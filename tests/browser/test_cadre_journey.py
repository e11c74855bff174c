"""A cadre in Chromium, from the centre's home page: 军休干部登录 in the header, the access code, back on the home page
with 我的报名 in the header, the course list, its 报名 button, the confirmation, and the course in 我的报名. The pages
on the way (signed in, with the header's entry and the list's buttons) pass axe in the three display modes with big
text and targets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import CoursePage, HomePage, SectionPage, SignUp
from content.services import access_code_issue
from registry.idcard import resident_id_make
from registry.selectors import cadre_by_id_number
from registry.services import cadre_create
from tests.browser.test_senior_friendly import AXE_OPTIONS, MODES, TARGETS_JS, TEXT_SIZES_JS

CODE = "huangpu"
SECTION_SLUG = "journey-courses"
COURSE = "智能手机入门班"
OTHER = "国画提高班"
ID_NUMBER = resident_id_make("310101", dt.date(1941, 3, 9), 777)


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres[CODE].domains.filter(domain=f"{CODE}.localhost").exists()


def _clean() -> None:
    for page in SectionPage.objects.filter(slug=SECTION_SLUG):
        SignUp.objects.filter(page_id__in=page.get_descendants().values("pk")).delete()
        page.delete()
    cadre = cadre_by_id_number(ID_NUMBER)
    if cadre is not None:
        cadre.delete()


def _course(title: str, slug: str, opens_in_days: int) -> CoursePage:
    now = timezone.now()
    return CoursePage(
        title=title,
        slug=slug,
        term="2027年春季学期",
        category=CoursePage.Category.CULTURAL,
        mode=CoursePage.Mode.OFFLINE,
        teacher="陈老师",
        weekday=2,
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
        first_lesson=dt.date(2027, 3, 2),
        capacity=20,
        place="中心三楼教室",
        enrol_opens=now + dt.timedelta(days=opens_in_days),
        enrol_closes=now + dt.timedelta(days=opens_in_days + 30),
        summary="从开机、拍照到视频通话，一步一步学。",
    )


@pytest.fixture
def journey(committed_db, centre_server):
    from django.core.cache import cache

    with schema_context(CODE):
        _clean()
        home = HomePage.objects.get()
        section = SectionPage(title="老年大学（旅程）", slug=SECTION_SLUG, kind="courses")
        home.add_child(instance=section)
        section.save_revision().publish()
        courses = {}
        for title, slug, opens in ((COURSE, "phone", -1), (OTHER, "painting", 5)):
            courses[title] = _course(title, slug, opens)
            section.add_child(instance=courses[title])
            courses[title].save_revision().publish()
        cadre = cadre_create(name="周建国", id_number=ID_NUMBER, level="regiment", kind="tuixiu")
        code = access_code_issue(cadre_id=cadre.pk)
    connection.set_schema_to_public()
    cache.clear()
    yield {"courses": courses, "cadre": cadre, "code": code, "centre": home.title}
    with schema_context(CODE):
        _clean()
    connection.set_schema_to_public()
    cache.clear()


def check_senior_rules(page, name: str, mode: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    wanted = MODES[mode]
    results = Axe().run(page, options=AXE_OPTIONS).response
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]]
    assert violations == [], (name, mode, violations)
    undecided = [n["target"] for v in results["incomplete"] if v["id"] == "color-contrast" for n in v["nodes"]]
    assert undecided == [], (name, mode, undecided)
    small = [t for t in page.evaluate(TEXT_SIZES_JS) if t["size"] < wanted["text"]]
    assert small == [], (name, mode, small[:5])
    targets = page.evaluate(TARGETS_JS)
    little = [t for t in targets if t["height"] < wanted["target"] or t["width"] < wanted["target"]]
    assert little == [], (name, mode, little[:5])
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, (name, mode)


def test_a_cadre_logs_in_from_the_home_page_and_signs_up_for_a_course_from_the_list(
    browser, centre_server, journey, screenshot_dir
):
    course = journey["courses"][COURSE]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 900})
    page = context.new_page()
    try:
        page.goto(centre_server.url(CODE, "/"))
        assert page.title() == journey["centre"]  # the centre's name once
        entry = page.locator(".site-header .cadre-entry")
        assert entry.inner_text().split() == ["军休干部登录"]
        entry.get_by_role("link", name="军休干部登录").click()
        page.wait_for_url(re.compile(r"/cadre/login/\?next=%2F$"))
        page.fill('input[name="access_code"]', journey["code"])
        page.get_by_role("button", name="登录").last.click()
        page.wait_for_url(centre_server.url(CODE, "/"))
        assert entry.inner_text().split() == ["我的报名", "退出登录"]
        page.screenshot(path=str(screenshot_dir / "cadre-home-signed-in.png"))

        page.locator(".site-nav").get_by_role("link", name="课程").click()
        page.wait_for_url(re.compile(rf"/{SECTION_SLUG}/$"))
        cards = page.locator(".card-list > li")
        assert cards.count() == 2
        assert cards.filter(has_text=OTHER).get_by_role("link", name=re.compile("^报名")).count() == 0  # not open yet
        cards.filter(has_text=COURSE).get_by_role("link", name=f"报名：{COURSE}").click()
        page.wait_for_url(re.compile(rf"/cadre/signup/{course.pk}/$"))
        assert page.locator("h1").inner_text() == f"报名：{COURSE}"
        page.screenshot(path=str(screenshot_dir / "cadre-signup-confirm.png"), full_page=True)
        page.locator(".signup").get_by_role("button", name="报名").click()
        page.wait_for_url(re.compile(r"/cadre/signups/$"))
        row = page.locator("table.signups tbody tr")
        assert row.count() == 1
        assert row.locator("th").inner_text() == COURSE
        assert row.locator("td").nth(1).inner_text() == "已报名"
        assert entry.get_by_role("link", name="我的报名").get_attribute("aria-current") == "page"
        page.screenshot(path=str(screenshot_dir / "cadre-my-signups.png"), full_page=True)
        with schema_context(CODE):
            signups = list(SignUp.objects.filter(page_id=course.pk).values_list("cadre_id", "status"))
        connection.set_schema_to_public()
        assert signups == [(journey["cadre"].pk, "signed_up")]

        # The pages of the journey, signed in, in the three display modes.
        pages = {
            "home": "/",
            "course_list": f"/{SECTION_SLUG}/",
            "confirm": f"/cadre/signup/{journey['courses'][COURSE].pk}/",
            "my_signups": "/cadre/signups/",
            "login": "/cadre/login/",
        }
        for mode, wanted in MODES.items():
            context.add_cookies(
                [{"name": "jx_display", "value": wanted["cookie"], "url": centre_server.url(CODE, "/")}]
            )
            for name, path in pages.items():
                assert page.goto(centre_server.url(CODE, path)).status == 200, path
                check_senior_rules(page, name, mode)
                page.screenshot(path=str(screenshot_dir / f"cadre-{name}-{mode}.png"), full_page=True)

        page.goto(centre_server.url(CODE, "/"))
        entry.get_by_role("button", name="退出登录").click()
        page.wait_for_url(centre_server.url(CODE, "/"))
        assert entry.inner_text().split() == ["军休干部登录"]
    finally:
        context.close()

"""Cadres find their way on the public site: the header's 军休干部登录 / 我的报名 entry, a 报名 button on the lists,
the confirmation it leads to, and a home page title that names the centre once."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from content.models import HomePage, SignUp
from content.services import access_code_issue
from tests.conftest import client_for
from tests.content.conftest import at, make_activity, make_course

pytestmark = pytest.mark.django_db


def logged_in(cadre):
    with schema_context("huangpu"):
        code = access_code_issue(cadre_id=cadre.pk)
    client = client_for("huangpu")
    assert client.post("/cadre/login/", {"action": "access", "access_code": code}).status_code == 302
    return client


def entry(html: str) -> str:
    return re.search(r'<div class="cadre-entry">(.*?)</div>', html, re.S).group(1)


def test_the_header_offers_the_cadre_log_in_then_my_sign_ups_and_log_out(cadres):
    anonymous = client_for("huangpu").get("/").content.decode()
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', entry(anonymous))
    assert links == [("/cadre/login/?next=%2F", "军休干部登录")]
    signed_in = logged_in(cadres["zhao"]).get("/").content.decode()
    part = entry(signed_in)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', part) == [("/cadre/signups/", "我的报名")]
    assert '<form method="post" action="/cadre/logout/">' in part
    assert re.search(r'<button type="submit">([^<]+)</button>', part).group(1) == "退出登录"
    assert "军休干部登录" not in signed_in


def test_the_home_page_title_names_the_centre_once(centres):
    with schema_context("huangpu"):
        name = HomePage.objects.get().title
    html = client_for("huangpu").get("/").content.decode()
    assert re.search(r"<title>(.*?)</title>", html).group(1) == name


def test_lists_carry_a_sign_up_button_only_where_sign_up_is_open(cadres):
    open_course = make_course("huangpu", title="书法入门", slug="open-course")
    closed_course = make_course(
        "huangpu", title="国画提高", slug="closed-course", enrol_opens=at(-10), enrol_closes=at(-2)
    )
    activity = make_activity("huangpu", title="书画笔会", slug="open-activity")
    courses = client_for("huangpu").get("/courses/").content.decode()
    buttons = re.findall(r'<a class="button" href="(/cadre/signup/\d+/)" aria-label="([^"]+)">([^<]+)</a>', courses)
    assert buttons == [(f"/cadre/signup/{open_course.pk}/", "报名：书法入门", "报名")]
    assert f"/cadre/signup/{closed_course.pk}/" not in courses
    activities = client_for("huangpu").get("/activities/").content.decode()
    assert f'href="/cadre/signup/{activity.pk}/"' in activities


def test_the_list_button_asks_to_log_in_then_to_confirm_and_signs_up(cadres):
    course = make_course("huangpu", title="合唱", slug="choir")
    url = f"/cadre/signup/{course.pk}/"
    anonymous = client_for("huangpu").get(url)
    assert (anonymous.status_code, anonymous["Location"]) == (
        302,
        f"/cadre/login/?next=%2Fcadre%2Fsignup%2F{course.pk}%2F",
    )
    client = logged_in(cadres["zhao"])
    confirm = client.get(url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert re.search(r"<h1>(.*?)</h1>", html).group(1) == "报名：合唱"
    assert f'<form method="post" action="{url}">' in html
    with schema_context("huangpu"):
        assert not SignUp.objects.filter(page_id=course.pk).exists()  # looking signs nobody up
    done = client.post(url)
    assert (done.status_code, done["Location"]) == (302, "/cadre/signups/")
    with schema_context("huangpu"):
        assert list(SignUp.objects.filter(page_id=course.pk).values_list("cadre_id", "status")) == [
            (cadres["zhao"].pk, "signed_up")
        ]
    again = client.get(url).content.decode()
    assert "您已报名" in again and f'<form method="post" action="{url}">' not in again


def test_the_confirmation_is_only_for_pages_that_take_sign_ups(cadres):
    from tests.conftest import publish_notice

    notice = publish_notice("huangpu", title="普通通知", slug="plain-notice")
    client = logged_in(cadres["zhao"])
    assert client.get(f"/cadre/signup/{notice.pk}/").status_code == 404
    assert client.get("/cadre/signup/999999/").status_code == 404

"""Sign-ups and enrolment: places, the waiting list and its promotion, windows, duplicates, races, the cadre's pages."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from content.models import SignUp
from content.services import cadre_session_start, signup_cancel, signup_create
from tests.conftest import client_for
from tests.content.conftest import at, make_activity, make_cadre, make_course

pytestmark = pytest.mark.django_db


def statuses(code: str, page) -> list[tuple[int, str]]:
    with schema_context(code):
        return list(SignUp.objects.filter(page_id=page.pk).order_by("pk").values_list("cadre_id", "status"))


def refused(code: str, **kwargs) -> str:
    with schema_context(code), pytest.raises(ValidationError) as caught:
        signup_create(**kwargs)
    return caught.value.messages[0]


def test_places_then_waiting_list_then_promotion_in_order(cadres):
    activity = make_activity("huangpu", capacity=1)
    wang, zeng, zhao = cadres["wang"], cadres["zeng"], cadres["zhao"]
    with schema_context("huangpu"):
        first = signup_create(page_id=activity.pk, cadre_id=wang.pk)
        second = signup_create(page_id=activity.pk, cadre_id=zeng.pk)
        third = signup_create(page_id=activity.pk, cadre_id=zhao.pk)
    assert (first.status, second.status, third.status) == ("signed_up", "waiting", "waiting")
    with schema_context("huangpu"):
        promoted = signup_cancel(signup_id=first.pk, cadre_id=wang.pk)
    assert promoted.pk == second.pk  # the first on the waiting list, not the last
    assert statuses("huangpu", activity) == [(wang.pk, "cancelled"), (zeng.pk, "signed_up"), (zhao.pk, "waiting")]
    # Cancelling a waiting place frees nothing and promotes nobody.
    with schema_context("huangpu"):
        assert signup_cancel(signup_id=third.pk, cadre_id=zhao.pk) is None
    assert statuses("huangpu", activity) == [(wang.pk, "cancelled"), (zeng.pk, "signed_up"), (zhao.pk, "cancelled")]


def test_a_cancelled_cadre_may_sign_up_again_at_the_back(cadres):
    activity = make_activity("huangpu", capacity=1)
    with schema_context("huangpu"):
        first = signup_create(page_id=activity.pk, cadre_id=cadres["wang"].pk)
        signup_create(page_id=activity.pk, cadre_id=cadres["zeng"].pk)
        signup_cancel(signup_id=first.pk, cadre_id=cadres["wang"].pk)
        again = signup_create(page_id=activity.pk, cadre_id=cadres["wang"].pk)
    assert again.status == "waiting"


def test_duplicates_are_refused_and_change_nothing(cadres):
    activity = make_activity("huangpu", capacity=1)
    wang, zeng = cadres["wang"], cadres["zeng"]
    with schema_context("huangpu"):
        signup_create(page_id=activity.pk, cadre_id=wang.pk)
        signup_create(page_id=activity.pk, cadre_id=zeng.pk)
    assert refused("huangpu", page_id=activity.pk, cadre_id=wang.pk) == "您已报名，无需重复报名。"
    assert refused("huangpu", page_id=activity.pk, cadre_id=zeng.pk) == "您已在候补名单中，无需重复报名。"
    assert statuses("huangpu", activity) == [(wang.pk, "signed_up"), (zeng.pk, "waiting")]


def test_windows_and_start_are_enforced_with_the_reason(cadres):
    wang = cadres["wang"].pk
    not_yet = make_activity("huangpu", title="未开始报名", signup_opens=at(2, 8), signup_closes=at(5, 17))
    closed = make_activity("huangpu", title="已截止", signup_opens=at(-5), signup_closes=at(-1, 17))
    started = make_activity(
        "huangpu", title="已开始", start=at(-1, 9), end=at(3), signup_opens=at(-9), signup_closes=at(-2)
    )
    opens = at(2, 8).strftime("%Y年%-m月%-d日 08:00")
    closes = at(-1, 17).strftime("%Y年%-m月%-d日 17:00")
    assert refused("huangpu", page_id=not_yet.pk, cadre_id=wang) == f"报名将于 {opens} 开始。"
    assert refused("huangpu", page_id=closed.pk, cadre_id=wang) == f"报名已于 {closes} 截止。"
    assert refused("huangpu", page_id=started.pk, cadre_id=wang) == "该活动已开始，报名已结束。"
    with schema_context("huangpu"):
        assert SignUp.objects.count() == 0


def test_course_enrolment_uses_its_own_window(cadres):
    course = make_course("huangpu", capacity=1, enrol_opens=at(-3), enrol_closes=at(-2))
    closes = at(-2).strftime("%Y年%-m月%-d日 09:00")
    assert refused("huangpu", page_id=course.pk, cadre_id=cadres["wang"].pk) == f"报名已于 {closes} 截止。"
    open_course = make_course("huangpu", title="合唱", capacity=1)
    with schema_context("huangpu"):
        assert signup_create(page_id=open_course.pk, cadre_id=cadres["wang"].pk).status == "signed_up"
        assert signup_create(page_id=open_course.pk, cadre_id=cadres["zeng"].pk).status == "waiting"


def test_a_putuo_cadre_cannot_sign_up_in_huangpu_and_unpublished_pages_refuse(cadres):
    activity = make_activity("huangpu")
    # putuo's cadre id means nothing in huangpu (or names someone else): only cadres huangpu serves pass.
    with schema_context("huangpu"):
        from registry.models import Cadre

        unknown = Cadre.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    assert refused("huangpu", page_id=activity.pk, cadre_id=unknown) == "只有本中心服务的军休干部可以报名。"
    with schema_context("huangpu"):
        activity.unpublish()
    assert refused("huangpu", page_id=activity.pk, cadre_id=cadres["wang"].pk) == "没有这项活动或课程。"
    # The page is huangpu's: putuo has no such activity.
    assert refused("putuo", page_id=activity.pk, cadre_id=cadres["qian"].pk) == "没有这项活动或课程。"


def test_two_cadres_racing_for_the_last_place_get_one_place_and_one_wait(centres):
    """Real concurrency: committed rows, two connections, both released at once."""
    made: dict = {}

    def setup():
        try:
            made["a"] = make_cadre("huangpu", "并发甲", seq=901, mobile="13800009001")
            made["b"] = make_cadre("huangpu", "并发乙", seq=902, mobile="13800009002")
            made["page"] = make_activity("huangpu", title="并发测试活动", slug="race-activity", capacity=1)
        finally:
            connection.close()

    thread = threading.Thread(target=setup)
    thread.start()
    thread.join(timeout=60)
    assert {"a", "b", "page"} <= set(made)
    try:
        for _round in range(3):
            barrier = threading.Barrier(2)
            results: list[str] = []

            def sign(cadre, barrier=barrier, results=results):
                try:
                    with schema_context("huangpu"):
                        barrier.wait(timeout=10)
                        results.append(signup_create(page_id=made["page"].pk, cadre_id=cadre.pk).status)
                finally:
                    connection.close()

            threads = [threading.Thread(target=sign, args=(made[key],)) for key in ("a", "b")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert sorted(results) == ["signed_up", "waiting"]

            def reset():
                try:
                    with schema_context("huangpu"), connection.cursor() as cursor:
                        cursor.execute("DELETE FROM content_signup WHERE page_id = %s", [made["page"].pk])
                finally:
                    connection.close()

            cleaner = threading.Thread(target=reset)
            cleaner.start()
            cleaner.join(timeout=30)
    finally:

        def cleanup():
            try:
                with schema_context("huangpu"):
                    from registry.models import Cadre

                    with connection.cursor() as cursor:
                        cursor.execute("DELETE FROM content_signup WHERE page_id = %s", [made["page"].pk])
                    made["page"].delete()
                    ids = [made["a"].pk, made["b"].pk]
                    Cadre.objects.filter(pk__in=ids).delete()
                    with connection.cursor() as cursor:
                        cursor.execute("DELETE FROM registry_cadreevent WHERE pgh_obj_id = ANY(%s)", [ids])
                    from content.models import SectionPage

                    SectionPage.objects.filter(kind="activities", numchild=0).delete()
            finally:
                connection.close()

        cleaner = threading.Thread(target=cleanup)
        cleaner.start()
        cleaner.join(timeout=60)


# ---------------------------------------------------------------- through the public site


def logged_in(code: str, cadre_id: int):
    """A client whose session carries the cadre's log-in (as the log-in view leaves it)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    client = client_for(code)
    with schema_context(code):
        request = RequestFactory().get("/")
        request.session = SessionStore()
        request.session.create()
        cadre_session_start(request=request, cadre_id=cadre_id)
        request.session.save()
        client.cookies["sessionid"] = request.session.session_key
    return client


def test_sign_up_button_needs_a_cadre_log_in_then_lists_the_sign_up(cadres):
    activity = make_activity("huangpu", title="迎新年书画笔会", capacity=1)
    anonymous = client_for("huangpu")
    page = anonymous.get(activity.url_path.removeprefix("/home"))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'action="/cadre/signup/{activity.pk}/"' in html
    assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    redirect = anonymous.post(f"/cadre/signup/{activity.pk}/")
    assert redirect.status_code == 302
    assert redirect["Location"] == "/cadre/login/?next=%2Factivities%2F" + activity.slug + "%2F"

    client = logged_in("huangpu", cadres["wang"].pk)
    done = client.post(f"/cadre/signup/{activity.pk}/", follow=True)
    text = done.content.decode()
    assert done.redirect_chain == [("/cadre/signups/", 302)]
    assert "您已报名“迎新年书画笔会”。" in text
    assert "迎新年书画笔会" in text and "<td>已报名</td>" in text  # the status, not the message
    assert statuses("huangpu", activity) == [(cadres["wang"].pk, "signed_up")]

    other = logged_in("huangpu", cadres["zeng"].pk)
    waiting = other.post(f"/cadre/signup/{activity.pk}/", follow=True).content.decode()
    assert "您已进入候补名单" in waiting
    assert "(排第 1 位)" in waiting

    again = client.post(f"/cadre/signup/{activity.pk}/", follow=True)
    assert "您已报名，无需重复报名。" in again.content.decode()


def test_cancel_from_my_sign_ups_promotes_the_waiting_cadre(cadres):
    activity = make_activity("huangpu", capacity=1)
    with schema_context("huangpu"):
        mine = signup_create(page_id=activity.pk, cadre_id=cadres["wang"].pk)
        signup_create(page_id=activity.pk, cadre_id=cadres["zeng"].pk)
    client = logged_in("huangpu", cadres["wang"].pk)
    # Someone else's sign-up cannot be cancelled by this cadre: same answer as a missing one.
    intruder = logged_in("huangpu", cadres["zhao"].pk)
    refused_page = intruder.post(f"/cadre/signups/{mine.pk}/cancel/", follow=True).content.decode()
    assert "没有可取消的报名。" in refused_page
    assert statuses("huangpu", activity) == [(cadres["wang"].pk, "signed_up"), (cadres["zeng"].pk, "waiting")]
    done = client.post(f"/cadre/signups/{mine.pk}/cancel/", follow=True).content.decode()
    assert "您的报名已取消。" in done
    assert statuses("huangpu", activity) == [(cadres["wang"].pk, "cancelled"), (cadres["zeng"].pk, "signed_up")]


def test_cancel_needs_csrf(cadres):
    activity = make_activity("huangpu", capacity=1)
    with schema_context("huangpu"):
        mine = signup_create(page_id=activity.pk, cadre_id=cadres["wang"].pk)
    client = logged_in("huangpu", cadres["wang"].pk)
    client.handler.enforce_csrf_checks = True
    assert client.post(f"/cadre/signups/{mine.pk}/cancel/").status_code == 403
    assert statuses("huangpu", activity) == [(cadres["wang"].pk, "signed_up")]


def test_a_huangpu_cadre_session_is_worthless_on_putuo(cadres):
    huangpu_activity = make_activity("huangpu")
    putuo_activity = make_activity("putuo", title="普陀活动", slug="putuo-activity")
    client = logged_in("huangpu", cadres["wang"].pk)
    putuo = client_for("putuo")
    putuo.cookies = client.cookies
    assert putuo.get("/cadre/signups/")["Location"] == "/cadre/login/?next=%2Fcadre%2Fsignups%2F"
    assert putuo.post(f"/cadre/signup/{putuo_activity.pk}/")["Location"].startswith("/cadre/login/")
    assert putuo.get(huangpu_activity.url_path.removeprefix("/home")).status_code == 404
    with schema_context("putuo"):
        assert SignUp.objects.count() == 0


def test_staff_see_who_signed_up_names_only_and_viewers_do_not(cadres):
    from tenants.roles import Role, role_group_name
    from tests.conftest import PASSWORD, make_user

    activity = make_activity("huangpu", capacity=1)
    with schema_context("huangpu"):
        signup_create(page_id=activity.pk, cadre_id=cadres["wang"].pk)
        signup_create(page_id=activity.pk, cadre_id=cadres["zeng"].pk)
    make_user("huangpu", "hp-editor", groups=(role_group_name(Role.EDITOR),))
    editor = client_for("huangpu")
    editor.post("/admin/login/", {"username": "hp-editor", "password": PASSWORD})
    html = editor.get(f"/admin/content/pages/{activity.pk}/signups/").content.decode()
    assert "名额 1 个，已报名 1 人，候补 1 人。" in html
    assert html.index("王德胜") < html.index("曾国平")
    assert "13812345678" not in html and "138****5678" not in html
    explorer = editor.get(f"/admin/pages/{activity.get_parent().pk}/").content.decode()
    assert f"/admin/content/pages/{activity.pk}/signups/" in explorer
    make_user("huangpu", "hp-viewer", groups=(role_group_name(Role.VIEWER),))
    viewer = client_for("huangpu")
    viewer.post("/admin/login/", {"username": "hp-viewer", "password": PASSWORD})
    assert viewer.get(f"/admin/content/pages/{activity.pk}/signups/").status_code == 404


def test_the_cadre_moved_up_is_told_by_sms_once_and_not_at_night(cadres, sms_file, django_capture_on_commit_callbacks):
    import datetime as dt
    import json
    from zoneinfo import ZoneInfo

    from django_q.models import OrmQ, Schedule

    from content.services.signups import signup_promotion_tell

    shanghai = ZoneInfo("Asia/Shanghai")
    activity = make_activity("huangpu", title="重阳登高", capacity=1)
    with schema_context("huangpu"):
        mine = signup_create(page_id=activity.pk, cadre_id=cadres["wang"].pk)
        waiting = signup_create(page_id=activity.pk, cadre_id=cadres["zeng"].pk)
        queued_before = OrmQ.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            assert signup_cancel(signup_id=mine.pk, cadre_id=cadres["wang"].pk).pk == waiting.pk
        assert OrmQ.objects.count() == queued_before + 1  # the SMS goes out from a task, after the commit

        night = dt.datetime(2026, 12, 1, 22, 30, tzinfo=shanghai)
        assert signup_promotion_tell(signup_id=waiting.pk, now=night) == "held"
        held = Schedule.objects.get(name=f"signup-promoted-huangpu-{waiting.pk}")
        assert held.next_run == dt.datetime(2026, 12, 2, 8, 0, tzinfo=shanghai)
        assert not sms_file.exists()

        morning = dt.datetime(2026, 12, 2, 8, 0, tzinfo=shanghai)
        assert signup_promotion_tell(signup_id=waiting.pk, now=morning) == "sent"
        assert signup_promotion_tell(signup_id=waiting.pk, now=morning) == "skipped"  # once
        waiting.refresh_from_db()
        assert waiting.promotion_told_at == morning
    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert [(line["phone"], line["key"]) for line in lines] == [("13900001111", f"signup-promoted:{waiting.pk}")]
    assert lines[0]["text"] == (
        "曾国平同志您好：有名额空出，您已从候补转为正式报名“重阳登高”。如不能参加，请在“我的报名”中取消，或致电中心。"
    )

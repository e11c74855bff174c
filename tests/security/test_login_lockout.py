"""Staff and bureau log-ins lock after five wrong passwords (django-axes), per centre, in Chinese (issue 13, 6)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.roles import Role, role_group_name
from tenants.services import centre_user_ensure
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
BUREAU_LOGIN = "/login/"
TOKEN = "/api/token/"
LOCKED = re.compile(r"密码错误次数过多：该账号已锁定 15 分钟，至 (\d\d):(\d\d) 解锁。届时请再试，或请管理员立即解锁。")


def user(code: str | None, username: str, **kwargs):
    with schema_context(code or "public"):
        return centre_user_ensure(username=username, password=PASSWORD, **kwargs)


def log_in(code: str | None, username: str, password: str, client=None, **extra) -> int:
    client = client or client_for(code)
    path = ADMIN_LOGIN if code else BUREAU_LOGIN
    return client.post(path, {"username": username, "password": password}, **extra).status_code


def assert_locked_page(response) -> None:
    assert response.status_code == 429
    text = response.content.decode()
    found = LOCKED.search(text)
    assert found is not None, text
    unlock = timezone.localtime().replace(hour=int(found[1]), minute=int(found[2]), second=0, microsecond=0)
    expected = timezone.localtime() + dt.timedelta(minutes=15)
    assert abs((unlock - expected).total_seconds()) <= 120 or abs((unlock - expected).total_seconds()) >= 86_280
    assert "连续输错 5 次密码后，账号将暂时无法登录，以防他人猜测密码。" in text
    assert "如果忘记了密码，请联系管理员解锁账号并重设密码。" in text


@pytest.mark.parametrize("code", ["huangpu", None], ids=["centre admin", "bureau portal"])
def test_five_wrong_passwords_lock_that_username_only(centres, code):
    user(code, "zhangwei")
    user(code, "liming")
    assert [log_in(code, "zhangwei", "wrong-password") for _n in range(4)] == [200] * 4
    fifth = client_for(code).post(ADMIN_LOGIN if code else BUREAU_LOGIN, {"username": "zhangwei", "password": "x"})
    assert_locked_page(fifth)
    # The right password is refused too, with the same page, until the lock ends or is lifted.
    right = client_for(code).post(ADMIN_LOGIN if code else BUREAU_LOGIN, {"username": "zhangwei", "password": PASSWORD})
    assert_locked_page(right)
    # Another username from the same address still gets in.
    assert log_in(code, "liming", PASSWORD) == 302
    with schema_context(code or "public"):
        assert AccessAttempt.objects.get(username="zhangwei").failures_since_start == 6
        assert AccessFailureLog.objects.filter(username="zhangwei").count() == 6
        assert AccessFailureLog.objects.filter(username="zhangwei", locked_out=True).count() == 2


def test_a_lock_in_one_centre_leaves_the_same_username_elsewhere_alone(centres):
    for code in ("huangpu", "putuo", None):
        user(code, "wangfang")
    for _n in range(5):
        log_in("huangpu", "wangfang", "wrong-password")
    assert log_in("huangpu", "wangfang", PASSWORD) == 429
    assert log_in("putuo", "wangfang", PASSWORD) == 302
    assert log_in(None, "wangfang", PASSWORD) == 302
    for code in ("putuo", "public"):
        with schema_context(code):
            assert AccessAttempt.objects.count() == 0


def test_the_token_endpoint_locks_too_and_answers_in_chinese(centres):
    user("huangpu", "apiuser")
    client = client_for("huangpu")
    answers = [client.post(TOKEN, {"username": "apiuser", "password": "wrong-password"}) for _n in range(5)]
    assert [answer.status_code for answer in answers] == [400] * 4 + [429]
    assert answers[0].json() == {"detail": "用户名或密码错误，请重试。"}
    assert LOCKED.fullmatch(answers[4].json()["detail"])
    right = client.post(TOKEN, {"username": "apiuser", "password": PASSWORD})
    assert right.status_code == 429
    assert LOCKED.fullmatch(right.json()["detail"])
    # The bureau's endpoint counts its own users.
    user(None, "apiuser")
    bureau = client_for(None).post(TOKEN, {"username": "apiuser", "password": PASSWORD})
    assert bureau.status_code == 200
    assert len(bureau.json()["token"]) == 40


def test_the_token_endpoint_gives_a_token_to_the_right_password_only(centres):
    staff = user("huangpu", "tokenholder")
    answer = client_for("huangpu").post(TOKEN, {"username": "tokenholder", "password": PASSWORD})
    assert answer.status_code == 200
    with schema_context("huangpu"):
        from rest_framework.authtoken.models import Token

        assert answer.json() == {"token": Token.objects.get(user_id=staff.pk).key}
    listed = client_for("huangpu").get("/api/registry/cadres/", HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert listed.status_code in (200, 403)  # authenticated: the token works (the role decides what it sees)


def test_a_one_time_password_gets_no_token(centres):
    user("huangpu", "newcomer", one_time=True)
    answer = client_for("huangpu").post(TOKEN, {"username": "newcomer", "password": PASSWORD})
    assert answer.status_code == 403
    assert answer.json() == {"detail": "该账号仍在使用初始密码：请先在网页登录并修改密码。"}


def test_the_centre_admin_unlocks_on_the_admin_page(centres):
    user("huangpu", "locked-out")
    user("huangpu", "boss", groups=(role_group_name(Role.CENTRE_ADMIN),))
    viewer = user("huangpu", "clerk", groups=(role_group_name(Role.CASEWORKER),))
    for _n in range(5):
        log_in("huangpu", "locked-out", "wrong-password")
    admin = client_for("huangpu")
    assert log_in("huangpu", "boss", PASSWORD, client=admin) == 302
    page = admin.get("/admin/locked-logins/")
    assert page.status_code == 200
    assert 'data-locked="locked-out"' in page.content.decode()
    # A staff member who may not manage users sees neither the page nor can unlock.
    clerk = client_for("huangpu")
    assert log_in("huangpu", viewer.username, PASSWORD, client=clerk) == 302
    refused = clerk.post("/admin/locked-logins/", {"kind": "username", "value": "locked-out"})
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's "no permission" answer
    assert 'data-locked="locked-out"' not in clerk.get("/admin/", follow=True).content.decode()
    assert log_in("huangpu", "locked-out", PASSWORD) == 429
    unlocked = admin.post("/admin/locked-logins/", {"kind": "username", "value": "locked-out"})
    assert (unlocked.status_code, unlocked["Location"]) == (302, "/admin/locked-logins/")
    assert 'data-locked="locked-out"' not in admin.get("/admin/locked-logins/").content.decode()
    assert log_in("huangpu", "locked-out", PASSWORD) == 302


def test_an_operator_unlocks_one_centre_from_the_command_line(centres):
    for code in ("huangpu", "putuo"):
        user(code, "zhaolei")
        for _n in range(5):
            log_in(code, "zhaolei", "wrong-password")
    call_command("tenant_command", "axes_reset_username", "zhaolei", schema_name="huangpu")
    assert log_in("huangpu", "zhaolei", PASSWORD) == 302
    assert log_in("putuo", "zhaolei", PASSWORD) == 429


def test_a_right_password_starts_the_count_again(centres):
    user("huangpu", "typist")
    for _n in range(4):
        log_in("huangpu", "typist", "wrong-password")
    assert log_in("huangpu", "typist", PASSWORD) == 302
    assert [log_in("huangpu", "typist", "wrong-password") for _n in range(4)] == [200] * 4


BEHIND_NGINX = {
    "JUNXIU_CLIENT_IP_HEADER": "X-Forwarded-For",
    "JUNXIU_TRUSTED_PROXIES": ["127.0.0.1/32", "10.9.0.0/24"],
    "JUNXIU_LOGIN_ADDRESS_FAILURE_LIMIT": 8,
}


@override_settings(**BEHIND_NGINX)
def test_an_address_is_locked_by_its_trusted_client_address_only(centres):
    user("huangpu", "office-a")
    guesser = {"REMOTE_ADDR": "10.9.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    # Eight wrong passwords spread over usernames (none reaches five) lock the guesser's address ...
    for n in range(8):
        log_in("huangpu", f"guess-{n % 2}", "wrong-password", **guesser)
    assert log_in("huangpu", "office-a", PASSWORD, **guesser) == 429
    # ... and not a colleague behind the same proxy.
    assert log_in("huangpu", "office-a", PASSWORD, REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8") == 302
    with schema_context("huangpu"):
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@override_settings(**BEHIND_NGINX)
def test_a_forged_header_from_outside_does_not_escape_the_address_lock(centres):
    user("huangpu", "office-b")
    for n in range(8):
        forged = {"REMOTE_ADDR": "192.0.2.50", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}
        log_in("huangpu", f"guess-{n % 2}", "wrong-password", **forged)
    assert (
        log_in("huangpu", "office-b", PASSWORD, REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.99") == 429
    )
    with schema_context("huangpu"):
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}

"""Cadre log-in on the public site: SMS code (through the SMS channel's file backend), access code, throttles.

The file backend's outbox holds a log-in code masked; tests read the code where the developer does: the console.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import CadreAccessCode, CadreLoginCode
from content.services import access_code_issue
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/cadre/login/"


def sms_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def console(caplog):
    """What the file SMS backend prints for the developer at the keyboard (JUNXIU_SMS_CONSOLE)."""
    caplog.set_level(logging.INFO, logger="notifications.sms")
    return caplog


def code_on(console) -> str:
    """The log-in code of the latest SMS printed on the console."""
    texts = [record.getMessage() for record in console.records if record.name == "notifications.sms"]
    return re.search(r"验证码是 (\d{6})，", texts[-1]).group(1)


def ask_code(client, phone: str, capture):
    with capture(execute=True):
        return client.post(LOGIN, {"action": "send", "phone": phone, "next": "/cadre/signups/"})


def test_code_goes_by_sms_and_logs_the_cadre_in(cadres, sms_file, console, django_capture_on_commit_callbacks):
    client = client_for("huangpu")
    sent = ask_code(client, "138 1234 5678", django_capture_on_commit_callbacks)
    assert sent.status_code == 200
    assert "含 6 位数字验证码的短信正在发送" in sent.content.decode()
    lines = sms_lines(sms_file)
    assert [line["phone"] for line in lines] == ["13812345678"]
    assert lines[0]["text"] == "您的登录验证码是 ******，10 分钟内有效。请勿告诉他人。"
    code = code_on(console)
    with schema_context("huangpu"):
        row = CadreLoginCode.objects.get()
        assert row.cadre_id == cadres["wang"].pk
        assert code not in row.code_hash  # stored hashed
    done = client.post(LOGIN, {"action": "verify", "phone": "13812345678", "code": code, "next": "/cadre/signups/"})
    assert (done.status_code, done["Location"]) == (302, "/cadre/signups/")
    mine = client.get("/cadre/signups/")
    assert mine.status_code == 200
    assert "当前登录：王德胜。" in mine.content.decode()
    # A code works once.
    client.post("/cadre/logout/")
    again = client.post(LOGIN, {"action": "verify", "phone": "13812345678", "code": code})
    assert again.status_code == 400
    assert "请先获取验证码。" in again.content.decode()
    assert client.get("/cadre/signups/")["Location"] == "/cadre/login/?next=%2Fcadre%2Fsignups%2F"


def test_unknown_numbers_get_the_same_answer_and_no_sms(cadres, sms_file, django_capture_on_commit_callbacks):
    client = client_for("huangpu")
    known = ask_code(client, "13812345678", django_capture_on_commit_callbacks).content.decode()
    unknown = ask_code(client_for("huangpu"), "13611112222", django_capture_on_commit_callbacks).content.decode()
    assert "短信正在发送" in known and "短信正在发送" in unknown
    assert [line["phone"] for line in sms_lines(sms_file)] == ["13812345678"]
    # putuo's cadre is unknown to huangpu.
    ask_code(client_for("huangpu"), "13700002222", django_capture_on_commit_callbacks)
    assert len(sms_lines(sms_file)) == 1


def test_wrong_code_then_five_tries_use_the_code_up(cadres, sms_file, console, django_capture_on_commit_callbacks):
    client = client_for("huangpu")
    ask_code(client, "13812345678", django_capture_on_commit_callbacks)
    good = code_on(console)
    wrong = "000000" if good != "000000" else "111111"
    answers = [
        client.post(LOGIN, {"action": "verify", "phone": "13812345678", "code": wrong}).content.decode()
        for _n in range(5)
    ]
    assert all("验证码不正确，请核对后重试。" in answer for answer in answers)
    sixth = client.post(LOGIN, {"action": "verify", "phone": "13812345678", "code": good})
    assert sixth.status_code == 400
    assert "验证码输错次数过多，请重新获取。" in sixth.content.decode()
    with schema_context("huangpu"):
        assert CadreLoginCode.objects.get().attempts == 5
    assert "cadre_id" not in client.session


def test_expired_code_is_refused(cadres, sms_file, console, django_capture_on_commit_callbacks):
    client = client_for("huangpu")
    ask_code(client, "13812345678", django_capture_on_commit_callbacks)
    with schema_context("huangpu"):
        CadreLoginCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.post(LOGIN, {"action": "verify", "phone": "13812345678", "code": code_on(console)})
    assert expired.status_code == 400
    assert "验证码已过期，请重新获取。" in expired.content.decode()


def test_the_code_is_kept_nowhere_staff_can_read(cadres, sms_file, console, django_capture_on_commit_callbacks):
    """Issue 13, defect 12: the outbox file and the deliveries hold the SMS masked; the console has it for the dev."""
    from notifications.models import Delivery

    with schema_context("huangpu"):
        deliveries_before = Delivery.objects.count()
    ask_code(client_for("huangpu"), "13812345678", django_capture_on_commit_callbacks)
    code = code_on(console)
    outbox = sms_file.read_text(encoding="utf-8")
    assert code not in outbox
    assert [line["text"] for line in sms_lines(sms_file)] == ["您的登录验证码是 ******，10 分钟内有效。请勿告诉他人。"]
    with schema_context("huangpu"):
        assert Delivery.objects.count() == deliveries_before  # the code never goes through a stored Delivery
        assert Delivery.objects.filter(body__contains=code).count() == 0
        assert code not in CadreLoginCode.objects.get().code_hash
    done = client_for("huangpu").post(LOGIN, {"action": "verify", "phone": "13812345678", "code": code, "next": "/"})
    assert (done.status_code, done["Location"]) == (302, "/")


def test_without_the_console_setting_the_code_is_nowhere_in_clear(
    cadres, sms_file, console, settings, django_capture_on_commit_callbacks
):
    settings.JUNXIU_SMS_CONSOLE = False  # production's default
    ask_code(client_for("huangpu"), "13812345678", django_capture_on_commit_callbacks)
    assert [record for record in console.records if record.name == "notifications.sms"] == []
    assert [line["text"] for line in sms_lines(sms_file)] == ["您的登录验证码是 ******，10 分钟内有效。请勿告诉他人。"]


def test_code_requests_are_throttled_per_phone_and_per_address(cadres, sms_file, django_capture_on_commit_callbacks):
    answers = [ask_code(client_for("huangpu"), "13812345678", django_capture_on_commit_callbacks) for _n in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    assert "获取验证码次数过多。" in answers[3].content.decode()
    assert len(sms_lines(sms_file)) == 3
    # Other numbers from the same address: 10 an hour in all.
    more = [
        ask_code(client_for("huangpu"), f"1361111{n:04d}", django_capture_on_commit_callbacks).status_code
        for n in range(8)
    ]
    assert more == [200] * 7 + [400]
    # The counters are per centre: putuo's site is not throttled by huangpu's.
    assert ask_code(client_for("putuo"), "13700002222", django_capture_on_commit_callbacks).status_code == 200


def test_bad_input_is_refused_with_a_message(cadres):
    answer = client_for("huangpu").post(LOGIN, {"action": "send", "phone": "12345"})
    assert answer.status_code == 400
    assert "请输入 11 位手机号码。" in answer.content.decode()


def test_access_code_logs_in_and_an_old_one_stops_working(cadres):
    with schema_context("huangpu"):
        first = access_code_issue(cadre_id=cadres["zhao"].pk)
        second = access_code_issue(cadre_id=cadres["zhao"].pk)
        row = CadreAccessCode.objects.get()
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", second)
        assert second.replace("-", "")[4:] not in row.secret_hash
    client = client_for("huangpu")
    old = client.post(LOGIN, {"action": "access", "access_code": first})
    assert old.status_code == 400
    assert "访问码不正确。" in old.content.decode()
    done = client.post(LOGIN, {"action": "access", "access_code": second.lower().replace("-", " ")})
    assert (done.status_code, done["Location"]) == (302, "/cadre/signups/")
    assert "当前登录：赵建华。" in client.get("/cadre/signups/").content.decode()
    # The same code means nothing on putuo's site.
    assert client_for("putuo").post(LOGIN, {"action": "access", "access_code": second}).status_code == 400


def test_staff_issue_access_codes_only_for_cadres_they_may_see(cadres):
    make_user("huangpu", "hp-admin", superuser=True)
    admin = client_for("huangpu")
    admin.post("/admin/login/", {"username": "hp-admin", "password": PASSWORD})
    issued = admin.post("/admin/content/access-codes/", {"cadre_id": cadres["zhao"].pk})
    assert issued.status_code == 200
    code = re.search(r'class="access-code">([A-Z2-9-]{14})<', issued.content.decode()).group(1)
    assert client_for("huangpu").post(LOGIN, {"action": "access", "access_code": code}).status_code == 302
    # An editor may not change cadres: the same request is refused, nothing issued.
    from tenants.roles import Role, role_group_name

    make_user("huangpu", "hp-editor", groups=(role_group_name(Role.EDITOR),))
    editor = client_for("huangpu")
    editor.post("/admin/login/", {"username": "hp-editor", "password": PASSWORD})
    refused = editor.post("/admin/content/access-codes/", {"cadre_id": cadres["wang"].pk})
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    with schema_context("huangpu"):
        assert list(CadreAccessCode.objects.values_list("cadre_id", flat=True)) == [cadres["zhao"].pk]


def test_next_must_stay_on_the_site(cadres):
    with schema_context("huangpu"):
        code = access_code_issue(cadre_id=cadres["zhao"].pk)
    client = client_for("huangpu")
    answer = client.post(LOGIN, {"action": "access", "access_code": code, "next": "https://evil.example/"})
    assert answer["Location"] == "/cadre/signups/"

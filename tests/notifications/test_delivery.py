"""Delivery: one interface for every channel, one row per idempotency key, each message sent at most once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django_q.models import OrmQ, Task
from django_tenants.utils import schema_context

from notifications import tasks
from notifications.channels import (
    AliyunSmsBackend,
    Channel,
    ChannelError,
    FileSmsBackend,
    TencentSmsBackend,
    channel_get,
)
from notifications.delivery import (
    INTERRUPTED,
    deliveries_due_send,
    delivery_failures,
    delivery_queue,
    delivery_recover,
    delivery_send,
    inbox_list,
    inbox_mark_read,
)
from notifications.models import Delivery, NotificationPreference
from tenants.tasks import CentreContextError, centre_task_enqueue
from tests.cluster import cluster_start, cluster_stop, wait_until
from tests.conftest import make_user

SH = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=SH)


class BusyChannel(Channel):
    """A provider that is always overloaded (retryable)."""

    name = "busy"

    def send(self, *, address: str, subject: str, body: str, key: str) -> str:
        raise ChannelError("HTTP 503", retryable=True)


class RefusingChannel(Channel):
    """A provider that refuses the number for good."""

    name = "refusing"

    def send(self, *, address: str, subject: str, body: str, key: str) -> str:
        raise ChannelError("invalid number", retryable=False)


class SlowChannel(Channel):
    """An SMS gateway that takes a minute: notes the start, then sends (used by the real qcluster test)."""

    name = "slow"

    def send(self, *, address: str, subject: str, body: str, key: str) -> str:
        FileSmsBackend().send(phone=address, text="(begin)", key=f"{key}#begin")
        time.sleep(60)
        return FileSmsBackend().send(phone=address, text=body, key=key)


@pytest.fixture(autouse=True)
def sms_file(settings, tmp_path):
    settings.JUNXIU_SMS_BACKEND = "notifications.channels.FileSmsBackend"
    settings.JUNXIU_SMS_FILE = str(tmp_path / "sms.jsonl")
    settings.JUNXIU_CHANNELS = {
        "busy": "tests.notifications.test_delivery.BusyChannel",
        "refusing": "tests.notifications.test_delivery.RefusingChannel",
    }
    return tmp_path / "sms.jsonl"


def sms_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def zhang(centres):
    return make_user("huangpu", "zhang", email="zhang@example.org")


@pytest.fixture
def li(centres):
    return make_user("huangpu", "li", email="li@example.org")


def queue(**kwargs):
    defaults = {"subject": "今日提醒", "body": "请今天给王德胜打电话。", "now": NOON}
    return delivery_queue(**{**defaults, **kwargs})


# --- channels ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_inbox_message_is_the_row_itself_and_only_its_owner_reads_it(zhang, li):
    with schema_context("huangpu"):
        message = queue(key="1:inbox:zhang", channel="inbox", user=zhang)
        assert (message.status, message.read_at, message.attempts) == ("sent", None, 0)
        assert message.sent_at == NOON
        assert OrmQ.objects.count() == 0  # nothing to send
        assert list(inbox_list(user=zhang)) == [message]
        assert list(inbox_list(user=li)) == []

        with pytest.raises(Delivery.DoesNotExist):
            inbox_mark_read(user=li, delivery_id=message.pk)
        assert Delivery.objects.get(pk=message.pk).read_at is None

        read = inbox_mark_read(user=zhang, delivery_id=message.pk)
        assert read.read_at is not None
        again = inbox_mark_read(user=zhang, delivery_id=message.pk)
        assert again.read_at == read.read_at


@pytest.mark.django_db
def test_email_goes_through_the_configured_backend_once(zhang, django_capture_on_commit_callbacks):
    with schema_context("huangpu"):
        with django_capture_on_commit_callbacks(execute=True):
            delivery = queue(key="7:email:zhang", channel="email", user=zhang)
        assert delivery.address == "zhang@example.org"
        task = OrmQ.objects.get().task
        assert task["func"] == "tenants.tasks.centre_task_run"
        assert task["args"] == ("huangpu", "notifications.tasks.delivery_send")
        assert task["kwargs"] == {"delivery_id": delivery.pk}

        assert delivery_send(delivery_id=delivery.pk) == "sent"
        assert delivery_send(delivery_id=delivery.pk) == "skipped"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.subject, message.body, message.to) == ("今日提醒", "请今天给王德胜打电话。", ["zhang@example.org"])
    assert message.extra_headers["X-Junxiu-Key"] == "7:email:zhang"
    with schema_context("huangpu"):
        row = Delivery.objects.get(pk=delivery.pk)
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
        assert row.sent_at is not None


@pytest.mark.django_db
def test_email_without_an_address_fails_for_good(centres):
    with schema_context("huangpu"):
        delivery = queue(key="x:email", channel="email")
        assert delivery_send(delivery_id=delivery.pk) == "failed"
        row = Delivery.objects.get(pk=delivery.pk)
        assert (row.status, row.attempts, row.last_error) == ("failed", 1, "no e-mail address")
    assert mail.outbox == []


@pytest.mark.django_db
def test_same_key_twice_makes_one_row_and_one_sms(centres, sms_file, django_capture_on_commit_callbacks):
    with schema_context("huangpu"):
        with django_capture_on_commit_callbacks(execute=True):
            first = queue(
                key="9:sms:cadre", channel="sms", address="13812345678", body="王德胜同志：请于本周内参加年度体检。"
            )
            second = queue(key="9:sms:cadre", channel="sms", address="13900000000", body="别的内容")
        assert second is None
        assert Delivery.objects.filter(key="9:sms:cadre").count() == 1
        assert OrmQ.objects.count() == 1
        assert delivery_send(delivery_id=first.pk) == "sent"
        assert delivery_send(delivery_id=first.pk) == "skipped"
    assert sms_lines(sms_file) == [
        {"key": "9:sms:cadre", "phone": "13812345678", "text": "王德胜同志：请于本周内参加年度体检。"}
    ]


@pytest.mark.django_db
def test_sms_address_is_the_staff_phone_and_stored_encrypted(zhang):
    from registry.models import Staff

    with schema_context("huangpu"):
        Staff.objects.create(user=zhang, name="张联络", phone="13900002222")
        delivery = queue(key="3:sms:zhang", channel="sms", user=zhang)
        assert delivery.address == "13900002222"
        with connection.cursor() as cursor:
            cursor.execute("SELECT address FROM notifications_delivery WHERE id = %s", [delivery.pk])
            assert "13900002222" not in cursor.fetchone()[0]


def test_aliyun_request_is_signed_as_the_provider_documents():
    backend = AliyunSmsBackend(
        {
            "access_key_id": "testid",
            "access_key_secret": "testsecret",
            "sign_name": "黄浦军休",
            "template_code": "SMS_1",
        }
    )
    now = dt.datetime(2026, 11, 30, 1, 2, 3, tzinfo=dt.UTC)
    request = backend.build_request(phone="13812345678", text="请参加体检。", key="k1", now=now, nonce="n1")
    assert (request.full_url, request.get_method()) == ("https://dysmsapi.aliyuncs.com/", "POST")
    assert request.get_header("Content-type") == "application/x-www-form-urlencoded; charset=utf-8"
    params = dict(urllib.parse.parse_qsl(request.data.decode()))
    signature = params.pop("Signature")
    assert params == {
        "AccessKeyId": "testid",
        "Action": "SendSms",
        "Format": "JSON",
        "OutId": "k1",
        "PhoneNumbers": "13812345678",
        "RegionId": "cn-hangzhou",
        "SignName": "黄浦军休",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "n1",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_1",
        "TemplateParam": '{"content": "请参加体检。"}',
        "Timestamp": "2026-11-30T01:02:03Z",
        "Version": "2017-05-25",
    }

    def q(value):
        return urllib.parse.quote(value, safe="~")

    canonical = "&".join(f"{q(k)}={q(v)}" for k, v in sorted(params.items()))
    expected = hmac.new(b"testsecret&", f"POST&%2F&{q(canonical)}".encode(), hashlib.sha1).digest()
    assert signature == base64.b64encode(expected).decode()


def test_tencent_request_is_signed_with_tc3():
    backend = TencentSmsBackend(
        {
            "secret_id": "AKID1",
            "secret_key": "sk",
            "sdk_app_id": "1400000001",
            "sign_name": "黄浦军休",
            "template_id": "42",
        }
    )
    now = dt.datetime(2026, 11, 30, 1, 2, 3, tzinfo=dt.UTC)
    request = backend.build_request(phone="13812345678", text="请参加体检。", key="k2", now=now)
    assert (request.full_url, request.get_method()) == ("https://sms.tencentcloudapi.com/", "POST")
    assert json.loads(request.data) == {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": "1400000001",
        "SignName": "黄浦军休",
        "TemplateId": "42",
        "TemplateParamSet": ["请参加体检。"],
        "SessionContext": "k2",
    }
    headers = dict(request.header_items())
    assert headers["X-tc-action"] == "SendSms"
    assert headers["X-tc-version"] == "2021-01-11"
    assert headers["X-tc-timestamp"] == str(int(now.timestamp())) == "1796000523"
    assert headers["X-tc-region"] == "ap-guangzhou"
    prefix = "TC3-HMAC-SHA256 Credential=AKID1/2026-11-30/sms/tc3_request, SignedHeaders=content-type;host, Signature="
    assert headers["Authorization"].startswith(prefix)
    canonical = (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n\n"
        f"content-type;host\n{hashlib.sha256(request.data).hexdigest()}"
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n1796000523\n2026-11-30/sms/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    key = b"TC3sk"
    for part in ("2026-11-30", "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    assert headers["Authorization"] == prefix + hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class RobotServer:
    """A local WeCom robot: records each POST and answers with the next queued reply."""

    def __init__(self, replies):
        self.received: list[dict] = []
        self.replies = list(replies)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                outer.received.append({"path": self.path, "json": json.loads(self.rfile.read(length))})
                status, answer = outer.replies.pop(0)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=robot1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db
def test_wecom_robot_gets_the_text_once_and_errors_are_classified(centres):
    replies = [(200, {"errcode": 0, "errmsg": "ok"}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    replies += [(200, {"errcode": 93000, "errmsg": "invalid webhook url"}), (502, {})]
    with RobotServer(replies) as robot, schema_context("huangpu"):
        sent = queue(
            key="5:wecom", channel="wecom", address=robot.url, subject="逾期提醒", body="王德胜 本周探访已逾期"
        )
        assert delivery_send(delivery_id=sent.pk) == "sent"
        assert delivery_send(delivery_id=sent.pk) == "skipped"
        assert robot.received == [
            {
                "path": "/cgi-bin/webhook/send?key=robot1",
                "json": {"msgtype": "text", "text": {"content": "逾期提醒\n王德胜 本周探访已逾期"}},
            }
        ]
        wecom = channel_get("wecom")
        with pytest.raises(ChannelError) as limited:
            wecom.send(address=robot.url, subject="", body="b", key="k")
        assert (str(limited.value), limited.value.retryable) == ("WeCom 45009: api freq out of limit", True)
        with pytest.raises(ChannelError) as invalid:
            wecom.send(address=robot.url, subject="", body="b", key="k")
        assert (str(invalid.value), invalid.value.retryable) == ("WeCom 93000: invalid webhook url", False)
        with pytest.raises(ChannelError) as down:
            wecom.send(address=robot.url, subject="", body="b", key="k")
        assert (str(down.value), down.value.retryable) == ("HTTP 502", True)
        assert len(robot.received) == 4


# --- preferences, quiet hours, retries --------------------------------------------------------------------------


@pytest.mark.django_db
def test_channels_the_user_turned_off_are_skipped_but_the_inbox_stays(zhang, django_capture_on_commit_callbacks):
    with schema_context("huangpu"):
        NotificationPreference.objects.create(user=zhang, channels=["inbox", "email"])
        with django_capture_on_commit_callbacks(execute=True):
            assert queue(key="1:sms:zhang", channel="sms", user=zhang, address="13812345678") is None
            assert queue(key="1:email:zhang", channel="email", user=zhang).status == "queued"
            NotificationPreference.objects.filter(user=zhang).update(channels=["email"])
            assert queue(key="1:inbox:zhang", channel="inbox", user=zhang).status == "sent"
        assert sorted(Delivery.objects.values_list("key", flat=True)) == ["1:email:zhang", "1:inbox:zhang"]
        assert OrmQ.objects.count() == 1
        with pytest.raises(ValueError, match="unknown channel 'fax'"):
            queue(key="1:fax:zhang", channel="fax", user=zhang)
        assert Delivery.objects.count() == 2


@pytest.mark.django_db
def test_sms_in_quiet_hours_is_held_then_released(zhang, sms_file, django_capture_on_commit_callbacks):
    night = dt.datetime(2026, 11, 29, 22, 30, tzinfo=SH)
    morning = dt.datetime(2026, 11, 30, 8, 0, tzinfo=SH)
    with schema_context("huangpu"):
        with django_capture_on_commit_callbacks(execute=True):
            held = queue(key="2:sms", channel="sms", address="13812345678", now=night)
            email = queue(key="2:email", channel="email", user=zhang, now=night)  # quiet hours are for SMS only
        assert (held.status, held.not_before) == ("held", morning)
        assert email.status == "queued"
        assert OrmQ.objects.count() == 1  # only the e-mail is queued at once
        assert delivery_send(delivery_id=email.pk, now=night) == "sent"

        assert delivery_send(delivery_id=held.pk, now=night + dt.timedelta(minutes=30)) == "skipped"
        assert Delivery.objects.get(pk=held.pk).status == "held"
        assert deliveries_due_send(now=morning - dt.timedelta(seconds=1)) == 0
        assert sms_lines(sms_file) == []

        with django_capture_on_commit_callbacks(execute=True):
            assert deliveries_due_send(now=morning) == 1
        assert OrmQ.objects.count() == 2
        assert delivery_send(delivery_id=held.pk, now=morning) == "sent"
    assert [line["key"] for line in sms_lines(sms_file)] == ["2:sms"]


@pytest.mark.django_db
def test_users_own_quiet_hours_apply(zhang):
    with schema_context("huangpu"):
        NotificationPreference.objects.create(user=zhang, quiet_from=dt.time(12, 0), quiet_until=dt.time(14, 0))
        held = queue(key="4:sms", channel="sms", user=zhang, address="13812345678", now=NOON)
        assert (held.status, held.not_before) == ("held", dt.datetime(2026, 11, 30, 14, 0, tzinfo=SH))
        late = queue(key="5:sms", channel="sms", user=zhang, address="13812345678", now=NOON.replace(hour=22))
        assert (late.status, late.not_before) == ("queued", None)  # 22:00 is outside the user's own window


@pytest.mark.django_db
def test_retryable_errors_back_off_then_fail_after_six_attempts(centres):
    with schema_context("huangpu"):
        delivery = queue(key="6:busy", channel="busy", address="x")
        moment = NOON
        waits = []
        for attempt in range(1, 6):
            assert delivery_send(delivery_id=delivery.pk, now=moment) == "queued"
            row = Delivery.objects.get(pk=delivery.pk)
            assert (row.attempts, row.last_error) == (attempt, "HTTP 503")
            waits.append(int((row.not_before - moment).total_seconds()))
            assert delivery_send(delivery_id=delivery.pk, now=row.not_before - dt.timedelta(seconds=1)) == "skipped"
            moment = row.not_before
        assert waits == [30, 120, 480, 1920, 7680]
        assert delivery_send(delivery_id=delivery.pk, now=moment) == "failed"
        row = Delivery.objects.get(pk=delivery.pk)
        assert (row.status, row.attempts, row.last_error) == ("failed", 6, "HTTP 503")
        assert delivery_send(delivery_id=delivery.pk, now=moment + dt.timedelta(days=1)) == "skipped"
        assert Delivery.objects.get(pk=delivery.pk).attempts == 6

        refused = queue(key="6:refusing", channel="refusing", address="x")
        assert delivery_send(delivery_id=refused.pk) == "failed"
        assert Delivery.objects.get(pk=refused.pk).attempts == 1
        assert [d.key for d in delivery_failures(since=NOON - dt.timedelta(days=1))] == ["6:refusing", "6:busy"]


@pytest.mark.django_db
def test_failures_list_shows_rows_waiting_for_a_retry(centres):
    with schema_context("huangpu"):
        busy = queue(key="8:busy", channel="busy", address="x")
        ok = queue(key="8:sms", channel="sms", address="13812345678")
        delivery_send(delivery_id=busy.pk, now=NOON)
        delivery_send(delivery_id=ok.pk, now=NOON)
        assert [(d.key, d.status) for d in delivery_failures(since=NOON - dt.timedelta(days=1))] == [
            ("8:busy", "queued")
        ]


@pytest.mark.django_db
def test_a_row_stuck_in_sending_is_not_re_sent(zhang, sms_file):
    with schema_context("huangpu"):
        stuck = queue(key="10:sms", channel="sms", address="13812345678")
        inbox = queue(key="10:inbox", channel="inbox", user=zhang)
        fresh = queue(key="11:sms", channel="sms", address="13812345678")
        claimed_at = NOON - dt.timedelta(minutes=11)
        Delivery.objects.filter(pk__in=[stuck.pk, inbox.pk]).update(status="sending", attempts=1, not_before=claimed_at)
        Delivery.objects.filter(pk=fresh.pk).update(
            status="sending", attempts=1, not_before=NOON - dt.timedelta(minutes=1)
        )

        assert delivery_send(delivery_id=stuck.pk, now=NOON) == "skipped"
        assert delivery_recover(now=NOON) == 2
        rows = {d.key: (d.status, d.last_error) for d in Delivery.objects.all()}
        assert rows == {
            "10:sms": ("failed", INTERRUPTED),
            "10:inbox": ("queued", ""),
            "11:sms": ("sending", ""),
        }
        assert delivery_send(delivery_id=stuck.pk, now=NOON) == "skipped"
    assert sms_lines(sms_file) == []


# --- centres and tasks ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_huangpu_delivery_is_invisible_in_putuo(zhang, sms_file):
    with schema_context("huangpu"):
        delivery = queue(key="12:sms", channel="sms", address="13812345678")
        message = queue(key="12:inbox", channel="inbox", user=zhang)
    with schema_context("putuo"):
        assert Delivery.objects.count() == 0
        assert delivery_send(delivery_id=delivery.pk) == "skipped"
        assert deliveries_due_send(now=NOON + dt.timedelta(days=1)) == 0
        with pytest.raises(Delivery.DoesNotExist):
            inbox_mark_read(user=zhang, delivery_id=message.pk)
    with schema_context("huangpu"):
        assert Delivery.objects.get(pk=delivery.pk).status == "queued"
        assert Delivery.objects.get(pk=message.pk).read_at is None
    assert sms_lines(sms_file) == []


@pytest.mark.django_db
def test_tasks_refuse_to_run_in_public_and_run_in_a_centre(centres, sms_file):
    with pytest.raises(CentreContextError):
        tasks.delivery_send(1)
    with pytest.raises(CentreContextError):
        tasks.deliveries_due_send()
    from tenants.tasks import centre_task_run

    with schema_context("huangpu"):
        delivery = queue(key="13:sms", channel="sms", address="13812345678")
    assert centre_task_run("huangpu", "notifications.tasks.delivery_send", delivery_id=delivery.pk) == "sent"
    assert connection.schema_name == "public"
    assert [line["key"] for line in sms_lines(sms_file)] == ["13:sms"]


# --- two senders at once, on committed rows ---------------------------------------------------------------------


# Committed for real so both threads see the row; only django_q is flushed after, our own rows are deleted below.
@pytest.mark.django_db(transaction=True, available_apps=["django_q"])
def test_two_concurrent_senders_send_exactly_one_sms(sms_file):
    with schema_context("huangpu"):
        deliveries = [
            Delivery.objects.create(key=f"race:{n}", channel="sms", address="13812345678", subject="s", body=f"第{n}条")
            for n in range(5)
        ]
    try:
        for delivery in deliveries:
            barrier = threading.Barrier(2)
            results: list[str] = []

            def sender(delivery_id=delivery.pk, barrier=barrier, results=results):
                try:
                    with schema_context("huangpu"):
                        barrier.wait(timeout=10)
                        results.append(delivery_send(delivery_id=delivery_id))
                finally:
                    connection.close()

            threads = [threading.Thread(target=sender) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(results) == ["sent", "skipped"]
        assert [line["key"] for line in sms_lines(sms_file)] == [f"race:{n}" for n in range(5)]
        with schema_context("huangpu"):
            assert (
                list(Delivery.objects.filter(key__startswith="race:").values_list("status", "attempts"))
                == [("sent", 1)] * 5
            )
    finally:
        # SQL, not QuerySet.delete(): its signals look up apps that available_apps hides.
        with schema_context("huangpu"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM notifications_delivery WHERE key LIKE %s", ["race:%"])


# Committed for real so the workers see the rows; only django_q is flushed after, our own rows are deleted below.
@pytest.mark.django_db(transaction=True, available_apps=["django_q"])
def test_a_real_qcluster_killed_mid_send_and_two_clusters_never_send_twice(sms_file):
    """Kill a cluster while it sends; the broker hands the task to another cluster, which does not send it again."""
    with schema_context("huangpu"):
        slow = Delivery.objects.create(key="kill:slow", channel="slow", address="13812345678", subject="s", body="慢")
        quick = [
            Delivery.objects.create(key=f"kill:{n:02}", channel="sms", address="13812345678", subject="s", body="快")
            for n in range(10)
        ]
    clusters: list[subprocess.Popen] = []
    try:
        slow_task = centre_task_enqueue(
            schema_name="huangpu", func="notifications.tasks.delivery_send", kwargs={"delivery_id": slow.pk}
        )
        first = cluster_start(sms_file)
        clusters.append(first)
        wait_until(lambda: any(line["key"] == "kill:slow#begin" for line in sms_lines(sms_file)))
        cluster_stop(first, kill=True)
        with schema_context("huangpu"):
            assert Delivery.objects.filter(pk=slow.pk).values_list("status", "attempts").get() == ("sending", 1)

        # Every quick delivery queued twice (say, by a sweep that ran twice), for two clusters running at once.
        for delivery in quick * 2:
            centre_task_enqueue(
                schema_name="huangpu", func="notifications.tasks.delivery_send", kwargs={"delivery_id": delivery.pk}
            )
        clusters += [cluster_start(sms_file), cluster_start(sms_file)]
        # The dead worker's task comes back after the broker's retry period and is refused by the claim.
        redelivered = wait_until(lambda: Task.objects.filter(id=slow_task).first())
        wait_until(lambda: Task.objects.count() >= 21)
        for cluster in clusters[1:]:
            cluster_stop(cluster)

        assert (redelivered.success, redelivered.result) == (True, "skipped")
        assert (
            sorted(Task.objects.exclude(id=slow_task).values_list("result", flat=True))
            == ["sent"] * 10 + ["skipped"] * 10
        )
        assert sorted(line["key"] for line in sms_lines(sms_file)) == [f"kill:{n:02}" for n in range(10)] + [
            "kill:slow#begin"
        ]
        with schema_context("huangpu"):
            assert delivery_recover(older_than_seconds=0) == 1
            rows = dict(Delivery.objects.filter(key__startswith="kill:").values_list("key", "status"))
            assert rows == {"kill:slow": "failed", **{f"kill:{n:02}": "sent" for n in range(10)}}
            assert Delivery.objects.get(pk=slow.pk).last_error == INTERRUPTED
    finally:
        for cluster in clusters:
            if cluster.poll() is None:
                cluster_stop(cluster, kill=True)
        with schema_context("huangpu"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM notifications_delivery WHERE key LIKE %s", ["kill:%"])

"""Signed webhooks: queued once committed, posted to a real local server, retried with back-off until delivered."""

import ast
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from django_tenants.utils import schema_context

from forms_engine.models import FormWebhookDelivery
from forms_engine.services import form_create, form_field_add, form_publish
from forms_engine.webhooks import MAX_ATTEMPTS, webhook_create, webhook_delivery_send, webhook_target_private
from registry.idcard import resident_id_make
from tenants.roles import Role, role_group_name
from tenants.tasks import centre_task_run
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"
ID_NUMBER = resident_id_make("310101", dt.date(1950, 3, 4), 77)


class Receiver:
    """A real HTTP server on loopback answering with the given status codes in turn, recording every request."""

    def __init__(self, codes: list[int]):
        self.codes, self.requests = list(codes), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def build_form():
    with schema_context("huangpu"):
        form = form_create(title="来访登记", key="intake")
        form_field_add(form=form, name="visitor", field_type="text", label="来访人", required=True)
        form_field_add(form=form, name="id_card", field_type="id_number", label="身份证号")
        form_publish(form=form)
        return form


@pytest.fixture
def admin_client(centres):
    user = make_user("huangpu", "hook-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(user)
    return client


def run_queued() -> list:
    """Run each queued task as the worker would (django-q2's own payload: func, args, kwargs), then drop it."""
    results = []
    for row in OrmQ.objects.order_by("id"):
        task = row.task
        assert task["func"] == "tenants.tasks.centre_task_run"
        results.append(centre_task_run(*task["args"], **task["kwargs"]))
        row.delete()
    return results


def run_schedule(schedule: Schedule):
    assert schedule.func == "tenants.tasks.centre_task_run"
    return centre_task_run(*ast.literal_eval(schedule.args), **ast.literal_eval(schedule.kwargs))


def verify(headers: dict, body: bytes) -> bool:
    expected = hmac.new(SECRET.encode(), headers["X-Junxiu-Timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(headers["X-Junxiu-Signature"], "sha256=" + expected.hexdigest())


def test_a_new_submission_is_posted_signed_and_retried_after_a_failure(
    admin_client, django_capture_on_commit_callbacks
):
    form = build_form()
    with Receiver([500, 200]) as receiver:
        with schema_context("huangpu"):
            hook = webhook_create(form=form, url=receiver.url, secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            made = admin_client.post(
                "/api/forms/intake/submissions/",
                {"data": {"visitor": "王德胜", "id_card": ID_NUMBER}},
                content_type="application/json",
            )
        assert made.status_code == 201
        assert OrmQ.objects.count() == 1
        before = timezone.now()
        assert run_queued() == ["retrying"]
        with schema_context("huangpu"):
            delivery = FormWebhookDelivery.objects.get()
            assert (
                delivery.webhook_id,
                delivery.event,
                delivery.status,
                delivery.attempts,
                delivery.response_code,
            ) == (
                hook.pk,
                "submission.created",
                "retrying",
                1,
                500,
            )
            assert dt.timedelta(seconds=29) < delivery.next_attempt_at - before < dt.timedelta(seconds=31)
        schedule = Schedule.objects.get(schedule_type=Schedule.ONCE)
        assert (schedule.schedule_type, schedule.next_run) == (Schedule.ONCE, delivery.next_attempt_at)
        assert run_schedule(schedule) == "skipped"  # run before its time (a duplicate task): nothing is sent
        with schema_context("huangpu"):
            FormWebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # now due
        assert run_schedule(schedule) == "delivered"
        assert run_schedule(schedule) == "delivered"  # a late duplicate run sends nothing more
    assert len(receiver.requests) == 2
    for headers, body in receiver.requests:
        assert verify(headers, body)
        assert (headers["X-Junxiu-Event"], headers["Content-Type"]) == (
            "submission.created",
            "application/json; charset=utf-8",
        )
    payload = json.loads(receiver.requests[1][1])
    assert (payload["event"], payload["centre"], payload["form"]) == ("submission.created", "huangpu", "intake")
    masked = "*" * 17 + ID_NUMBER[-1]
    assert payload["submission"]["data"] == {"visitor": "王德胜", "id_card": masked}
    assert payload["submission"]["id"] == made.json()["id"]
    assert not verify({**receiver.requests[1][0], "X-Junxiu-Timestamp": "1"}, receiver.requests[1][1])
    with schema_context("huangpu"):
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_code, delivery.next_attempt_at) == (
            "delivered",
            2,
            200,
            None,
        )


def test_update_and_move_are_announced_to_the_webhooks_that_want_them(admin_client, django_capture_on_commit_callbacks):
    form = build_form()
    with Receiver([]) as receiver:
        with schema_context("huangpu"):
            webhook_create(form=form, url=receiver.url, secret=SECRET)
            webhook_create(form=form, url=receiver.url, secret=SECRET, events=["submission.moved"])
        with django_capture_on_commit_callbacks(execute=True):
            made = admin_client.post(
                "/api/forms/intake/submissions/", {"data": {"visitor": "王"}}, content_type="application/json"
            )
            url = f"/api/forms/submissions/{made.json()['id']}/"
            assert (
                admin_client.patch(url, {"data": {"visitor": "王德胜"}}, content_type="application/json").status_code
                == 200
            )
            assert (
                admin_client.post(f"{url}move/", {"to": "closed"}, content_type="application/json").status_code == 200
            )
            refused = admin_client.post(
                "/api/forms/intake/submissions/", {"data": {"visitor": ""}}, content_type="application/json"
            )
            assert refused.status_code == 400
        assert run_queued() == ["delivered"] * 4
    assert [headers["X-Junxiu-Event"] for headers, _body in receiver.requests] == [
        "submission.created",
        "submission.updated",
        "submission.moved",
        "submission.moved",
    ]
    assert json.loads(receiver.requests[2][1])["submission"]["state"] == "closed"


def test_a_delivery_gives_up_after_the_last_attempt(centres):
    form = build_form()
    with Receiver([500]) as receiver, schema_context("huangpu"):
        hook = webhook_create(form=form, url=receiver.url, secret=SECRET)
        delivery = FormWebhookDelivery.objects.create(
            webhook=hook, event="submission.created", payload={"x": 1}, attempts=MAX_ATTEMPTS - 1, status="retrying"
        )
        assert webhook_delivery_send(delivery_id=delivery.pk) == "failed"
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.response_code, delivery.next_attempt_at) == (MAX_ATTEMPTS, 500, None)
    assert Schedule.objects.filter(schedule_type=Schedule.ONCE).count() == 0


def test_an_unreachable_url_is_recorded_and_retried(centres):
    form = build_form()
    with schema_context("huangpu"):
        hook = webhook_create(form=form, url="http://127.0.0.1:9/closed", secret=SECRET)
        delivery = FormWebhookDelivery.objects.create(webhook=hook, event="submission.created", payload={"x": 1})
        assert webhook_delivery_send(delivery_id=delivery.pk) == "retrying"
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.response_code, bool(delivery.error)) == (1, None, True)
    assert Schedule.objects.filter(schedule_type=Schedule.ONCE).count() == 1


def test_bad_webhooks_are_refused(centres):
    form = build_form()
    with schema_context("huangpu"):
        with pytest.raises(ValidationError):
            webhook_create(form=form, url="ftp://example.org/x")
        with pytest.raises(ValidationError) as excinfo:
            webhook_create(form=form, url="http://127.0.0.1/x", events=["submission.deleted"])
        assert excinfo.value.message_dict == {"events": ["未知事件：submission.deleted"]}
        assert form.webhooks.count() == 0


def test_webhooks_to_internal_addresses_are_refused_in_production(centres, settings):
    settings.JUNXIU_WEBHOOK_ALLOW_PRIVATE = False
    assert webhook_target_private("http://127.0.0.1:9/hook") is True
    assert webhook_target_private("http://10.1.2.3/hook") is True
    assert webhook_target_private("http://[::1]/hook") is True
    assert webhook_target_private("http://169.254.169.254/latest") is True
    assert webhook_target_private("http://93.184.215.14/hook") is False
    with schema_context("huangpu"):
        form = form_create(title="投诉", key="complaint-hooks", purpose="complaint")
        with pytest.raises(ValidationError) as excinfo:
            webhook_create(form=form, url="http://127.0.0.1:8000/hook")
        assert excinfo.value.message_dict == {"url": ["Webhook 只能调用公网地址。"]}
        assert form.webhooks.count() == 0

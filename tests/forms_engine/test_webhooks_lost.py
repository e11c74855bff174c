"""No webhook delivery left behind: a delivery whose task never ran (the process died after the commit, or Redis lost
the task) is queued again by each centre's periodic task and sent once; two tasks for one delivery never post twice."""

import ast
import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, FormWebhook, FormWebhookDelivery
from forms_engine.services import form_create, submission_create
from forms_engine.webhooks import LOST_FUNC, LOST_TASK_AFTER, SEND_FUNC, webhook_create, webhook_delivery_send
from tenants.tasks import centre_task_enqueue, centre_task_run
from tests.forms_engine.test_webhooks import SECRET, Receiver, build_form, run_queued


def run_schedule(schedule: Schedule):
    """Run a periodic schedule's task as the worker would (django-q2's payload: func, args)."""
    assert schedule.func == "tenants.tasks.centre_task_run"
    return centre_task_run(*ast.literal_eval(schedule.args), **ast.literal_eval(schedule.kwargs or "{}"))


def queued_deliveries() -> list[tuple[str, int]]:
    return [(row.task["args"][0], row.task["kwargs"]["delivery_id"]) for row in OrmQ.objects.order_by("id")]


@pytest.mark.django_db
def test_a_delivery_whose_task_never_ran_is_sent_exactly_once_by_the_periodic_task(centres):
    form = build_form()
    with Receiver([]) as receiver:
        with schema_context("huangpu"):
            webhook_create(form=form, url=receiver.url, secret=SECRET)
            form.refresh_from_db()
            # Stored and committed, but its on-commit hook never ran: the worker died before queueing the task.
            submission = submission_create(form=form, data={"visitor": "王德胜"}, user=None, channel="public")
            delivery = FormWebhookDelivery.objects.get(submission=submission)
        assert OrmQ.objects.count() == 0
        schedule = Schedule.objects.get(name="huangpu:webhooks_lost")
        assert (schedule.args, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
            f"('huangpu', '{LOST_FUNC}')",
            Schedule.MINUTES,
            1,
            -1,
        )
        assert run_schedule(schedule) == 0  # just made: its own task may still come
        with schema_context("huangpu"):
            made = timezone.now() - LOST_TASK_AFTER - dt.timedelta(seconds=1)
            FormWebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=made)
        assert run_schedule(schedule) == 1
        assert run_schedule(schedule) == 0  # queued again once: the next run leaves it to that task
        assert queued_deliveries() == [("huangpu", delivery.pk)]
        assert run_queued() == ["delivered"]
        with schema_context("huangpu"):
            FormWebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=made, next_attempt_at=made)
        assert run_schedule(schedule) == 0  # delivered: never queued again
    assert [headers["X-Junxiu-Delivery"] for headers, _body in receiver.requests] == [str(delivery.pk)]
    with schema_context("huangpu"):
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)


@pytest.mark.django_db
def test_a_retry_whose_scheduled_task_was_lost_is_queued_again_once_its_time_is_long_past(centres):
    form = build_form()
    with Receiver([]) as receiver:
        with schema_context("huangpu"):
            hook = webhook_create(form=form, url=receiver.url, secret=SECRET)
            now = timezone.now()
            due_long_ago = FormWebhookDelivery.objects.create(
                webhook=hook, event="submission.created", payload={"n": 1}, status="retrying", attempts=1
            )
            due_just_now = FormWebhookDelivery.objects.create(
                webhook=hook, event="submission.created", payload={"n": 2}, status="retrying", attempts=1
            )
            failed = FormWebhookDelivery.objects.create(
                webhook=hook, event="submission.created", payload={"n": 3}, status="failed", attempts=6
            )
            FormWebhookDelivery.objects.filter(pk__in=[due_long_ago.pk, failed.pk]).update(
                next_attempt_at=now - LOST_TASK_AFTER - dt.timedelta(seconds=1), created_at=now - dt.timedelta(hours=1)
            )
            FormWebhookDelivery.objects.filter(pk=due_just_now.pk).update(next_attempt_at=now - dt.timedelta(seconds=5))
            assert centre_task_run("huangpu", LOST_FUNC) == 1
        assert queued_deliveries() == [("huangpu", due_long_ago.pk)]
        assert run_queued() == ["delivered"]
    assert [body for _headers, body in receiver.requests] == [b'{"n":1}']


@pytest.mark.django_db
def test_each_centre_queues_again_only_its_own_lost_deliveries(centres):
    old = timezone.now() - LOST_TASK_AFTER - dt.timedelta(seconds=1)
    ids = {}
    for code in ("huangpu", "changning"):
        with schema_context(code):
            form = form_create(title="来访登记", key="intake")
            hook = FormWebhook.objects.create(form=form, url="http://127.0.0.1:9/", secret=SECRET)
            delivery = FormWebhookDelivery.objects.create(webhook=hook, event="submission.created", payload={})
            FormWebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=old)
            ids[code] = delivery.pk
    assert run_schedule(Schedule.objects.get(name="huangpu:webhooks_lost")) == 1
    assert queued_deliveries() == [("huangpu", ids["huangpu"])]
    with schema_context("changning"):
        assert FormWebhookDelivery.objects.get(pk=ids["changning"]).next_attempt_at is None  # untouched
    assert run_schedule(Schedule.objects.get(name="changning:webhooks_lost")) == 1
    assert queued_deliveries() == [("huangpu", ids["huangpu"]), ("changning", ids["changning"])]


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access outside a test transaction (both tasks see the rows): what the test writes, it removes."""
    with django_db_blocker.unblock():
        yield


def test_a_delivery_being_sent_is_not_sent_again_by_a_concurrent_task(committed_db):
    """Task A posts (the receiver holds its answer, then answers 500); task B for the same delivery, meanwhile, does
    not wait for A nor post again; a delivery of the same webhook goes out meanwhile all the same."""
    release = threading.Event()
    requests: list[bytes] = []

    class Slow(Receiver):
        def __init__(self):
            super().__init__([])
            handler = self.server.RequestHandlerClass

            def do_post(inner):
                body = inner.rfile.read(int(inner.headers["Content-Length"]))
                requests.append(body)
                first = body == b'{"n":1}'
                if first:
                    release.wait(timeout=20)
                inner.send_response(500 if first else 200)
                inner.end_headers()

            handler.do_POST = do_post

    results: dict[str, str] = {}

    def send(name: str, delivery_id: int) -> None:
        try:
            with schema_context("huangpu"):
                results[name] = webhook_delivery_send(delivery_id=delivery_id)
        finally:
            connection.close()

    with schema_context("huangpu"):
        form = FormDefinition.objects.order_by("pk").first()  # one the centre was made with
    with Slow() as receiver:
        with schema_context("huangpu"):
            hook = FormWebhook.objects.create(form=form, url=receiver.url, secret=SECRET)
            one = FormWebhookDelivery.objects.create(webhook=hook, event="submission.created", payload={"n": 1})
            other = FormWebhookDelivery.objects.create(webhook=hook, event="submission.created", payload={"n": 2})
        try:
            task_a = threading.Thread(target=send, args=("a", one.pk))
            task_a.start()
            deadline = time.monotonic() + 20
            while not requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert requests == [b'{"n":1}']  # A is posting, holding the row
            task_b = threading.Thread(target=send, args=("b", one.pk))
            task_c = threading.Thread(target=send, args=("c", other.pk))
            task_b.start()
            task_c.start()
            task_b.join(timeout=10)
            task_c.join(timeout=10)
            finished_while_a_posts = (not task_b.is_alive(), not task_c.is_alive())
            release.set()
            task_a.join(timeout=20)
            task_b.join(timeout=20)
            task_c.join(timeout=20)
            assert finished_while_a_posts == (True, True)
            assert results == {"a": "retrying", "b": "skipped", "c": "delivered"}
            assert requests == [b'{"n":1}', b'{"n":2}']
            # A later duplicate of the first task (a sweep, a broker's redelivery) before the retry is due: nothing.
            with schema_context("huangpu"):
                assert webhook_delivery_send(delivery_id=one.pk) == "skipped"
                assert list(FormWebhookDelivery.objects.order_by("pk").values_list("status", "attempts")) == [
                    ("retrying", 1),
                    ("delivered", 1),
                ]
            assert len(requests) == 2
            assert Schedule.objects.filter(name__startswith=f"webhook-huangpu-{one.pk}-").count() == 1
        finally:
            release.set()
            Schedule.objects.filter(name__startswith=f"webhook-huangpu-{one.pk}-").delete()  # A's retry
            with schema_context("huangpu"), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FormWebhookDelivery._meta.db_table} WHERE webhook_id = %s", [hook.pk])  # noqa: S608
                cursor.execute(f"DELETE FROM {FormWebhook._meta.db_table} WHERE id = %s", [hook.pk])  # noqa: S608


def _send_task_of(delivery_id: int):
    """The finished task that sent this delivery (its function and delivery id are in the task's pickled args)."""
    from django_q.models import Task

    for task in Task.objects.filter(func="tenants.tasks.centre_task_run"):
        if tuple(task.args or ())[1:2] == (SEND_FUNC,) and (task.kwargs or {}).get("delivery_id") == delivery_id:
            return task
    return None


def test_a_real_qcluster_runs_the_periodic_task_and_sends_a_lost_delivery_once(committed_db, tmp_path):
    """What the schedule starts every minute, run by a real django-q2 cluster on the test database: the sweep queues
    the lost delivery, a worker posts it once; a second sweep finds nothing to do."""
    from django_q.models import Task

    from tests.cluster import cluster_start, cluster_stop, wait_until

    with schema_context("huangpu"):
        form = FormDefinition.objects.order_by("pk").first()  # one the centre was made with
    with Receiver([]) as receiver:
        with schema_context("huangpu"):
            hook = FormWebhook.objects.create(form=form, url=receiver.url, secret=SECRET)
            lost = FormWebhookDelivery.objects.create(webhook=hook, event="submission.created", payload={"n": 1})
            FormWebhookDelivery.objects.filter(pk=lost.pk).update(
                created_at=timezone.now() - LOST_TASK_AFTER - dt.timedelta(seconds=1)
            )
        cluster = cluster_start(tmp_path / "sms.jsonl")
        try:
            sweep = centre_task_enqueue(schema_name="huangpu", func=LOST_FUNC)
            assert wait_until(lambda: Task.objects.filter(id=sweep).first(), timeout=60).result == 1
            sent = wait_until(lambda: _send_task_of(lost.pk), timeout=60)  # not another test's leftover task
            again = centre_task_enqueue(schema_name="huangpu", func=LOST_FUNC)
            assert wait_until(lambda: Task.objects.filter(id=again).first(), timeout=60).result == 0
            assert (sent.success, sent.result) == (True, "delivered")
            assert [headers["X-Junxiu-Delivery"] for headers, _body in receiver.requests] == [str(lost.pk)]
        finally:
            cluster_stop(cluster)
            Task.objects.filter(func="tenants.tasks.centre_task_run").delete()
            with schema_context("huangpu"), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FormWebhookDelivery._meta.db_table} WHERE webhook_id = %s", [hook.pk])  # noqa: S608
                cursor.execute(f"DELETE FROM {FormWebhook._meta.db_table} WHERE id = %s", [hook.pk])  # noqa: S608

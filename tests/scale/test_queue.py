"""django-q2 on Redis with real qcluster processes: what a SIGKILLed worker loses, and how the reminders' keys make
every task safe to run again; two clusters on one broker send each reminder once."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Task
from django_tenants.utils import schema_context

from notifications.delivery import INTERRUPTED
from notifications.models import Delivery, DueItem
from notifications.services import due_items_sweep, reminders_send
from registry.models import RestHome, Staff
from tenants.models import Centre
from tenants.roles import Role, role_group_name
from tenants.services import centre_create
from tenants.tasks import centre_task_enqueue
from tests.cluster import cluster_stop, wait_until
from tests.conftest import make_user
from tests.notifications.test_delivery import sms_lines
from tests.registry.conftest import new_cadre
from tests.scale.conftest import scale_cluster_start

# Committed for real so the workers see the rows; only django_q's tables are flushed after each test.
pytestmark = pytest.mark.django_db(transaction=True, available_apps=["django_q"])

LANE_CENTRE = "jingan"  # the sweep's own centre, made once in the lane's database (its rows are the lane's)
MOMENT = "2026-11-27T09:00:00+08:00"  # a Friday morning: reminders go out, SMS are not held for the night


@pytest.fixture
def sms_file(settings, tmp_path) -> Path:
    settings.JUNXIU_SMS_BACKEND = "notifications.channels.FileSmsBackend"
    settings.JUNXIU_SMS_FILE = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


@pytest.fixture
def queue():
    """The cluster's list on Redis, empty at the start and the end."""
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


@pytest.fixture
def clusters():
    started: list = []
    yield started
    for cluster in started:
        if cluster.poll() is None:
            cluster_stop(cluster, kill=True)


def delivery_rows(prefix: str) -> dict[str, tuple]:
    with schema_context("huangpu"):
        rows = Delivery.objects.filter(key__startswith=prefix).values_list("key", "status", "attempts")
        return {key: (status, attempts) for key, status, attempts in rows}


def delete_deliveries(prefix: str) -> None:
    # SQL, not QuerySet.delete(): its signals look up apps that available_apps hides.
    with schema_context("huangpu"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_delivery WHERE key LIKE %s", [f"{prefix}%"])


def sent_keys(sms_file: Path) -> list[str]:
    return sorted(line["key"] for line in sms_lines(sms_file))


def test_the_lane_queues_on_redis():
    assert settings.Q_CLUSTER["redis"] == os.environ["JUNXIU_REDIS_URL"]
    assert "orm" not in settings.Q_CLUSTER
    assert type(get_broker()).__module__ == "django_q.brokers.redis_broker"


def test_a_worker_killed_mid_send_on_redis_loses_its_tasks_and_the_periodic_task_settles_each_once(
    sms_file, queue, clusters
):
    """SIGKILL a cluster while both its workers send: the two tasks they hold and the five its pusher had taken are
    gone from Redis (no retry, unlike the ORM broker); one is left there. The next periodic `deliveries_due_send`
    settles the two rows caught mid-send as failed (never re-sent) and queues the five lost ones again; each
    delivery goes out once."""
    with schema_context("huangpu"):
        slow = [
            Delivery.objects.create(key=f"rkill:slow{n}", channel="slow", address="13812345678", subject="s", body="慢")
            for n in range(2)
        ]
        quick = [
            Delivery.objects.create(key=f"rkill:{n:02}", channel="sms", address="13812345678", subject="s", body="快")
            for n in range(6)
        ]
    try:
        for delivery in slow + quick:
            centre_task_enqueue(
                schema_name="huangpu", func="notifications.tasks.delivery_send", kwargs={"delivery_id": delivery.pk}
            )
        assert queue.queue_size() == 8
        clusters.append(scale_cluster_start(sms_file))
        wait_until(lambda: sent_keys(sms_file) == ["rkill:slow0#begin", "rkill:slow1#begin"])
        # Both workers are busy; the pusher takes tasks off Redis into the cluster's own queue (workers² = 4 places)
        # and holds one more, waiting for a place.
        wait_until(lambda: queue.queue_size() == 1)
        time.sleep(1)
        assert queue.queue_size() == 1
        cluster_stop(clusters[0], kill=True)

        # What SIGKILL cost on Redis: 7 of the 8 tasks were taken and are gone; nothing was recorded as run.
        assert queue.queue_size() == 1
        assert Task.objects.count() == 0
        assert delivery_rows("rkill:") == {
            "rkill:slow0": ("sending", 1),
            "rkill:slow1": ("sending", 1),
            **{f"rkill:{n:02}": ("queued", 0) for n in range(6)},
        }

        # Time passes (the rows are made older, as the periodic task's thresholds see them): the two claimed rows
        # were claimed 11 minutes ago, the queued ones made 6 minutes ago.
        with schema_context("huangpu"), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE notifications_delivery SET not_before = not_before - interval '11 minutes', "
                "created_at = created_at - interval '6 minutes' WHERE key LIKE 'rkill:%%'"
            )
        clusters.append(scale_cluster_start(sms_file))
        # The one task left on Redis runs and sends its delivery; then the periodic task queues the five lost ones.
        wait_until(lambda: Task.objects.count() == 1)
        periodic = centre_task_enqueue(schema_name="huangpu", func="notifications.tasks.deliveries_due_send")
        assert wait_until(lambda: Task.objects.filter(id=periodic).first()).result == 5
        wait_until(lambda: all(status != "queued" for status, _ in delivery_rows("rkill:").values()))
        wait_until(lambda: queue.queue_size() == 0 and Task.objects.count() == 1 + 1 + 5)
        later = centre_task_enqueue(schema_name="huangpu", func="notifications.tasks.deliveries_due_send")
        assert wait_until(lambda: Task.objects.filter(id=later).first()).result == 0
        cluster_stop(clusters[1])

        results = Task.objects.exclude(id__in=[periodic, later]).values_list("result", flat=True)
        assert list(results) == ["sent"] * 6
        assert sent_keys(sms_file) == sorted(
            [f"rkill:{n:02}" for n in range(6)] + ["rkill:slow0#begin", "rkill:slow1#begin"]
        )
        assert delivery_rows("rkill:") == {
            "rkill:slow0": ("failed", 1),
            "rkill:slow1": ("failed", 1),
            **{f"rkill:{n:02}": ("sent", 1) for n in range(6)},
        }
        with schema_context("huangpu"):
            assert set(Delivery.objects.filter(key__startswith="rkill:slow").values_list("last_error", flat=True)) == {
                INTERRUPTED
            }
    finally:
        delete_deliveries("rkill:")


def test_two_clusters_on_one_redis_broker_send_each_reminder_once(sms_file, queue, clusters):
    """Twenty deliveries each queued twice, two clusters (same name, same SECRET_KEY) taking from one Redis list:
    every task runs once, in one of the clusters, and every message goes out once."""
    with schema_context("huangpu"):
        rows = [
            Delivery.objects.create(
                key=f"rtwice:{n:02}", channel="sms", address="13812345678", subject="s", body="提醒"
            )
            for n in range(20)
        ]
    try:
        ids = [
            centre_task_enqueue(
                schema_name="huangpu", func="notifications.tasks.delivery_send", kwargs={"delivery_id": row.pk}
            )
            for row in rows * 2
        ]
        assert len(set(ids)) == 40 and queue.queue_size() == 40
        clusters.extend([scale_cluster_start(sms_file), scale_cluster_start(sms_file)])
        wait_until(lambda: Task.objects.filter(id__in=ids).count() == 40)
        for cluster in clusters:
            cluster_stop(cluster)

        assert sorted(Task.objects.values_list("result", flat=True)) == ["sent"] * 20 + ["skipped"] * 20
        assert set(Task.objects.values_list("cluster", flat=True)) == {Conf.CLUSTER_NAME}
        assert sent_keys(sms_file) == [f"rtwice:{n:02}" for n in range(20)]
        assert set(delivery_rows("rtwice:").values()) == {("sent", 1)}
        assert queue.queue_size() == 0
    finally:
        delete_deliveries("rtwice:")


# ---------------------------------------------------------------- the sweep


@pytest.fixture(scope="session")
def lane_centre(django_db_setup, django_db_blocker) -> tuple[str, tuple]:
    """A centre of the lane's own, with a liaison and three cadres, its reminders and items cleared; and what one
    clean sweep at MOMENT makes there (run in a transaction rolled back)."""
    with django_db_blocker.unblock():
        if not Centre.objects.filter(schema_name=LANE_CENTRE).exists():
            centre_create(code=LANE_CENTRE, name="静安区军休中心")
        with schema_context(LANE_CENTRE):
            if not Staff.objects.filter(name="钱联络").exists():
                home = RestHome.objects.create(name="静安休养所")
                user = make_user(LANE_CENTRE, "lane-liaison", groups=(role_group_name(Role.CASEWORKER),))
                liaison = Staff.objects.create(user=user, name="钱联络", rest_home=home, phone="13900002222")
                new_cadre("孙立德", seq=41, rest_home=home, liaison=liaison, mobile="13812340001", lives_alone=True)
                new_cadre("周正华", seq=51, rest_home=home, liaison=liaison, mobile="13812340002")
                new_cadre("吴明", seq=61, rest_home=home, liaison=liaison)
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE notifications_delivery, notifications_dueitem CASCADE")
                cursor.execute("UPDATE notifications_reminderrule SET made_on = NULL, made_for = '', made_at = NULL")
            now = dt.datetime.fromisoformat(MOMENT)
            with transaction.atomic():
                assert due_items_sweep(now=now).created > 0
                reminders_send(now=now)
                clean = sweep_outcome()
                transaction.set_rollback(True)
            assert sweep_outcome() == ([], [])
    return LANE_CENTRE, clean


def sweep_outcome() -> tuple[list[tuple], list[str]]:
    """The centre's due items (rule, subject, period) and its deliveries' keys, sorted; a key naming an item by its
    id names it by rule and subject instead (ids differ between runs)."""
    items = sorted(DueItem.objects.values_list("rule__key", "subject_type", "subject_id", "period_key"))
    keys = []
    for key, rule, subject in Delivery.objects.values_list("key", "due_item__rule__key", "due_item__subject_id"):
        kind, *rest = key.split(":")
        keys.append(":".join([kind, rule, str(subject), *rest[1:]]) if rule else key)
    return items, sorted(keys)


def cadre_sms_keys(centre: str) -> list[str]:
    with schema_context(centre):
        return sorted(Delivery.objects.filter(channel="sms").values_list("key", flat=True))


def locked_insert_pid(dsn: dict) -> int | None:
    """The backend of a worker waiting for the lock on the deliveries table, if any."""
    query = "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s AND datname = %s LIMIT 1"
    with psycopg.connect(**dsn, autocommit=True) as probe:
        row = probe.execute(query, ['INSERT INTO "notifications_delivery"%', dsn["dbname"]]).fetchone()
        return row[0] if row else None


def test_a_sweep_killed_mid_run_on_redis_is_lost_and_the_next_run_makes_each_item_and_reminder_once(
    sms_file, queue, clusters, lane_centre
):
    """A worker is SIGKILLed while its sweep is queueing the day's reminders (held on a lock on the deliveries
    table). On Redis the sweep's task is gone; the next run makes exactly what one clean sweep makes: each due item
    once, each reminder once, each cadre's SMS sent once; a third run makes and sends nothing."""
    lane_centre, clean = lane_centre
    assert len([key for key in clean[1] if key.startswith("cadre:")]) == 2  # the two cadres with a mobile

    db = settings.DATABASES["default"]
    dsn = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"] or 5432}
    locker = psycopg.connect(**dsn)
    try:
        locker.execute(f'LOCK TABLE "{lane_centre}".notifications_delivery IN SHARE ROW EXCLUSIVE MODE')
        first = centre_task_enqueue(schema_name=lane_centre, func="tests.scale.tasks.sweep_run_at", args=(MOMENT,))
        clusters.append(scale_cluster_start(sms_file))
        blocked = wait_until(lambda: locked_insert_pid(dsn))
        assert queue.queue_size() == 0  # the task is out of Redis, in the worker's hands only
        cluster_stop(clusters[0], kill=True)
    finally:
        locker.rollback()
        locker.close()
    # The killed worker's backend ends at its next word to the dead client; its transaction is rolled back.
    with psycopg.connect(**dsn, autocommit=True) as probe:
        gone = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s"
        wait_until(lambda: probe.execute(gone, [blocked]).fetchone()[0], timeout=60)
    with schema_context(lane_centre):
        after_kill = sweep_outcome()
    assert not Task.objects.filter(id=first).exists()
    assert queue.queue_size() == 0
    assert after_kill[1] == []  # no reminder was recorded
    assert after_kill[0] == clean[0]  # the items' transaction had committed before the reminders began

    clusters.append(scale_cluster_start(sms_file))
    second = centre_task_enqueue(schema_name=lane_centre, func="tests.scale.tasks.sweep_run_at", args=(MOMENT,))
    done = wait_until(lambda: Task.objects.filter(id=second).first())
    wait_until(lambda: len(sent_keys(sms_file)) == 2)
    third = centre_task_enqueue(schema_name=lane_centre, func="tests.scale.tasks.sweep_run_at", args=(MOMENT,))
    again = wait_until(lambda: Task.objects.filter(id=third).first())
    cluster_stop(clusters[1])

    assert (done.success, done.result) == (True, {"created": 0, "reminders": len(clean[1])})
    assert (again.success, again.result) == (True, {"created": 0, "reminders": 0})
    with schema_context(lane_centre):
        assert sweep_outcome() == clean
        assert set(Delivery.objects.filter(channel="sms").values_list("status", "attempts")) == {("sent", 1)}
    assert sent_keys(sms_file) == cadre_sms_keys(lane_centre)

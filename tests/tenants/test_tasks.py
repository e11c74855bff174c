"""Tasks queued for a centre run inside that centre's schema, and refuse to run without one."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from tenants.tasks import CentreContextError, centre_task_enqueue, centre_task_run, current_centre_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_runner_opens_the_centres_schema_and_returns_to_public(centres):
    result = centre_task_run("putuo", "tests.tenants.centre_jobs.describe_centre", "早上好")
    assert result == {"schema": "putuo", "home": "普陀区军休中心", "greeting": "早上好"}
    assert connection.schema_name == "public"


@pytest.mark.django_db
@pytest.mark.parametrize("schema", ["", None, "public", "centre_template", "nowhere"])
def test_runner_refuses_without_a_centre(centres, schema):
    with pytest.raises(CentreContextError):
        centre_task_run(schema, "tests.tenants.centre_jobs.schema_name")
    with pytest.raises(CentreContextError):
        centre_task_enqueue(schema_name=schema, func="tests.tenants.centre_jobs.schema_name")
    assert OrmQ.objects.count() == 0


@pytest.mark.django_db
def test_centre_code_refuses_to_run_in_public(centres):
    with pytest.raises(CentreContextError):
        current_centre_schema()


@pytest.mark.django_db
def test_enqueue_accepts_only_primitive_arguments(centres):
    with pytest.raises(TypeError, match="primitive"):
        centre_task_enqueue(schema_name="huangpu", func="tests.tenants.centre_jobs.describe_centre", args=(object(),))
    assert OrmQ.objects.count() == 0


def wait_for_tasks(ids: list[str], timeout: float = 60.0) -> dict[str, Task]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = {task.id: task for task in Task.objects.filter(id__in=ids)}
        if len(done) == len(ids):
            return done
        time.sleep(0.3)
    raise AssertionError(f"the cluster finished {len(done)} of {len(ids)} tasks in {timeout}s")


# Committed for real so the worker sees them; only django_q's tables are flushed afterwards.
@pytest.mark.django_db(transaction=True, available_apps=["django_q"])
def test_a_real_qcluster_runs_each_task_in_its_centre():
    """Queue (committed) tasks for two centres and a schema-less one; a real `qcluster` process runs them."""
    ids = [
        centre_task_enqueue(schema_name="huangpu", func="tests.tenants.centre_jobs.describe_centre", args=("你好",)),
        centre_task_enqueue(
            schema_name="changning", func="tests.tenants.centre_jobs.describe_centre", kwargs={"greeting": "再见"}
        ),
        async_task("tenants.tasks.centre_task_run", "", "tests.tenants.centre_jobs.schema_name"),
    ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "junxiu.settings.test",
        "JUNXIU_DB_NAME": settings.DATABASES["default"]["NAME"],
    }
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        tasks = wait_for_tasks(ids)
    finally:
        cluster.terminate()  # the cluster's own shutdown stops its workers
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
    assert tasks[ids[0]].success is True
    assert tasks[ids[0]].result == {"schema": "huangpu", "home": "黄浦区军休中心", "greeting": "你好"}
    assert tasks[ids[1]].result == {"schema": "changning", "home": "长宁区军休中心", "greeting": "再见"}
    assert tasks[ids[2]].success is False
    assert "a centre task needs the schema name of a centre" in tasks[ids[2]].result

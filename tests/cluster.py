"""A real django-q2 cluster for tests: started on the test database, stopped (or killed mid-task), and waiting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[1]


def cluster_start(
    sms_file: Path, *, settings_module: str = "tests.notifications.cluster_settings", log: bool = False
) -> subprocess.Popen:
    """A qcluster on the test database, in a process group of its own (cluster_stop(kill=True) ends it and its
    workers); `log`: its stderr goes to a file beside `sms_file`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "JUNXIU_DB_NAME": django_settings.DATABASES["default"]["NAME"],
        "JUNXIU_SMS_FILE": str(sms_file),
    }
    stderr = open(sms_file.with_name(f"qcluster-{time.monotonic_ns()}.log"), "w") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )


def cluster_stop(cluster: subprocess.Popen, *, kill: bool = False) -> None:
    if not kill:
        cluster.terminate()
        try:
            cluster.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            pass
    os.killpg(cluster.pid, signal.SIGKILL)  # the cluster and its workers, at once, mid-task
    cluster.wait()


def wait_until(check, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise AssertionError(f"not reached in {timeout}s")

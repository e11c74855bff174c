"""The scale lane (`make test-scale`): Redis and PgBouncer on loopback (deploy/scale/services.py), whose addresses
the lane exports; without them (the normal suite) these tests are not collected."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[2]
LANE = bool(os.environ.get("JUNXIU_REDIS_URL") and os.environ.get("JUNXIU_SCALE_PGBOUNCER_SESSION"))

collect_ignore_glob = [] if LANE else ["test_*.py"]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.scale)


def scale_cluster_start(sms_file: Path) -> subprocess.Popen:
    """A real qcluster on the Redis broker (the settings read JUNXIU_REDIS_URL from the inherited environment)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.scale.cluster_settings",
        "JUNXIU_DB_NAME": django_settings.DATABASES["default"]["NAME"],
        "JUNXIU_SMS_FILE": str(sms_file),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(sms_file.with_name(f"qcluster-{time.monotonic_ns()}.log"), "w"),  # noqa: SIM115 - the child's
        start_new_session=True,
    )

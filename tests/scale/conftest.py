"""The scale lane (`make test-scale`): Redis and PgBouncer on loopback (deploy/scale/services.py), whose addresses
the lane exports; without them (the normal suite) these tests are not collected."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cluster import cluster_start

ROOT = Path(__file__).resolve().parents[2]
LANE = bool(os.environ.get("JUNXIU_REDIS_URL") and os.environ.get("JUNXIU_SCALE_PGBOUNCER_SESSION"))

collect_ignore_glob = [] if LANE else ["test_*.py"]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.scale)


def scale_cluster_start(sms_file: Path) -> subprocess.Popen:
    """A real qcluster on the Redis broker (the settings read JUNXIU_REDIS_URL from the inherited environment)."""
    return cluster_start(sms_file, settings_module="tests.scale.cluster_settings", log=True)

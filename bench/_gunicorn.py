"""Serve the project as in production for a benchmark: gunicorn with 2 worker processes on loopback, DEBUG off."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_start(**env_extra: str) -> tuple[subprocess.Popen, int]:
    """Start gunicorn (the current environment plus `env_extra`) and wait until it answers; returns it and its port."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "junxiu.settings.dev",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        **env_extra,
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
            "junxiu.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return gunicorn_wait(server, port)


def gunicorn_wait(server: subprocess.Popen, port: int) -> tuple[subprocess.Popen, int]:
    """Wait (up to three minutes: a shared machine under load) until the server on `port` answers; returns it and
    its port. A worker's first answer loads the URLs and the apps, seconds when the cores are busy."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            probe.request("GET", "/", headers={"Host": "nowhere.localhost"})
            probe.getresponse().read()
            return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def gunicorn_stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)

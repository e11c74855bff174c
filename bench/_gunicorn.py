"""Serve the project as in production for a benchmark: gunicorn with 2 worker processes on loopback, DEBUG off
(gunicorn_start), or with the deployed configuration and its own process group (gunicorn_deployed_start)."""

from __future__ import annotations

import http.client
import os
import signal
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
    gunicorn_stop(server)
    raise SystemExit("gunicorn did not start")


def gunicorn_deployed_start(
    *, workers: int, threads: int, worker_class: str = "gthread", args: tuple[str, ...] = (), **env_extra: str
) -> tuple[subprocess.Popen, int]:
    """gunicorn with deploy/gunicorn.conf.py (gthread unless told), `workers` x `threads`, no access log, on loopback,
    DEBUG off, in a process group of its own (gunicorn_stop ends the master and every worker). Returns it and its
    port. `args`: more of gunicorn's options. (gunicorn runs sync workers with more than one thread as gthread: give
    sync threads=1.)"""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "junxiu.settings.dev",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_LOG_LEVEL": "warning",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        **env_extra,
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"]
        + ["--worker-class", worker_class, "--access-logfile", "/dev/null", *args, "junxiu.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return gunicorn_wait(server, port)


def gunicorn_workers(server: subprocess.Popen) -> list[int]:
    """The process ids of the master's workers now."""
    try:
        text = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def gunicorn_stop(server: subprocess.Popen) -> None:
    """Stop gracefully; after 30 s (or when the master is gone) kill what is left of its process group."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    try:  # a group exists under the master's id only when it was started as one (gunicorn_deployed_start)
        os.killpg(server.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass

"""Where the database is: DATABASE_URL when set, otherwise an embedded PostgreSQL under var/."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ENGINE = "django_tenants.postgresql_backend"
CITUS_ENGINE = "junxiu.citus_backend"  # the same, running multi-statement DDL one statement at a time
RECOVERY_WAIT_S = 600


def embedded_server_uri(data_dir: Path) -> str:
    """Start (or reuse) the pgserver cluster in data_dir and return its URI; it outlives this process."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); /tmp is fine for the lock file.
        warnings.simplefilter("ignore")
        import pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # pgserver gives pg_ctl 10 s to start the server. After an unclean stop (a machine switched off) PostgreSQL first
    # syncs and replays its data directory, which takes longer on a big one; the server keeps starting on its own,
    # so wait for it instead of failing.
    deadline = time.monotonic() + RECOVERY_WAIT_S
    try:
        return pgserver.get_server(data_dir, cleanup_mode=None).get_uri()
    except subprocess.TimeoutExpired:
        print(f"The embedded PostgreSQL in {data_dir} is recovering from an unclean stop…", file=sys.stderr)
    from pgserver.utils import PostmasterInfo

    while time.monotonic() < deadline:
        info = PostmasterInfo.read_from_pgdata(data_dir)
        if info is not None and info.is_running() and info.status == "ready":
            return pgserver.get_server(data_dir, cleanup_mode=None).get_uri()
        time.sleep(2)
    raise RuntimeError(f"The embedded PostgreSQL in {data_dir} did not start; see {data_dir / 'log'}")


def ensure_database(uri: str, name: str) -> None:
    """Create database `name` on the server at uri if it does not exist yet."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(uri, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_settings(*, data_dir: Path, name: str) -> dict:
    """Django DATABASES['default'] for DATABASE_URL, or for the embedded server in data_dir."""
    url = os.environ.get("DATABASE_URL")
    # Connections are kept between requests (a new PostgreSQL backend per request costs milliseconds).
    persistent = {"CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "60")), "CONN_HEALTH_CHECKS": True}
    if url:
        import dj_database_url

        config = dj_database_url.parse(url)
        citus = os.environ.get("JUNXIU_DATABASE_CITUS", "").lower() in ("1", "true", "yes")
        config.update(ENGINE=CITUS_ENGINE if citus else ENGINE, **persistent)
        return config
    uri = embedded_server_uri(data_dir)
    ensure_database(uri, name)
    parts = urlsplit(uri)
    socket_dir = parse_qs(parts.query)["host"][0]
    return {
        "ENGINE": ENGINE,
        "NAME": name,
        "USER": parts.username or "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": str(parts.port or ""),
        **persistent,
    }

#!/usr/bin/env python3
"""The scale lane's servers on loopback: Redis and two PgBouncers in front of the lane's embedded PostgreSQL.

    deploy/scale/services.py start    # install (apt, as root, when missing), start; prints the variables to export
    deploy/scale/services.py stop     # Redis, the PgBouncers and the lane's PostgreSQL
    deploy/scale/services.py env      # the variables, without starting anything

Redis (Debian's redis-server) listens on JUNXIU_SCALE_PORT (default 9710); PgBouncer (Debian's) in session mode on
the next port, in transaction mode on the one after (9711, 9712). Both PgBouncers sit in front of the embedded
PostgreSQL that the tests themselves use (JUNXIU_PGDATA): pgserver listens only on a unix socket in its data
directory, which PgBouncer reaches as `host=<data dir>`, so no second PostgreSQL is needed. The data directory is
private to its owner (0700), so PgBouncer runs as that user (pgserver's own `pgserver` user when we are root;
PgBouncer refuses to run as root anyway). Everything lives under var/scale/ (JUNXIU_SCALE_DIR). Trust
authentication, loopback only: a test lane, not a production set-up (deploy/pgbouncer.ini is that).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = Path(os.environ.get("JUNXIU_SCALE_DIR", ROOT / "var" / "scale"))
PGDATA = Path(os.environ.get("JUNXIU_PGDATA", ROOT / "var" / "pgtest-scale"))
PORT = int(os.environ.get("JUNXIU_SCALE_PORT", "9710"))
HOST = "127.0.0.1"
REDIS_PORT, SESSION_PORT, TRANSACTION_PORT = PORT, PORT + 1, PORT + 2
PACKAGES = {"redis-server": "/usr/bin/redis-server", "pgbouncer": "/usr/sbin/pgbouncer"}
# Transaction mode gets one server connection, so two clients always share it (the leak the lane shows is then
# certain, not a matter of timing); session mode gets enough for every client of the tests.
POOLS = {"session": (SESSION_PORT, 8), "transaction": (TRANSACTION_PORT, 1)}


def install() -> None:
    """Debian's redis-server and pgbouncer, with apt, when missing (needs root, as CI has)."""
    missing = [name for name, binary in PACKAGES.items() if not Path(binary).exists()]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(
            f"Missing {' '.join(missing)}: as root, apt-get install -y --no-install-recommends {' '.join(missing)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if subprocess.run(apt, env=env, capture_output=True).returncode != 0:  # noqa: S603 - fixed command
        subprocess.run(["apt-get", "update"], env=env, check=True, capture_output=True)  # noqa: S607
        subprocess.run(apt, env=env, check=True, capture_output=True)  # noqa: S603


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def _wait(port: int, what: str) -> None:
    deadline = time.monotonic() + 30
    while not _listening(port):
        if time.monotonic() > deadline:
            sys.exit(f"{what} did not start on {HOST}:{port}; see {BASE}")
        time.sleep(0.1)


def _postgres_socket_dir() -> Path:
    """Start (or reuse) the lane's embedded PostgreSQL; its unix socket is in its data directory."""
    from junxiu.database import embedded_server_uri  # loads no Django settings

    embedded_server_uri(PGDATA)
    return PGDATA


def _owner_of(path: Path) -> pwd.struct_passwd:
    return pwd.getpwuid(path.stat().st_uid)


def _start_redis() -> None:
    if _listening(REDIS_PORT):  # left running by an earlier lane: start from an empty queue and cache all the same
        subprocess.run(["redis-cli", "-h", HOST, "-p", str(REDIS_PORT), "FLUSHALL"], check=True, capture_output=True)  # noqa: S603,S607
        return
    folder = BASE / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - our own fixed paths
        [
            PACKAGES["redis-server"],
            "--bind", HOST,
            "--port", str(REDIS_PORT),
            "--dir", str(folder),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "yes",
            "--pidfile", str(folder / "redis.pid"),
            "--logfile", str(folder / "redis.log"),
        ],
        check=True,
    )  # fmt: skip
    _wait(REDIS_PORT, "Redis")


def _start_pgbouncer(mode: str, socket_dir: Path) -> None:
    port, pool_size = POOLS[mode]
    if _listening(port):
        return
    owner = _owner_of(socket_dir)
    folder = BASE / f"pgbouncer-{mode}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host={socket_dir} port=5432",
                "[pgbouncer]",
                f"listen_addr = {HOST}",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {folder / 'userlist.txt'}",
                f"pool_mode = {mode}",
                "server_reset_query = DISCARD ALL",
                f"default_pool_size = {pool_size}",
                "max_client_conn = 200",
                f"logfile = {folder / 'pgbouncer.log'}",
                f"pidfile = {folder / 'pgbouncer.pid'}",
                "",
            ]
        )
    )
    if os.geteuid() == 0:
        for path in [BASE, folder, *folder.iterdir()]:
            os.chown(path, owner.pw_uid, owner.pw_gid)
    prefix = ["runuser", "-u", owner.pw_name, "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, PACKAGES["pgbouncer"], "-d", str(folder / "pgbouncer.ini")], check=True)  # noqa: S603
    _wait(port, f"PgBouncer ({mode})")


def env() -> dict[str, str]:
    return {
        "JUNXIU_PGDATA": str(PGDATA),
        "JUNXIU_REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/0",
        "JUNXIU_SCALE_PGBOUNCER_SESSION": f"{HOST}:{SESSION_PORT}",
        "JUNXIU_SCALE_PGBOUNCER_TRANSACTION": f"{HOST}:{TRANSACTION_PORT}",
    }


def start() -> dict[str, str]:
    started = time.monotonic()
    install()
    socket_dir = _postgres_socket_dir()
    _start_redis()
    for mode in POOLS:
        _start_pgbouncer(mode, socket_dir)
    print(f"services_start_s: {time.monotonic() - started:.1f}", file=sys.stderr)
    return env()


def _stop_pid(pidfile: Path) -> None:
    try:
        pid = int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def _stop_postgres() -> None:
    """Stop the lane's embedded PostgreSQL (the next start takes a few seconds; its data stays for --reuse-db)."""
    if not (PGDATA / "postmaster.pid").exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
        from pgserver import pg_ctl

    owner = _owner_of(PGDATA).pw_name
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, **({"user": owner} if os.geteuid() == 0 else {}))


def stop() -> None:
    for mode in POOLS:
        _stop_pid(BASE / f"pgbouncer-{mode}" / "pgbouncer.pid")
    _stop_pid(BASE / "redis" / "redis.pid")
    _stop_postgres()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        variables = start()
    elif command == "env":
        variables = env()
    elif command == "stop":
        stop()
        return 0
    elif command == "destroy":
        stop()
        shutil.rmtree(BASE, ignore_errors=True)
        return 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for name, value in variables.items():
        print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

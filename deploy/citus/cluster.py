#!/usr/bin/env python3
"""A Citus cluster on loopback: a coordinator and two workers, three PostgreSQL 15 clusters under var/citus/.

    deploy/citus/cluster.py start     # init (first time), start, add the nodes; prints DATABASE_URL=...
    deploy/citus/cluster.py stop
    deploy/citus/cluster.py status    # the nodes as the coordinator sees them
    deploy/citus/cluster.py url       # the DATABASE_URL of the coordinator
    deploy/citus/cluster.py destroy   # stop and remove var/citus/

Needs Citus installed into Debian's PostgreSQL 15 (deploy/citus/build.sh). Ports: JUNXIU_CITUS_PORT (default 9700)
for the coordinator, the next two for the workers. The database is JUNXIU_CITUS_DB (default junxiu); it is created
on every node with the citus extension, as Citus requires. Schema-based sharding is not switched on for the whole
database: public and the centre template stay local tables on the coordinator (migrated as on plain PostgreSQL), and
the project distributes each centre's schema itself when it makes one (tenants.services). PostgreSQL refuses to run as
root: as root the clusters belong to the `postgres` system user. Trust authentication, loopback only: a test lane,
not a production set-up (deploy/README.md says what production needs).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path("/usr/lib/postgresql/15/bin")
BASE = Path(os.environ.get("JUNXIU_CITUS_DIR", ROOT / "var" / "citus"))
PORT = int(os.environ.get("JUNXIU_CITUS_PORT", "9700"))
DB = os.environ.get("JUNXIU_CITUS_DB", "junxiu")
NODES = {"coordinator": PORT, "worker1": PORT + 1, "worker2": PORT + 2}
HOST = "127.0.0.1"
SETTINGS = {
    "shared_preload_libraries": "'citus'",
    "listen_addresses": f"'{HOST}'",
    "max_connections": "200",
    "max_prepared_transactions": "200",
    "wal_level": "logical",  # citus_move_shard_placement uses logical replication
    "fsync": "off",  # a test lane on loopback: speed over durability
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "citus.shard_replication_factor": "1",
    "log_min_messages": "warning",
}


def _as_owner() -> list[str]:
    """The command prefix that runs PostgreSQL's tools as a non-root user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(_as_owner() + args, check=True, text=True, capture_output=True, **kwargs)  # noqa: S603


def psql(port: int, sql: str, *, db: str = DB) -> str:
    out = _run(
        [str(BIN / "psql"), "-h", HOST, "-p", str(port), "-U", "postgres", "-d", db, "-XAtq", "-v", "ON_ERROR_STOP=1"],
        input=sql,
    )
    return out.stdout.strip()


def url() -> str:
    return f"postgres://postgres@{HOST}:{PORT}/{DB}"


def _init(name: str, port: int) -> None:
    data = BASE / name
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (BASE, data):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    _run([str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("\n# junxiu's Citus test lane\n")
        conf.write(f"port = {port}\n")
        for key, value in SETTINGS.items():
            conf.write(f"{key} = {value}\n")


def _running(name: str) -> bool:
    result = subprocess.run(  # noqa: S603 - our own fixed paths
        _as_owner() + [str(BIN / "pg_ctl"), "status", "-D", str(BASE / name)], capture_output=True, text=True
    )
    return result.returncode == 0


def start() -> str:
    if not (BIN / "postgres").exists() or not (Path(_pkglibdir()) / "citus.so").exists():
        sys.exit("Citus is not installed in Debian's PostgreSQL 15: run deploy/citus/build.sh first")
    started = time.monotonic()
    for name, port in NODES.items():
        _init(name, port)
        if not _running(name):
            log = BASE / f"{name}.log"
            _run([str(BIN / "pg_ctl"), "start", "-w", "-t", "120", "-D", str(BASE / name), "-l", str(log)])
    for port in NODES.values():
        exists = f"SELECT 1 FROM pg_database WHERE datname = '{DB}'"  # noqa: S608 - the operator's own setting
        if psql(port, exists, db="postgres") != "1":
            psql(port, f'CREATE DATABASE "{DB}"', db="postgres")
        psql(port, "CREATE EXTENSION IF NOT EXISTS citus")
    # pghistory's triggers: Citus refuses triggers on distributed tables unless told. A centre's tables and their
    # event tables are in the same distributed schema, so on the same worker: the trigger's INSERT stays local.
    psql(PORT, f'ALTER DATABASE "{DB}" SET citus.enable_unsafe_triggers TO on')
    psql(PORT, f"SELECT citus_set_coordinator_host('{HOST}', {PORT})")
    known = set(psql(PORT, "SELECT nodeport FROM pg_dist_node WHERE noderole = 'primary'").split())
    for name, port in NODES.items():
        if name != "coordinator" and str(port) not in known:
            psql(PORT, f"SELECT citus_add_node('{HOST}', {port})")
    print(f"cluster_start_s: {time.monotonic() - started:.1f}", file=sys.stderr)
    return url()


def stop() -> None:
    for name in NODES:
        if (BASE / name / "PG_VERSION").exists() and _running(name):
            _run([str(BIN / "pg_ctl"), "stop", "-m", "fast", "-D", str(BASE / name)])


def status() -> str:
    return psql(PORT, "SELECT nodename || ':' || nodeport || ' ' || noderole FROM pg_dist_node ORDER BY nodeport")


def _pkglibdir() -> str:
    config = [str(BIN / "pg_config"), "--pkglibdir"]
    return subprocess.run(config, capture_output=True, text=True).stdout.strip()  # noqa: S603


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        print(f"DATABASE_URL={start()}")
    elif command == "stop":
        stop()
    elif command == "status":
        print(status())
    elif command == "url":
        print(url())
    elif command == "destroy":
        stop()
        shutil.rmtree(BASE, ignore_errors=True)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

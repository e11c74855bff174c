"""`make run`: start the embedded database, migrate, seed the demo centres, then serve web + django-q2 cluster.

Ctrl-C stops the web server, the cluster, and the embedded database if this run started it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("JUNXIU_HOST", "127.0.0.1")
PORT = os.environ.get("JUNXIU_PORT", "8000")
PYTHON = sys.executable


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def embedded_database_running(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except (ProcessLookupError, ValueError, PermissionError):
        return False
    return True


def stop_embedded_database(pgdata: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
        import pgserver._commands as pg

    user = "pgserver" if os.geteuid() == 0 else None
    pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "junxiu.settings.dev", "JUNXIU_SITE_PORT": PORT}
    env.setdefault("PYTHONUNBUFFERED", "1")
    embedded = not env.get("DATABASE_URL")
    pgdata = Path(env.get("JUNXIU_PGDATA", ROOT / "var" / "pgdata"))
    started_database = embedded and not embedded_database_running(pgdata)

    # Ctrl-C (even where a parent shell ignores SIGINT) and SIGTERM both end the run through `finally`.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    children: list[subprocess.Popen] = []
    try:
        manage("migrate_schemas", "--noinput", "-v", "0", env=env)
        manage("centre_sync", "-v", "0", env=env)
        manage("seed_demo", env=env)
        # Each child in its own session: this script alone decides how and when they stop.
        for command in (["runserver", f"{HOST}:{PORT}"], ["qcluster"]):
            children.append(
                subprocess.Popen([PYTHON, "manage.py", *command], cwd=ROOT, env=env, start_new_session=True)
            )
        print_welcome(time.monotonic() - started)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1  # a child died on its own
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()  # runserver exits; qcluster stops its workers gracefully
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # runserver's autoreload child, if any
        if started_database:
            stop_embedded_database(pgdata)
            print("嵌入式数据库已停止 / embedded database stopped")


def print_welcome(seconds: float) -> None:
    demo = json.loads((ROOT / "site" / "demo.json").read_text(encoding="utf-8"))
    password = os.environ.get(demo["password_env"], demo["default_password"])
    bureau_user = demo["bureau_users"][0]["username"]
    lines = [
        "",
        f"军休服务管理平台已启动（准备用时 {seconds:.0f} 秒）/ junxiu is running",
        f"  市局门户 Bureau portal:  http://localhost:{PORT}/   用户 {bureau_user} / {password}",
    ]
    for centre in demo["centres"]:
        if centre.get("profile", {}).get("retired_on"):
            continue  # a retired centre is not served (its figures stay in the bureau's reports)
        lines.append(f"  {centre['name']}:  http://{centre['code']}.localhost:{PORT}/   后台 /admin/")
    users = ", ".join(user["username"] for user in demo["centre_users"])
    lines += [
        f"  各中心后台用户 Centre users: {users}  密码 password: {password}",
        "  按 Ctrl-C 停止 / Ctrl-C to stop",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())

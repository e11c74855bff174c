"""One centre's backup and restore: how long each takes for a demo centre (seed_demo's 黄浦: its 420 people and
two years of history).

Prints (medians) `backup_s`, `restore_s` (over itself, --force), `restore_as_s` (a copy under a new code),
`backup_mb`, `files`, `cadres` and `submissions` of the centre. Uses its own database (junxiu_bench_backup) and its
own media and private folders under var/bench-backup/, so no other centre's files are touched; the demo centre is
made once and kept for the next run.
Run: .venv/bin/python bench/centre_backup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
os.environ["JUNXIU_DB_NAME"] = "junxiu_bench_backup"
os.environ["JUNXIU_MEDIA_ROOT"] = str(ROOT / "var" / "bench-backup" / "media")
os.environ["JUNXIU_PRIVATE_FILES"] = str(ROOT / "var" / "bench-backup" / "private")
os.environ["JUNXIU_SPARE_SCHEMAS"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_q.models import Schedule  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from junxiu.models import DemoHistory  # noqa: E402

from forms_engine.models import Submission  # noqa: E402
from registry.models import Cadre  # noqa: E402
from tenants.backup import centre_backup, centre_restore  # noqa: E402
from tenants.models import Centre  # noqa: E402

CODE, COPY = "huangpu", "bkcopy"


def drop(code: str) -> None:
    Centre.objects.filter(schema_name=code).delete()
    Schedule.objects.filter(args__startswith=f"({code!r}, ").delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{code}" CASCADE')


def timed(function, **kwargs) -> float:
    started = time.perf_counter()
    function(**kwargs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)  # public + the template, not timed
    if not DemoHistory.objects.filter(centre__schema_name=CODE).exists():
        # Once, kept for the next run; 静安 too, since 黄浦's history moves cadres there.
        call_command("seed_demo", centre=[CODE, "jingan"], verbosity=0)
    drop(COPY)
    with schema_context(CODE):
        cadres, submissions = Cadre.objects.count(), Submission.objects.count()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"{CODE}.tar"
        backups, restores, copies = [], [], []
        for _run in range(args.runs):
            backups.append(timed(centre_backup, code=CODE, path=path))
            restores.append(timed(centre_restore, code=CODE, path=path, force=True))
            copies.append(timed(centre_restore, code=CODE, path=path, as_code=COPY))
            drop(COPY)
        made = centre_backup(code=CODE, path=path)
    print(f"backup_s: {statistics.median(backups):.2f}")
    print(f"restore_s: {statistics.median(restores):.2f}")
    print(f"restore_as_s: {statistics.median(copies):.2f}")
    print(f"backup_mb: {made.size / 1e6:.1f}")
    print(f"files: {len(made.manifest['files']) - 2}")
    print(f"cadres: {cadres}")
    print(f"submissions: {submissions}")


if __name__ == "__main__":
    main()

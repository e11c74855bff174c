"""Provisioning speed: a centre from a spare schema, by cloning the template schema, and by django-tenants' stock
path (all migrations).

Prints (medians) `clone_s` (centre_create as it runs: a spare ready, refilled between runs, untimed),
`clone_fallback_s` (no spare: the template cloned on demand), each step's time of both as `step_<name>_s` /
`fallback_step_<name>_s`, `spare_refill_s` (making one spare, the background task), `migrate_s` and
`clone_to_migrate_ratio`. Uses its own database on the embedded server.
Run: .venv/bin/python bench/provision.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
os.environ["JUNXIU_DB_NAME"] = "junxiu_bench"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from tenants.models import Centre  # noqa: E402
from tenants.services import centre_create, spare_schemas_refill  # noqa: E402


def drop(code: str) -> None:
    Centre.objects.filter(schema_name=code).delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{code}" CASCADE')


def clone_once(code: str, *, spare: bool, steps: dict[str, list[float]]) -> float:
    """One centre_create, with a spare made beforehand (untimed) or with none left; its steps' times into `steps`."""
    spare_schemas_refill(count=1 if spare else 0)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    created = centre_create(code=code, name="基准测试中心", timings=timings)
    elapsed = time.perf_counter() - started
    if created.from_spare != spare:
        raise SystemExit(f"expected from_spare={spare}, got {created.from_spare}")
    for name, seconds in timings.items():
        steps.setdefault(name, []).append(seconds)
    drop(code)
    return elapsed


def refill_once() -> float:
    spare_schemas_refill(count=0)
    started = time.perf_counter()
    spare_schemas_refill(count=1)
    return time.perf_counter() - started


def migrate_once(code: str) -> float:
    """django-tenants' stock path: the tenant row is saved, its schema made by running every migration."""
    started = time.perf_counter()
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        centre = Centre(schema_name=code, name="基准测试中心")
        centre.save()
        centre.create_schema(check_if_exists=True, verbosity=0)
    elapsed = time.perf_counter() - started
    connection.set_schema_to_public()
    drop(code)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate_schemas", interactive=False, verbosity=0)  # public + the template, not timed
    for code in ["benchwarm"] + [f"bench{kind}{i}" for kind in ("clone", "fallback", "migrate") for i in range(20)]:
        drop(code)
    clone_once("benchwarm", spare=True, steps={})  # warm up: imports, the clone function, caches
    steps: dict[str, list[float]] = {}
    fallback_steps: dict[str, list[float]] = {}
    clone = statistics.median(clone_once(f"benchclone{i}", spare=True, steps=steps) for i in range(args.runs))
    fallback = statistics.median(
        clone_once(f"benchfallback{i}", spare=False, steps=fallback_steps) for i in range(args.runs)
    )
    refill = statistics.median(refill_once() for _ in range(args.runs))
    spare_schemas_refill(count=0)
    migrate = statistics.median(migrate_once(f"benchmigrate{i}") for i in range(max(3, args.runs // 2)))
    print(f"clone_s: {clone:.3f}")
    for name, values in steps.items():
        print(f"step_{name.replace('step:', '')}_s: {statistics.median(values):.3f}")
    print(f"clone_fallback_s: {fallback:.3f}")
    for name, values in fallback_steps.items():
        print(f"fallback_step_{name.replace('step:', '')}_s: {statistics.median(values):.3f}")
    print(f"spare_refill_s: {refill:.3f}")
    print(f"migrate_s: {migrate:.3f}")
    print(f"clone_to_migrate_ratio: {clone / migrate:.3f}")


if __name__ == "__main__":
    main()

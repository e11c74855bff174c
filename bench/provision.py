"""Provisioning speed: a centre by cloning the template schema vs django-tenants' stock path (all migrations).

Prints `clone_s`, `migrate_s` (medians) and `clone_to_migrate_ratio`. Uses its own database on the embedded server.
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
from tenants.services import centre_create  # noqa: E402


def drop(code: str) -> None:
    Centre.objects.filter(schema_name=code).delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{code}" CASCADE')


def clone_once(code: str) -> float:
    started = time.perf_counter()
    centre_create(code=code, name="基准测试中心")
    elapsed = time.perf_counter() - started
    drop(code)
    return elapsed


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
    for code in ("benchclone", "benchmigrate"):
        drop(code)
    clone = statistics.median(clone_once(f"benchclone{i}") for i in range(args.runs))
    migrate = statistics.median(migrate_once(f"benchmigrate{i}") for i in range(max(3, args.runs // 2)))
    print(f"clone_s: {clone:.3f}")
    print(f"migrate_s: {migrate:.3f}")
    print(f"clone_to_migrate_ratio: {clone / migrate:.3f}")


if __name__ == "__main__":
    main()

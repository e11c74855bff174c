"""Citus figures: the build, the cluster's start, a centre made on Citus and on plain PostgreSQL, and the reports'
refresh of 16 centres on both, with the figures compared.

Prints, one per line:
  citus_build_first_s          the first build of Citus on this machine (build.sh keeps it in its cache) or n/a
  citus_build_cached_s         deploy/citus/build.sh with the build cached (what every later run costs)
  citus_cluster_init_s         a new cluster (initdb ×3, start, extension, nodes): with --fresh only
  citus_cluster_start_s        coordinator + 2 workers from stopped to ready (median of --runs)
  citus_create_centre_s        tenants.services.centre_create on Citus, a spare schema ready (median of --runs) …
  plain_create_centre_s        … and on the embedded PostgreSQL
  citus_create_centre_fallback_s / plain_create_centre_fallback_s   the same with no spare (the template cloned)
  citus_overview_refresh_16_s  reports.services.centre_facts_refresh of the 16 centres, one after another (median) …
  plain_overview_refresh_16_s  … on plain PostgreSQL, the same synthetic year (bench/_year.py: deterministic)
  citus_to_plain_refresh_ratio
  citus_plain_facts            facts of the year compared (every indicator, period and breakdown of the 16 centres)
  citus_plain_figures_equal    true when every one of them is equal on both

The cluster is its own (var/citus-bench, ports 9720-9722, database junxiu_benchcitus), kept between runs with its
centres (--fresh starts from nothing); the plain side uses the embedded server's database junxiu_benchcitus. Each side
runs in its own process (`--side citus|plain`), since a Django process has one database.
Run: .venv/bin/python bench/citus.py [--runs 3] [--centres 16] [--cadres 300] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = [sys.executable, str(ROOT / "deploy" / "citus" / "cluster.py")]
PORT = 9720
DB = "junxiu_benchcitus"
PREFIX = "benchcit"
CLUSTER_ENV = {
    "JUNXIU_CITUS_DIR": str(ROOT / "var" / "citus-bench"),
    "JUNXIU_CITUS_PORT": str(PORT),
    "JUNXIU_CITUS_DB": DB,
}


# ------------------------------------------------------------------------------------------- one side, in a process


def side(name: str, runs: int, centres: int, cadres: int) -> dict:
    """Make (once) the centres with their synthetic year on this side's database, then time and read the figures."""
    import django

    django.setup()
    from _year import TODAY, YEAR, centre_fill
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from forms_engine.library import bureau_template_push, bureau_template_save, form_template_get
    from registry.models import Cadre
    from reports.models import CentreRefresh, Fact
    from reports.services import centre_facts_refresh, indicators_sync
    from tenants.models import Centre
    from tenants.services import centre_create, spare_schemas_refill

    call_command("migrate_schemas", interactive=False, verbosity=0)
    indicators_sync()
    source = form_template_get(template_key="satisfaction-survey")
    template = bureau_template_save(
        key=settings.JUNXIU_SURVEY_TEMPLATE, title=source["title"], fields=source["fields"], purpose=source["purpose"]
    )

    def drop(code: str) -> None:
        Centre.objects.filter(schema_name=code).delete()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{code}" CASCADE')

    def create_once(code: str, *, spare: bool) -> float:
        spare_schemas_refill(count=1 if spare else 0)  # untimed: the background task's part
        started = time.perf_counter()
        created = centre_create(code=code, name="基准中心（计时）")
        elapsed = time.perf_counter() - started
        if created.from_spare != spare:
            raise SystemExit(f"{name}: expected from_spare={spare}, got {created.from_spare}")
        drop(code)
        return elapsed

    for i in range(runs + 1):
        drop(f"{PREFIX}tmp{i}")
    create_once(f"{PREFIX}tmp{runs}", spare=True)  # warm: imports, caches
    create = statistics.median(create_once(f"{PREFIX}tmp{i}", spare=True) for i in range(runs))
    fallback = statistics.median(create_once(f"{PREFIX}tmp{i}", spare=False) for i in range(runs))
    spare_schemas_refill(count=0)

    codes = [f"{PREFIX}{i:03d}" for i in range(1, centres + 1)]
    existing = set(Centre.objects.filter(schema_name__in=codes).values_list("schema_name", flat=True))
    made = time.perf_counter()
    for code in codes:
        if code not in existing:
            centre_create(code=code, name=f"基准中心{code[-3:]}")
    made = time.perf_counter() - made
    empty = []
    for code in codes:
        with schema_context(code):
            if not Cadre.objects.exists():
                empty.append(code)
    if empty:
        bureau_template_push(template=template, centres=empty)
        for code in empty:
            centre_fill(code, cadres, template.key)
    connection.set_schema_to_public()

    ordered = list(Centre.objects.filter(schema_name__in=codes).order_by("schema_name"))

    def refresh() -> float:
        started = time.perf_counter()
        for centre in ordered:
            state = centre_facts_refresh(centre=centre, year=YEAR, today=TODAY)
            if state.status != CentreRefresh.Status.OK:
                raise SystemExit(f"{name}: refresh of {centre.schema_name} failed: {state.error}")
        return time.perf_counter() - started

    refresh()  # warm
    refreshed = statistics.median(refresh() for _run in range(runs))
    facts = {
        f"{schema}|{period}|{indicator}|{breakdown}": value
        for schema, period, indicator, breakdown, value in Fact.objects.filter(
            year=YEAR, centre__schema_name__in=codes
        ).values_list("centre__schema_name", "period", "indicator", "breakdown", "value")
    }
    return {
        "create": create,
        "fallback": fallback,
        "refresh": refreshed,
        "made": len(codes) - len(existing),
        "made_s": made,
        "facts": facts,
    }


# ------------------------------------------------------------------------------------------------- the orchestrator


def _timed(args: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, env={**os.environ, **(env or {})}, capture_output=True)  # noqa: S603
    return time.perf_counter() - started


def _first_build() -> str:
    recorded = sorted(Path.home().glob(".cache/junxiu/citus-*-pg*/.build_s"))
    if not recorded:
        return "n/a (the cached build predates its record; rm -r ~/.cache/junxiu/citus-* to measure it)"
    return recorded[-1].read_text().split(":")[-1].strip()


def _run_side(name: str, args: argparse.Namespace) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "junxiu.settings.dev", "LOG_LEVEL": "WARNING"}
    env.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,.localhost,testserver")
    if name == "citus":
        env.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{PORT}/{DB}",
            JUNXIU_DATABASE_CITUS="true",
        )
    else:
        env.pop("DATABASE_URL", None)
        env.update(JUNXIU_DB_NAME=DB, JUNXIU_DATABASE_CITUS="false")
    command = [sys.executable, __file__, "--side", name, "--runs", str(args.runs)]
    command += ["--centres", str(args.centres), "--cadres", str(args.cadres)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"the {name} side failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"# {name}: {result['made']} centres made in {result['made_s']:.1f} s, {len(result['facts'])} facts")
    return result


def _equal(left: dict, right: dict) -> tuple[bool, list[str]]:
    differ = [
        key
        for key in sorted(set(left) | set(right))
        if key not in left
        or key not in right
        or (left[key] is None) != (right[key] is None)
        or (left[key] is not None and abs(left[key] - right[key]) > 1e-9)
    ]
    return not differ and bool(left), differ


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--centres", type=int, default=16)
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--fresh", action="store_true", help="a new cluster and new centres on both sides")
    parser.add_argument("--side", choices=["citus", "plain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(side(args.side, args.runs, args.centres, args.cadres)))
        return

    started = time.perf_counter()
    built = _timed([str(ROOT / "deploy" / "citus" / "build.sh")])
    init = None
    if args.fresh:
        subprocess.run([*CLUSTER, "destroy"], check=True, env={**os.environ, **CLUSTER_ENV})  # noqa: S603
        init = _timed([*CLUSTER, "start"], CLUSTER_ENV)
    else:
        _timed([*CLUSTER, "start"], CLUSTER_ENV)  # makes it on the first run
    starts = []
    for _run in range(args.runs):
        _timed([*CLUSTER, "stop"], CLUSTER_ENV)
        starts.append(_timed([*CLUSTER, "start"], CLUSTER_ENV))
    try:
        citus = _run_side("citus", args)
    finally:
        subprocess.run([*CLUSTER, "stop"], env={**os.environ, **CLUSTER_ENV})  # noqa: S603
    if args.fresh:
        _drop_plain_database()
    plain = _run_side("plain", args)
    equal, differ = _equal(citus["facts"], plain["facts"])
    for key in differ[:10]:
        print(f"# differs: {key}: citus {citus['facts'].get(key)} plain {plain['facts'].get(key)}")

    print(f"citus_build_first_s: {_first_build()}")
    print(f"citus_build_cached_s: {built:.1f}")
    if init is not None:
        print(f"citus_cluster_init_s: {init:.1f}")
    print(f"citus_cluster_start_s: {statistics.median(starts):.1f}")
    print(f"citus_create_centre_s: {citus['create']:.2f}")
    print(f"plain_create_centre_s: {plain['create']:.2f}")
    print(f"citus_create_centre_fallback_s: {citus['fallback']:.2f}")
    print(f"plain_create_centre_fallback_s: {plain['fallback']:.2f}")
    print(f"citus_overview_refresh_{args.centres}_s: {citus['refresh']:.2f}")
    print(f"plain_overview_refresh_{args.centres}_s: {plain['refresh']:.2f}")
    print(f"citus_to_plain_refresh_ratio: {citus['refresh'] / plain['refresh']:.2f}")
    print(f"citus_plain_facts: {len(citus['facts'])}")
    print(f"citus_plain_figures_equal: {str(equal).lower()}")
    print(f"# whole bench: {time.perf_counter() - started:.0f} s")


def _drop_plain_database() -> None:
    """--fresh: the plain side's centres go too (their rows and schemas; the spare and template schemas stay)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "junxiu.settings.dev", "JUNXIU_DB_NAME": DB}
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from tenants.models import Centre\n"
        f"ours = Centre.objects.filter(schema_name__startswith='{PREFIX}')\n"
        "codes = list(ours.values_list('schema_name', flat=True))\n"
        "ours.delete()\n"
        "cursor = connection.cursor()\n"
        "for code in codes: cursor.execute(f'DROP SCHEMA IF EXISTS \"{code}\" CASCADE')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=ROOT)  # noqa: S603


if __name__ == "__main__":
    main()

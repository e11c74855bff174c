"""Bureau report figures: refreshing centres' facts, the overview page over 16 and 200 centres, live cross-schema
queries against the facts, and the whole-year workbook.

Prints, one per line (medians of --runs runs unless said otherwise):
  refresh_one_centre_s   centre_facts_refresh of one centre (~300 cadres, a year of due items, complaints, surveys)
  refresh_16_s           the same for 16 centres, one after another (what one worker does for 16 centres)
  refresh_all_s          every centre once, one after another (one run: it makes the facts the pages read)
  overview_16_ms         GET / (bureau host) by a bureau head, warm, with 16 centres (the other centres are removed
                         inside a transaction that is rolled back) …
  overview_200_ms        … and with every centre
  overview_queries_16    SQL queries of one such GET (must not grow with the number of centres) …
  overview_queries_200
  facts_200_ms           the headline figures (cadres served, lives-alone share, on-time rate) of the year for every
                         centre and the city, read from the facts (reports.selectors.facts_grids + city_total)
  live_union_200_ms      the same figures computed live from every centre's tables in one UNION ALL
                         (tenants.selectors.centres_query) …
  naive_loop_200_ms      … and by one query per centre schema (schema_context loop)
  live_vs_facts_ratio    live_union_200_ms ÷ facts_200_ms
  year_workbook_s        reports.exports.workbook_write of the whole year for every centre ("n/a" until it exists)
  clone_at_200_s         with --time-clone: one more centre made by centre_create when the database already holds
                         every centre (made, timed, dropped; one run)
Uses its own database on the embedded server (junxiu_benchrep) and its own centres benchrep001…benchrep200, made once
and kept (a later run only recomputes facts): the first --cloned (16) by the clone path (centre_create) and filled with
synthetic rows in SQL, the others copied from the first by pg_dump and psql (schema renamed), since 200 clones one after
another took far too long here (2 s each at first, 20–30 s each at about 80 centres on a busy two-CPU machine).
No content pages are made: content figures are counts of a few pages and cost nothing to compute.
Run: .venv/bin/python bench/reports.py [--runs 5] [--centres 200] [--small 16] [--cadres 300] [--cloned 16]
     [--time-clone]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
os.environ["JUNXIU_DB_NAME"] = "junxiu_benchrep"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,.localhost,testserver")

import django  # noqa: E402

django.setup()

from _year import TODAY, YEAR, centre_fill  # noqa: E402 - bench/_year.py
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from forms_engine.library import (  # noqa: E402
    bureau_template_push,
    bureau_template_save,
    form_template_get,
)
from registry.models import Cadre  # noqa: E402
from reports.models import CentreRefresh, Fact, Indicator  # noqa: E402
from reports.periods import Period  # noqa: E402
from reports.roles import BureauRole, bureau_role_grant  # noqa: E402
from reports.selectors import city_total, facts_grids  # noqa: E402
from reports.services import centre_facts_refresh, indicators_sync  # noqa: E402
from tenants.models import Centre, Domain  # noqa: E402
from tenants.selectors import centres_query  # noqa: E402
from tenants.services import centre_create  # noqa: E402

PREFIX = "benchrep"
USERNAME = "bench-bureau"
HEADLINE = ["cadres_total", "lives_alone_rate", "on_time_rate"]


def _pg_tool(name: str) -> str:
    """A PostgreSQL client program: the embedded server's own, else the one on PATH (with DATABASE_URL)."""
    import pgserver

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
    return str(bundled) if bundled.exists() else name


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "PGHOST": str(db["HOST"]),
        "PGPORT": str(db.get("PORT") or "5432"),
        "PGUSER": str(db["USER"]),
        "PGPASSWORD": str(db.get("PASSWORD") or ""),
        "PGDATABASE": str(db["NAME"]),
    }


def _centres_copy(source: str, targets: list[str]) -> None:
    """More centres like `source`, schema and rows, by pg_dump and psql (schema renamed), with their Centre and
    Domain rows: about a second each, however many centres the database holds."""
    dump = subprocess.run(
        [_pg_tool("pg_dump"), "--schema", source, "--no-owner", "--no-privileges"],
        env=_pg_env(),
        capture_output=True,
        check=True,
    ).stdout
    for target in targets:
        subprocess.run(
            [_pg_tool("psql"), "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
            input=dump.replace(source.encode(), target.encode()),
            env=_pg_env(),
            capture_output=True,
            check=True,
        )
        with transaction.atomic():
            centre = Centre.objects.create(
                schema_name=target, name=f"基准报表中心{target[-3:]}", kind=Centre.Kind.CENTRE
            )
            Domain.objects.create(domain=f"{target}.{settings.JUNXIU_BASE_DOMAIN}", tenant=centre, is_primary=True)


def centres_ready(count: int, cadres: int, cloned: int) -> list[str]:
    """Make (once) `count` centres — the first `cloned` by the clone path (centre_create), the others as copies of
    the first — each with a synthetic year."""
    call_command("migrate_schemas", interactive=False, verbosity=0)
    indicators_sync()
    source = form_template_get(template_key="satisfaction-survey")
    template = bureau_template_save(
        key=settings.JUNXIU_SURVEY_TEMPLATE, title=source["title"], fields=source["fields"], purpose=source["purpose"]
    )
    codes = [f"{PREFIX}{i:03d}" for i in range(1, count + 1)]
    existing = set(Centre.objects.filter(schema_name__in=codes).values_list("schema_name", flat=True))
    missing = [code for code in codes[:cloned] if code not in existing]
    if missing:
        times = []
        for code in missing:
            started = time.perf_counter()
            centre_create(code=code, name=f"基准报表中心{code[-3:]}")
            times.append(time.perf_counter() - started)
        print(
            f"# cloned {len(missing)} centres in {sum(times):.1f} s: the first in {times[0]:.1f} s, "
            f"the last in {times[-1]:.1f} s"
        )
    empty = []
    for code in [c for c in codes if c in existing or c in missing]:
        with schema_context(code):
            if not Cadre.objects.exists():
                empty.append(code)
    if empty:
        started = time.perf_counter()
        bureau_template_push(template=template, centres=empty)
        for code in empty:
            centre_fill(code, cadres, template.key)
        print(f"# filled {len(empty)} centres with synthetic data in {time.perf_counter() - started:.1f} s")
    connection.set_schema_to_public()
    copies = [code for code in codes[cloned:] if code not in existing]
    if copies:
        started = time.perf_counter()
        _centres_copy(codes[0], copies)
        elapsed = time.perf_counter() - started
        print(f"# copied {len(copies)} centres from {codes[0]} in {elapsed:.1f} s ({elapsed / len(copies):.2f} s each)")
    with schema_context(codes[0]), connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM registry_cadre), (SELECT count(*) FROM notifications_dueitem), "
            "(SELECT count(*) FROM forms_engine_submission)"
        )
        people, items, submissions = cursor.fetchone()
    print(f"# each centre: ~{people} cadres, ~{items} due items, ~{submissions} submissions (complaints and surveys)")
    return codes


# ------------------------------------------------------------------------------------------------- measurements


def _refresh(codes: list[str]) -> float:
    centres = list(Centre.objects.filter(schema_name__in=codes))
    started = time.perf_counter()
    for centre in centres:
        state = centre_facts_refresh(centre=centre, year=YEAR, today=TODAY)
        if state.status != CentreRefresh.Status.OK:
            raise SystemExit(f"refresh of {centre.schema_name} failed: {state.error}")
    return time.perf_counter() - started


def _bureau_client() -> Client:
    user, _created = get_user_model().objects.get_or_create(username=USERNAME)
    bureau_role_grant(user=user, role=BureauRole.HEAD)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _overview(client: Client, runs: int) -> tuple[float, int]:
    """Median milliseconds of a warm GET of the overview of YEAR, and the queries of one GET."""
    path = f"/?year={YEAR}"
    response = client.get(path)  # warm
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}")
    shown = {code for code in Centre.objects.values_list("schema_name", flat=True) if code in response.text}
    print(f"# the overview names {len(shown)} centres ({len(response.content) / 1024:.0f} KB)")
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return statistics.median(times), len(queries.captured_queries)


class _Rollback(Exception):
    pass


def _overview_of_fewer(client: Client, keep: list[str], runs: int) -> tuple[float, int]:
    """The overview of a city of only the `keep` centres: the others' rows are removed in a transaction that is
    rolled back (their foreign keys are checked only at commit, which never comes)."""
    result = (0.0, 0)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM tenants_centre WHERE kind = 'centre' AND NOT (schema_name = ANY(%s))", [keep]
                )
            result = _overview(client, runs)
            raise _Rollback
    except _Rollback:
        pass
    return result


def _facts_headline(codes: list[str]) -> dict[str, float | None]:
    ids = list(Centre.objects.filter(schema_name__in=codes).values_list("pk", flat=True))
    period = Period(YEAR)
    grids = facts_grids(periods=[period], codes=HEADLINE, centre_ids=ids)
    return {code: city_total(grids[(period.key, code)], ids).value for code in HEADLINE}


# The same headline figures, counted from a centre's own tables (as of TODAY, as the facts are).
LIVE_SQL = """
SELECT
    (SELECT count(*) FROM {schema}.registry_cadre WHERE state IN ('active', 'abroad')) AS served,
    (SELECT count(*) FROM {schema}.registry_cadre
        WHERE state IN ('active', 'abroad') AND (lives_alone OR childless)) AS alone,
    (SELECT count(*) FROM {schema}.notifications_dueitem
        WHERE due_on BETWEEN %s AND %s AND state <> 'waived' AND (due_on < %s OR state = 'done')) AS due,
    (SELECT count(*) FROM {schema}.notifications_dueitem
        WHERE due_on BETWEEN %s AND %s AND state = 'done'
        AND (done_at AT TIME ZONE 'Asia/Shanghai')::date <= due_on) AS on_time
"""
LIVE_PARAMS = [dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), TODAY, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)]


def _city(rows: list[dict]) -> dict[str, float | None]:
    served = sum(r["served"] for r in rows)
    due = sum(r["due"] for r in rows)
    return {
        "cadres_total": served,
        "lives_alone_rate": sum(r["alone"] for r in rows) / served if served else None,
        "on_time_rate": sum(r["on_time"] for r in rows) / due if due else None,
    }


def _live_union(codes: list[str]) -> dict[str, float | None]:
    return _city(centres_query(query=LIVE_SQL, params=LIVE_PARAMS, schemas=codes))


def _naive_loop(codes: list[str]) -> dict[str, float | None]:
    rows = []
    local = LIVE_SQL.replace("{schema}.", "")
    for code in codes:
        with schema_context(code), connection.cursor() as cursor:
            cursor.execute(local, LIVE_PARAMS)
            columns = [col.name for col in cursor.description]
            rows.append(dict(zip(columns, cursor.fetchone(), strict=True)))
    connection.set_schema_to_public()
    return _city(rows)


def _timed_ms(func, runs: int):
    result = func()  # warm
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _workbook(runs: int) -> str:
    """Seconds for the whole-year workbook of every centre, or n/a while reports.exports has no workbook_write."""
    try:
        from reports.exports import workbook_write  # written alongside; measured once it exists
        from reports.filters import Filters
    except ImportError as exc:
        print(f"# year workbook not measured: {exc}")
        return "n/a"
    user = get_user_model().objects.get(username=USERNAME)
    times = []
    for _run in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            workbook_write(
                filters=Filters(period=Period(YEAR)), whole_year=True, user=user, target=Path(folder) / "y.xlsx"
            )
            times.append(time.perf_counter() - started)
            size = (Path(folder) / "y.xlsx").stat().st_size
    print(f"# year workbook: {size / 1024:.0f} KB")
    return f"{statistics.median(times):.2f}"


def _clone_once(code: str) -> float:
    """Make one more centre by the clone path (timed) and drop it again."""
    started = time.perf_counter()
    centre_create(code=code, name="基准报表中心（计时）")
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM tenants_domain WHERE tenant_id IN (SELECT id FROM tenants_centre WHERE schema_name = %s)",
            [code],
        )
        cursor.execute("DELETE FROM tenants_centre WHERE schema_name = %s", [code])
        cursor.execute(f'DROP SCHEMA IF EXISTS "{code}" CASCADE')
    return elapsed


def _same(live: dict, facts: dict) -> bool:
    return all(
        (live[k] is None and facts[k] is None) or (None not in (live[k], facts[k]) and abs(live[k] - facts[k]) < 1e-9)
        for k in HEADLINE
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--centres", type=int, default=200)
    parser.add_argument("--small", type=int, default=16)
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--cloned", type=int, default=16, help="centres made by centre_create; the rest are copies")
    parser.add_argument("--time-clone", action="store_true", help="also time one centre_create with every centre")
    args = parser.parse_args()
    started = time.perf_counter()
    codes = centres_ready(args.centres, args.cadres, args.cloned)
    small = codes[: args.small]

    refresh_all = _refresh(codes)  # every centre's facts, for the pages and the workbook
    one = statistics.median(_refresh(codes[:1]) for _run in range(args.runs))
    sixteen = statistics.median(_refresh(small) for _run in range(max(1, args.runs // 2)))
    facts = Fact.objects.filter(year=YEAR, centre__schema_name__in=codes).count()
    print(f"# {facts} facts of {YEAR} for {len(codes)} centres ({len(Indicator.objects.all())} indicators)")

    client = _bureau_client()
    overview_small, queries_small = _overview_of_fewer(client, small, args.runs)
    overview_all, queries_all = _overview(client, args.runs)
    if Centre.objects.filter(schema_name__in=codes).count() != len(codes):
        raise SystemExit("the centres removed for the small overview are not back")

    facts_ms, from_facts = _timed_ms(lambda: _facts_headline(codes), args.runs)
    union_ms, live = _timed_ms(lambda: _live_union(codes), args.runs)
    naive_ms, looped = _timed_ms(lambda: _naive_loop(codes), args.runs)
    if not (_same(live, from_facts) and _same(looped, from_facts)):
        print(f"# the live figures differ from the facts: live {live}, facts {from_facts}")
    print(f"refresh_one_centre_s: {one:.3f}")
    print(f"refresh_{args.small}_s: {sixteen:.2f}")
    print(f"refresh_all_s: {refresh_all:.1f}")
    print(f"overview_{args.small}_ms: {overview_small:.0f}")
    print(f"overview_{len(codes)}_ms: {overview_all:.0f}")
    print(f"overview_queries_{args.small}: {queries_small}")
    print(f"overview_queries_{len(codes)}: {queries_all}")
    print(f"facts_{len(codes)}_ms: {facts_ms:.1f}")
    print(f"live_union_{len(codes)}_ms: {union_ms:.0f}")
    print(f"naive_loop_{len(codes)}_ms: {naive_ms:.0f}")
    print(f"live_vs_facts_ratio: {union_ms / facts_ms:.1f}", flush=True)
    print(f"year_workbook_s: {_workbook(max(1, args.runs // 2))}", flush=True)  # last: written by another hand
    if args.time_clone:
        print(f"clone_at_{len(codes)}_s: {_clone_once(f'{PREFIX}clone'):.1f}")
    print(f"# whole bench: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

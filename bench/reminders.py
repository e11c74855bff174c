"""Reminder figures: the sweep over 16 centres × 5,000 cadres with a year of visit history, and delivery speed.

Prints, one per line (medians of --runs runs):
  sweep_s                 the first sweep of the day in every centre, one after another (items created, fulfilment
                          found from a year of visit records, overdue marked, escalations told)
  sweep_items_created     how many due items that sweep created (all centres)
  resweep_s               the same sweep again with nothing changed
  resweep_items_created   how many items the second sweep created (expected 0)
  resweep_queries         SQL statements the second sweep ran per centre
  deliveries_per_s        SMS messages through delivery_send to the file backend (claim, send, mark sent)
Uses its own database on the embedded server and its own centres, benchrem01…benchrem16; the data is made once and
kept (a later run only clears the due items and deliveries).
Run: .venv/bin/python bench/reminders.py [--runs 3] [--centres 16] [--cadres 5000] [--deliveries 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
os.environ["JUNXIU_DB_NAME"] = "junxiu_benchrem"
os.environ.setdefault("LOG_LEVEL", "WARNING")
SMS_FILE = Path(tempfile.gettempdir()) / "junxiu-bench-sms.jsonl"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from forms_engine.models import FormDefinition  # noqa: E402
from forms_engine.services import form_publish  # noqa: E402
from notifications.delivery import delivery_queue, delivery_send  # noqa: E402
from notifications.models import Delivery, DueItem, ReminderRule  # noqa: E402
from notifications.services import due_items_sweep  # noqa: E402
from registry.demo import demo_registry_create  # noqa: E402
from registry.models import Cadre  # noqa: E402
from tenants.models import Centre  # noqa: E402
from tenants.services import centre_create  # noqa: E402

TODAY = dt.date(2026, 11, 27)  # a Friday
HISTORY_DAYS = 365


def _visit_history_insert(form: FormDefinition) -> int:
    """A year of visit records, made in SQL: a daily call to each cadre living alone or childless on 97 days in 100,
    a weekly greeting, and a quarterly visit to each flagged cadre (done in its quarter 9 times in 10)."""
    version = form.current_version
    state = version.schema.get("workflow", {}).get("initial") or "received"
    sql = """
        INSERT INTO forms_engine_submission
            (form_id, version_id, data, cadre_id, state, receipt, channel, created_at, updated_at)
        SELECT %(form)s, %(version)s,
               jsonb_build_object('cadre', c.id, 'visit_type', v.kind, 'visit_date', to_char(v.day, 'YYYY-MM-DD')),
               c.id, %(state)s, substr(md5(c.id || v.kind || v.day::text || random()::text), 1, 12), 'admin',
               (v.day + time '10:00') AT TIME ZONE 'Asia/Shanghai', (v.day + time '10:00') AT TIME ZONE 'Asia/Shanghai'
        FROM registry_cadre c
        CROSS JOIN LATERAL (
            SELECT 'daily_call' AS kind, d::date AS day
            FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') d
            WHERE (c.lives_alone OR c.childless) AND random() < 0.97
            UNION ALL
            SELECT 'weekly_greeting', d::date
            FROM generate_series(%(start)s::date, %(end)s::date, interval '7 days') d
            WHERE (c.lives_alone OR c.childless OR c.bedridden)
            UNION ALL
            SELECT 'quarterly_visit', (q + (random() * 80)::int * interval '1 day')::date
            FROM generate_series(date_trunc('quarter', %(start)s::date), %(end)s::date, interval '3 months') q
            WHERE (c.lives_alone OR c.childless OR c.bedridden) AND random() < 0.9
        ) v
        WHERE v.day <= %(end)s::date
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "form": form.pk,
                "version": version.pk,
                "state": state,
                "start": TODAY - dt.timedelta(days=HISTORY_DAYS),
                "end": TODAY - dt.timedelta(days=1),
            },
        )
        return cursor.rowcount


def centres_ready(count: int, cadres: int) -> list[str]:
    """Make (once) `count` centres with `cadres` demo people each and a year of visit records."""
    call_command("migrate_schemas", interactive=False, verbosity=0)
    codes = [f"benchrem{i:02d}" for i in range(1, count + 1)]
    for code in codes:
        if not Centre.objects.filter(schema_name=code).exists():
            centre_create(code=code, name=f"基准提醒中心{code[-2:]}")
        with schema_context(code):
            have = Cadre.objects.count()
            if have < cadres:
                started = time.perf_counter()
                demo_registry_create(cadres=cadres, seed=int(code[-2:]))
                form = FormDefinition.objects.get(key="visit-record")
                if form.current_version is None:
                    form_publish(form=form)
                    form.refresh_from_db()
                with transaction.atomic():
                    rows = _visit_history_insert(form)
                print(f"# {code}: {cadres} cadres, {rows} visit records in {time.perf_counter() - started:.1f} s")
    return codes


def _clear(codes: list[str]) -> None:
    for code in codes:
        with schema_context(code):
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE notifications_delivery, notifications_dueitem")
            ReminderRule.objects.update(made_on=None)  # as before the day's first sweep: nothing made for today yet


def _sweep_all(codes: list[str], queries: list[int] | None = None) -> tuple[float, int]:
    created = 0

    def count(execute, sql, params, many, context):
        if queries is not None:
            queries.append(1)
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        for code in codes:
            with schema_context(code):
                created += due_items_sweep(today=TODAY).created
    return time.perf_counter() - started, created


def _deliveries(code: str, count: int) -> float:
    """Queue `count` SMS messages at 10:00 (outside quiet hours) and send each through delivery_send."""
    noon = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    SMS_FILE.unlink(missing_ok=True)
    with schema_context(code), override_settings(JUNXIU_SMS_FILE=str(SMS_FILE)):
        ids = []
        with transaction.atomic():
            for i in range(count):
                delivery = delivery_queue(
                    key=f"bench:{time.time_ns()}:{i}",
                    channel="sms",
                    address=f"139{i:08d}",
                    subject="提醒",
                    body=f"王德胜同志您好：请于2026年12月31日前完成年度体检。（{i}）",
                    now=noon,
                )
                ids.append(delivery.pk)
        started = time.perf_counter()
        for delivery_id in ids:
            delivery_send(delivery_id=delivery_id, now=noon)
        elapsed = time.perf_counter() - started
        sent = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT).count()
    lines = len(SMS_FILE.read_text(encoding="utf-8").splitlines())
    if sent != count or lines < count:
        raise SystemExit(f"deliveries: {sent} sent, {lines} lines written, {count} expected")
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--centres", type=int, default=16)
    parser.add_argument("--cadres", type=int, default=5000)
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    codes = centres_ready(args.centres, args.cadres)
    sweeps, resweeps, created, recreated, rates = [], [], [], [], []
    for _run in range(args.runs):
        _clear(codes)
        seconds, items = _sweep_all(codes)
        sweeps.append(seconds)
        created.append(items)
        statements: list[int] = []
        seconds, items = _sweep_all(codes, statements)
        resweep_queries = len(statements) / len(codes)
        resweeps.append(seconds)
        recreated.append(items)
        rates.append(_deliveries(codes[0], args.deliveries))
    with schema_context(codes[0]):
        states = dict(
            DueItem.objects.values_list("state").annotate(n=django.db.models.Count("pk")).values_list("state", "n")
        )
    print(f"# {codes[0]} after the sweep: {states}")
    print(f"sweep_s: {statistics.median(sweeps):.2f}")
    print(f"sweep_items_created: {int(statistics.median(created))}")
    print(f"resweep_s: {statistics.median(resweeps):.2f}")
    print(f"resweep_items_created: {max(recreated)}")
    print(f"resweep_queries: {resweep_queries:.0f}")
    print(f"deliveries_per_s: {statistics.median(rates):.0f}")


if __name__ == "__main__":
    main()

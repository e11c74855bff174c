"""Forms engine figures, on a database and centre of their own (`junxiu_benchforms`, centre `benchforms`).

Prints, one per line (medians of --runs runs):
  service_submissions_per_s   validate + store through services.submission_create, a 20-field form
  api_submissions_per_s       POST /api/forms/<key>/submissions/ through the tenant middleware, 2 threads
  export_floor_openpyxl_s     a bare workbook of --rows x 20 cells (export-like text and numbers), openpyxl
                              write-only mode, in a fresh process
  export_floor_xlsxwriter_s   the same workbook with XlsxWriter's constant_memory mode (what the export uses)
  export_100k_s               --rows submissions of a 20-field form to XLSX (forms_engine.exports), fresh process
  export_peak_mb              the export process's own peak resident memory (VmHWM) above its baseline
  export_baseline_mb          that baseline: the process's resident memory just before the export starts (Python,
                              Django, Wagtail and the apps loaded, connected, the form read)
  export_over_fastest_floor[_cpu]  export_100k_s over the faster floor, by wall time and by CPU time
  form200_render_validate_ms  a 200-field form: rendering.fill_context + template render + submission_clean
What export_peak_mb measured before issue 14 (199 once, 297-304 later): the child's ru_maxrss, which Linux carries
across fork and exec, so it was the larger of the export's own peak and the bench PARENT's peak when the child was
started. Measured here: the parent holds 190 MB once Django is set up, 221 MB after migrate_schemas, and about 300 MB
after the service and API figures and building the submissions; a child started from a 312 MB parent reports
ru_maxrss 312 with 13 MB resident. So the figure followed the bench's own history (the 199 most likely a run whose
parent peaked lower: rows already stored, fewer modules before issue 13), not the export, whose own growth was ~12 MB
for 10,000 rows with the openpyxl export. Now the child resets and reads its own high-water mark.
Run: .venv/bin/python bench/forms.py [--runs 3] [--rows 100000] [--only export] [--profile]
--profile: one export more, under cProfile, prints where it spends its time (the 25 functions of most own time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
os.environ["JUNXIU_DB_NAME"] = "junxiu_benchforms"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # measure as in production: no per-query logging

from _gunicorn import gunicorn_start, gunicorn_stop  # noqa: E402 - bench/_gunicorn.py
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from forms_engine.fields import ENCRYPTED_PREFIX  # noqa: E402
from forms_engine.models import FormDefinition, Submission  # noqa: E402
from forms_engine.services import form_create, form_field_add, form_publish, submission_clean, submission_create  # noqa: E402
from registry.crypto import encrypt  # noqa: E402
from registry.idcard import resident_id_make  # noqa: E402
from tenants.models import Centre, Domain  # noqa: E402
from tenants.roles import Role, role_group_name  # noqa: E402
from tenants.services import centre_create, centre_user_ensure  # noqa: E402

CENTRE = "benchforms"
USERNAME = "bench-forms-admin"
FORM20 = "bench20"
EXPORT_FORM = "bench20-export"
FORM200 = "bench200"
VISIT_TYPES = ["call", "weekly", "quarterly", "hospital", "festival"]
NEEDS = ["meal", "clean", "medical", "company"]


def block(suffix: str = "") -> list[tuple[str, str, str, dict]]:
    """Twenty fields of every common kind, with conditions and a calculation (names end in `suffix`)."""
    s = suffix
    choices = [{"value": v, "label": f"类型{i}"} for i, v in enumerate(VISIT_TYPES)]
    needs = [{"value": v, "label": f"需求{i}"} for i, v in enumerate(NEEDS)]
    return [
        (f"name{s}", "text", "姓名", {"required": True, "max_length": 20}),
        (f"id_card{s}", "id_number", "身份证号", {}),
        (f"phone{s}", "phone", "电话", {}),
        (f"visit_date{s}", "date", "走访日期", {"required": True}),
        (f"visit_time{s}", "time", "走访时间", {}),
        (f"visit_type{s}", "choice", "走访类型", {"required": True, "choices": choices}),
        (f"needs{s}", "multichoice", "需求", {"choices": needs}),
        (f"age{s}", "integer", "年龄", {"min_value": 0, "max_value": 130}),
        (f"score{s}", "decimal", "评分", {"min_value": 0, "max_value": 100}),
        (f"health{s}", "rating", "健康", {}),
        (f"satisfied{s}", "likert", "满意", {}),
        (f"lives_alone{s}", "yesno", "独居", {}),
        (f"hospital{s}", "text", "医院", {"relevant": f"${{visit_type{s}}} = 'hospital'"}),
        (f"notes{s}", "textarea", "备注", {}),
        (f"thought{s}", "textarea", "思想", {}),
        (f"family{s}", "textarea", "家庭", {}),
        (f"suggestions{s}", "textarea", "建议", {}),
        (f"followup{s}", "yesno", "需跟进", {}),
        (f"followup_note{s}", "text", "跟进事项", {"relevant": f"${{followup{s}}} = true()"}),
        (f"need_count{s}", "calculated", "需求数", {"calculation": f"count-selected(${{needs{s}}})"}),
    ]


def answers(rng: random.Random, suffix: str = "", *, id_number: str) -> dict:
    s = suffix
    visit_type = rng.choice(VISIT_TYPES)
    followup = rng.random() < 0.3
    data = {
        f"name{s}": rng.choice("王李张刘陈杨") + rng.choice(["德胜", "国平", "建华", "卫东"]),
        f"id_card{s}": id_number,
        f"phone{s}": f"13{rng.randrange(10**9):09d}",
        f"visit_date{s}": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        f"visit_time{s}": f"{rng.randrange(8, 18):02d}:{rng.choice(['00', '30'])}",
        f"visit_type{s}": visit_type,
        f"needs{s}": rng.sample(NEEDS, rng.randrange(0, 3)),
        f"age{s}": rng.randrange(70, 100),
        f"score{s}": f"{rng.randrange(60, 100)}.5",
        f"health{s}": rng.randrange(1, 6),
        f"satisfied{s}": str(rng.randrange(1, 6)),
        f"lives_alone{s}": rng.random() < 0.2,
        f"notes{s}": "身体状况良好，精神饱满。" * rng.randrange(1, 4),
        f"thought{s}": "思想稳定",
        f"family{s}": "子女每周探望",
        f"suggestions{s}": "=希望增加助餐点" if rng.random() < 0.01 else "希望增加文体活动",
        f"followup{s}": followup,
    }
    if visit_type == "hospital":
        data[f"hospital{s}"] = "瑞金医院"
    if followup:
        data[f"followup_note{s}"] = "一周后回访"
    return data


def form_ensure(key: str, blocks: int) -> FormDefinition:
    form = FormDefinition.objects.filter(key=key).first()
    if form is not None and form.current_version is not None:
        return form
    form = form or form_create(title=f"基准表单 {key}", key=key, purpose="visit")
    for i in range(blocks):
        for name, kind, label, attrs in block(f"_{i}" if blocks > 1 else ""):
            form_field_add(form=form, name=name, field_type=kind, label=f"{label}{i if blocks > 1 else ''}", **attrs)
    form_publish(form=form)
    return form


def id_numbers(count: int) -> list[str]:
    rng = random.Random(7)  # noqa: S311 - synthetic data
    return [resident_id_make("310101", dt.date(1930 + rng.randrange(30), 1, 1 + i % 28), i) for i in range(count)]


def centre_ready():
    call_command("migrate_schemas", interactive=False, verbosity=0)
    if not Centre.objects.filter(schema_name=CENTRE).exists():
        centre_create(code=CENTRE, name="表单基准测试军休中心")
    with schema_context(CENTRE):
        user = centre_user_ensure(username=USERNAME, password=None, groups=(role_group_name(Role.CENTRE_ADMIN),))
        form_ensure(FORM20, 1)
        form_ensure(EXPORT_FORM, 1)
        form_ensure(FORM200, 10)
    return user


# ---------------------------------------------------------------- service and API


def service_rate(user, count: int) -> float:
    rng = random.Random(1)  # noqa: S311
    ids = id_numbers(50)
    with schema_context(CENTRE):
        form = FormDefinition.objects.get(key=FORM20)
        payloads = [answers(rng, id_number=ids[i % len(ids)]) for i in range(count)]
        started = time.perf_counter()
        for data in payloads:
            submission_create(form=form, data=data, user=user)
        return count / (time.perf_counter() - started)


def api_server_start():
    """The API as it runs in production: gunicorn with 2 worker processes, on loopback, DEBUG off."""
    return gunicorn_start(JUNXIU_DB_NAME=os.environ["JUNXIU_DB_NAME"])


def api_rate(user, per_thread: int, port: int, threads: int = 2) -> float:
    """POST submissions through the real HTTP API from `threads` concurrent clients (keep-alive off, as browsers
    behind a proxy would open their own)."""
    import http.client

    from rest_framework.authtoken.models import Token

    with schema_context(CENTRE):
        token = Token.objects.get_or_create(user=user)[0].key
    domain = Domain.objects.get(tenant__schema_name=CENTRE, is_primary=True).domain
    ids = id_numbers(50)
    failures: list[str] = []
    barrier = threading.Barrier(threads + 1)
    headers = {"Host": domain, "Authorization": f"Token {token}", "Content-Type": "application/json"}

    def worker(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311
        bodies = [json.dumps({"data": answers(rng, id_number=ids[i % len(ids)])}) for i in range(per_thread)]
        barrier.wait()
        for body in bodies:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            client.request("POST", f"/api/forms/{FORM20}/submissions/", body=body.encode(), headers=headers)
            response = client.getresponse()
            content = response.read()
            client.close()
            if response.status != 201:
                failures.append(f"{response.status} {content[:300]!r}")

    pool = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"API refused {len(failures)} submissions, e.g. {failures[0]}")
    return per_thread * threads / elapsed


# ---------------------------------------------------------------- export


def export_rows_ensure(rows: int) -> None:
    """Bulk-insert synthetic submissions (valid for the form, cleaned like the service would) up to `rows`."""
    rng = random.Random(3)  # noqa: S311
    ids = [ENCRYPTED_PREFIX + encrypt(number) for number in id_numbers(200)]
    with schema_context(CENTRE):
        form = FormDefinition.objects.get(key=EXPORT_FORM)
        version = form.current_version
        have = Submission.objects.filter(form=form).count()
        batch: list[Submission] = []
        for i in range(have, rows):
            data = answers(rng, id_number=ids[i % len(ids)])
            data["age"], data["need_count"] = int(data["age"]), len(data["needs"])
            data["needs"] = [v for v in NEEDS if v in data["needs"]]
            batch.append(Submission(form=form, version=version, data=data, state="submitted", channel="admin"))
            if len(batch) == 5000:
                Submission.objects.bulk_create(batch)
                batch = []
        if batch:
            Submission.objects.bulk_create(batch)


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def high_water_reset() -> None:
    """Start the process's high-water mark (VmHWM) again from its current resident memory (Linux 4.0+)."""
    Path("/proc/self/clear_refs").write_text("5")


def high_water_mb() -> float:
    """The peak resident memory of this process's own address space (unlike ru_maxrss, not the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


FLOOR_ROW = [
    "6769DDF8B95E",
    "2026-12-06 13:47",
    "已提交",
    "王德胜",
    "王德胜",
    "110***********1234",
    "138****5678",
    "2026-05-12",
    "09:30",
    "类型2",
    "需求0、需求2",
    88,
    85.5,
    3,
    "4",
    "否",
    "身体状况良好，精神饱满。身体状况良好，精神饱满。",
    "思想稳定",
    "子女每周探望",
    "希望增加文体活动",
]


def floor_child(writer: str, rows: int) -> None:
    """A bare workbook of `rows` x 20 cells in this (fresh) process, the writer's fastest streaming mode; prints JSON
    with seconds."""
    import tempfile

    import xlsxwriter
    from openpyxl import Workbook

    path = Path(tempfile.mkdtemp()) / "floor.xlsx"
    started, cpu = time.perf_counter(), time.process_time()
    if writer == "openpyxl":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("floor")
        for i in range(rows):
            sheet.append([i, *FLOOR_ROW[1:]])
        workbook.save(path)
    else:
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = workbook.add_worksheet("floor")
        for i in range(rows):
            sheet.write_row(i, 0, [i, *FLOOR_ROW[1:]])
        workbook.close()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    path.unlink()
    path.parent.rmdir()
    print(json.dumps({"seconds": elapsed, "cpu": cpu}))


def floor_measure(writer: str, rows: int) -> dict:
    command = [sys.executable, __file__, "--child-floor", writer, "--rows", str(rows)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


def export_child(*, profile: bool = False) -> None:
    """One export in this (fresh) process; prints JSON with seconds, the baseline resident memory just before the
    export, the peak above it (ru_maxrss is the process's high-water mark) and rows written. With `profile`, the
    export runs under cProfile and its 25 functions of most own time are printed before the JSON."""
    from django.contrib.auth import get_user_model

    try:
        from forms_engine.exports import export_job_discard, submissions_export_write
    except ImportError:
        print(json.dumps({"missing": True}))
        return
    from forms_engine.models import ExportJob

    with schema_context(CENTRE):
        user = get_user_model().objects.get(username=USERNAME)
        form = FormDefinition.objects.get(key=EXPORT_FORM)
        job = ExportJob.objects.create(form=form, created_by=user, params={})
        high_water_reset()
        baseline_mb = rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            job = profiler.runcall(submissions_export_write, job=job)
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)
        else:
            job = submissions_export_write(job=job)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak_mb = high_water_mb() - baseline_mb
        if job.status != ExportJob.Status.DONE:
            raise SystemExit(f"export failed: {job.error}")
        done = job.done
        export_job_discard(job=job)
        job.delete()
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": peak_mb, "baseline_mb": baseline_mb, "count": done}))


def export_measure(*, profile: bool = False) -> dict:
    command = [sys.executable, __file__, "--child-export", *(["--profile"] if profile else [])]
    result = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    if profile:
        print(result.stdout.strip().rsplit("\n", 1)[0])
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- 200-field form


def form200_ms(user, runs: int) -> float | None:
    try:
        from django.template.loader import render_to_string

        from forms_engine.rendering import fill_context
    except ImportError:
        return None
    rng = random.Random(5)  # noqa: S311
    ids = id_numbers(10)
    with schema_context(CENTRE):
        form = FormDefinition.objects.get(key=FORM200)
        version = form.current_version
        data = {}
        for i in range(10):
            data.update(answers(rng, f"_{i}", id_number=ids[i]))
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            context = fill_context(version=version, user=user)
            html = render_to_string("forms_engine/fields/form_fields.html", context)
            submission_clean(version=version, data=data)
            timings.append((time.perf_counter() - started) * 1000)
        assert html.count("name=") >= 180  # noqa: S101 - a render that drew no fields measures nothing
        return statistics.median(timings)


def export_report(args) -> None:
    """The export figures: both writers' floors and the export, run in turn (each in a fresh process), so the three
    meet the same load; the ratios are printed for wall time and for CPU time (steadier on a shared machine)."""
    connection.set_schema_to_public()
    export_rows_ensure(args.rows)
    size = "100k" if args.rows == 100_000 else str(args.rows)
    floors: dict[str, list[dict]] = {"openpyxl": [], "xlsxwriter": []}
    exports = []
    for _ in range(args.runs):
        for writer, runs in floors.items():
            runs.append(floor_measure(writer, args.rows))
        exports.append(export_measure())
    for writer, runs in floors.items():
        print(f"export_floor_{writer}_s: {statistics.median(r['seconds'] for r in runs):.2f}")
    if any(e.get("missing") for e in exports):
        print(f"export_{size}_s: n/a (forms_engine.exports.submissions_export_write not available)")
        return
    counts = {e["count"] for e in exports}
    if counts != {args.rows}:
        raise SystemExit(f"expected {args.rows} rows per export, got {sorted(counts)}")
    seconds = statistics.median(e["seconds"] for e in exports)
    print(f"export_{size}_s: {seconds:.2f}")
    print(f"export_peak_mb: {statistics.median(e['peak_mb'] for e in exports):.0f}")
    print(f"export_baseline_mb: {statistics.median(e['baseline_mb'] for e in exports):.0f}")
    for measure, unit in (("seconds", ""), ("cpu", "_cpu")):
        fastest = min(statistics.median(r[measure] for r in runs) for runs in floors.values())
        print(f"export_over_fastest_floor{unit}: {statistics.median(e[measure] for e in exports) / fastest:.2f}")
    if args.profile:
        export_measure(profile=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--service", type=int, default=1000, help="submissions per service run")
    parser.add_argument("--api", type=int, default=300, help="submissions per thread per API run")
    parser.add_argument("--only", choices=["export"], help="measure the export figures only")
    parser.add_argument("--profile", action="store_true", help="profile one more export and print where it spends")
    parser.add_argument("--child-export", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", choices=["openpyxl", "xlsxwriter"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        export_child(profile=args.profile)
        return
    if args.child_floor:
        floor_child(args.child_floor, args.rows)
        return
    user = centre_ready()
    if args.only == "export":
        export_report(args)
        return
    service_rate(user, 50)  # warm up (caches, connections)
    rates = [service_rate(user, args.service) for _ in range(args.runs)]
    print(f"service_submissions_per_s: {statistics.median(rates):.0f}")
    server, port = api_server_start()
    try:
        api_rate(user, 20, port)  # warm up both workers
        api = statistics.median(api_rate(user, args.api, port) for _ in range(args.runs))
    finally:
        gunicorn_stop(server)
    print(f"api_submissions_per_s: {api:.0f}")
    export_report(args)
    ms = form200_ms(user, runs=max(20, args.runs))
    print(
        "form200_render_validate_ms: n/a (forms_engine.rendering not available)"
        if ms is None
        else f"form200_render_validate_ms: {ms:.1f}"
    )


if __name__ == "__main__":
    main()

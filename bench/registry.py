"""Registry figures: import and export of 10,000 synthetic cadres through XLSX (and the API list, when measured).

Prints, one per line: `import_10k_s` (dry run + commit), `import_peak_mb`, `export_10k_s`, `export_peak_mb` —
medians of --runs runs; peaks are the maximum resident set size of a fresh process doing only that step (Django
loaded included). Uses its own database on the embedded server and its own centre, `benchreg`.
Run: .venv/bin/python bench/registry.py [--runs 3] [--cadres 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
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
from django_tenants.utils import schema_context  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from registry.idcard import resident_id_make  # noqa: E402
from registry.models import Cadre, RestHome  # noqa: E402
from registry.spreadsheets import SHEET_TITLE, cadre_export, cadre_import  # noqa: E402
from tenants.models import Centre  # noqa: E402
from tenants.roles import Role, role_group_name  # noqa: E402
from tenants.services import centre_create, centre_user_ensure  # noqa: E402

CENTRE = "benchreg"
USERNAME = "bench-admin"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = "德胜国平建华卫东援朝志强海明文军永安福寿长青立新振兴光荣金山玉兰秀英淑珍桂芳凤琴"
AREAS = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113", "310115"]
HOMES = ["东休养所", "西休养所", "南休养所", "北休养所"]
HEADERS = ["姓名", "身份证号", "级别", "离退休类别", "休养所", "电话", "手机", "住址", "移交日期", "独居", "党员"]


def roster_build(count: int, path: Path) -> None:
    """An XLSX of `count` invented people with valid, distinct ID numbers (no real persons)."""
    rng = random.Random(20261101)  # noqa: S311 - synthetic data, not security
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(SHEET_TITLE))
    sheet.append(HEADERS)
    seen: set[str] = set()
    while len(seen) < count:
        born = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(365 * 35))
        number = resident_id_make(rng.choice(AREAS), born, rng.randrange(1000))
        if number in seen:
            continue
        seen.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        sheet.append(
            [
                name,
                number,
                rng.choice(["师级", "团级以下", "军士"]),
                rng.choice(["离休", "退休"]),
                rng.choice(HOMES),
                f"021-6{rng.randrange(10**7):07d}",
                f"13{rng.randrange(10**9):09d}",
                f"上海市黄浦区南京东路{rng.randrange(1, 999)}号",
                f"{born.year + 45}/{rng.randrange(1, 13)}/{rng.randrange(1, 29)}",
                rng.choice(["是", "否"]),
                rng.choice(["是", "否", ""]),
            ]
        )
    workbook.save(path)


def centre_ready() -> None:
    call_command("migrate_schemas", interactive=False, verbosity=0)
    if not Centre.objects.filter(schema_name=CENTRE).exists():
        centre_create(code=CENTRE, name="基准测试军休中心")
    with schema_context(CENTRE):
        for name in HOMES:
            RestHome.objects.get_or_create(name=name)
        centre_user_ensure(username=USERNAME, password=None, groups=(role_group_name(Role.CENTRE_ADMIN),))


def cadres_clear() -> None:
    """Start each import from an empty roster (history of earlier runs goes too)."""
    with schema_context(CENTRE), connection.cursor() as cursor:
        tables = [Cadre._meta.db_table, Cadre.events.rel.related_model._meta.db_table, "registry_accesslog"]
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


def _user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=USERNAME)


def child(step: str, path: str) -> None:
    """One measured step in a fresh process, so its peak memory is its own; prints JSON."""
    with schema_context(CENTRE):
        user = _user()
        started = time.perf_counter()
        if step == "import":
            with open(path, "rb") as source:
                dry = cadre_import(source=source, user=user, commit=False)
            with open(path, "rb") as source:
                done = cadre_import(source=source, user=user, commit=True)
            assert dry.ok and done.committed, done.lines()[:5]  # noqa: S101 - a benchmark that imported nothing is void
            count = done.created + done.updated
        else:
            out = io.BytesIO()
            count = cadre_export(user=user, params={}, out=out)
        elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb, "count": count}))


def measure(step: str, path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def api_figures() -> dict | None:
    """API figures, measured by bench/_api.py's measure_api_list(schema_name) where that file exists."""
    # --- API figures: api_list_p50_ms, api_list_queries (bench/_api.py is written separately) ---
    module_path = Path(__file__).resolve().parent / "_api.py"
    if not module_path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_api", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure_api_list(CENTRE)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cadres", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    centre_ready()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.xlsx"
        roster_build(args.cadres, path)
        imports, exports = [], []
        for _ in range(args.runs):
            cadres_clear()
            imports.append(measure("import", path))
            exports.append(measure("export", path))
    for figures in (imports, exports):
        counts = {f["count"] for f in figures}
        if counts != {args.cadres}:
            raise SystemExit(f"expected {args.cadres} cadres per run, got {sorted(counts)}")
    size = "10k" if args.cadres == 10_000 else str(args.cadres)
    print(f"import_{size}_s: {statistics.median(f['seconds'] for f in imports):.2f}")
    print(f"import_peak_mb: {statistics.median(f['peak_mb'] for f in imports):.0f}")
    print(f"export_{size}_s: {statistics.median(f['seconds'] for f in exports):.2f}")
    print(f"export_peak_mb: {statistics.median(f['peak_mb'] for f in exports):.0f}")
    api = api_figures()  # the centre now holds the imported cadres
    if isinstance(api, dict):
        for name, value in api.items():
            print(f"{name}: {value}")
    elif api is not None:
        print(api)


if __name__ == "__main__":
    main()

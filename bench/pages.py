"""Public site speed, on a database and centre of their own (`junxiu_benchpages`, centre `benchpages`).

The site is served as in production: gunicorn with 2 workers, DEBUG off, and a cache shared by the workers (a file
cache here; Redis in production), so the page cache is on. Each page is loaded by 10 concurrent clients.
Prints, for <page> in home, notice_list, notice_detail, course_list and api_pages (medians of --runs runs):
  <page>_p50_ms, <page>_p95_ms, <page>_rps    cached as visitors get it (anonymous, standard display mode)
  <page>_queries                              SQL statements of one uncached render (right after a publish),
                                              counted in-process through the test client
  <page>_uncached_p50_ms, <page>_uncached_p95_ms, <page>_uncached_rps
                                              the same load with the page cache off
Run: .venv/bin/python bench/pages.py [--runs 3] [--requests 400]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE_DIR = ROOT / "var" / "bench-pages-cache"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
os.environ["JUNXIU_DB_NAME"] = "junxiu_benchpages"
os.environ["DJANGO_CACHE_BACKEND"] = "django.core.cache.backends.filebased.FileBasedCache"
os.environ["DJANGO_CACHE_LOCATION"] = str(CACHE_DIR)
os.environ["JUNXIU_PAGE_CACHE_SECONDS"] = "300"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False

from _gunicorn import gunicorn_start, gunicorn_stop  # noqa: E402 - bench/_gunicorn.py
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from content import models as content_models  # noqa: E402
from content.page_cache import content_version_bump  # noqa: E402
from tenants.models import Centre, Domain  # noqa: E402
from tenants.services import centre_create  # noqa: E402

CENTRE = "benchpages"
CONCURRENCY = 10
NOTICES = 60
COURSES = 40
PAGES = {
    "home": "/",
    "notice_list": "/notices/",
    "notice_detail": f"/notices/notice-{NOTICES // 2}/",
    "course_list": "/courses/",
    "api_pages": "/api/v2/pages/",
}


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def notices_ensure(home) -> None:
    SectionPage, NoticePage = content_models.SectionPage, content_models.NoticePage
    section = SectionPage.objects.filter(slug="notices").first() or publish(
        home, SectionPage(title="通知公告", slug="notices", kind="notices")
    )
    for number in range(NoticePage.objects.count(), NOTICES):
        paragraph = "组织军休干部参观红色教育基地，中午在中心用餐，请于本周五前向所在休养所报名。" * 6
        publish(
            section,
            NoticePage(
                title=f"关于第{number + 1}期走访慰问工作的通知",
                slug=f"notice-{number}",
                date=dt.date(2026, 1, 1) + dt.timedelta(days=number),
                summary="走访慰问安排及注意事项。",
                body=[("paragraph", f"<p>{paragraph}</p>")] * 4,
            ),
        )


def courses_ensure(home) -> None:
    from django.utils import timezone

    SectionPage, CoursePage = content_models.SectionPage, content_models.CoursePage
    section = SectionPage.objects.filter(slug="courses").first() or publish(
        home, SectionPage(title="老年大学", slug="courses", kind="courses")
    )
    for number in range(CoursePage.objects.count(), COURSES):
        publish(
            section,
            CoursePage(
                title=f"书法入门第{number + 1}班",
                slug=f"course-{number}",
                term="2027年春季学期",
                category=CoursePage.Category.values[0],
                teacher="王老师",
                weekday=number % 5 + 1,
                start_time=dt.time(9, 0),
                end_time=dt.time(10, 30),
                first_lesson=dt.date(2027, 3, 2),
                capacity=25,
                enrol_opens=timezone.now() + dt.timedelta(days=30),
                enrol_closes=timezone.now() + dt.timedelta(days=60),
                summary="从握笔到临帖，每周一次。",
            ),
        )


def centre_ready() -> str:
    call_command("migrate_schemas", interactive=False, verbosity=0)
    if not Centre.objects.filter(schema_name=CENTRE).exists():
        centre_create(code=CENTRE, name="页面基准测试军休中心")
    with schema_context(CENTRE):
        home = content_models.HomePage.objects.get()
        if home.hotline != "021-6000 0000":
            home.hotline = "021-6000 0000"
            home.save_revision().publish()
        notices_ensure(home)
        courses_ensure(home)
    return Domain.objects.get(tenant__schema_name=CENTRE, is_primary=True).domain


def uncached_queries(domain: str) -> dict[str, int]:
    """SQL statements of one render of each page right after a publish (caches of other kinds warm)."""
    client = Client(HTTP_HOST=domain)
    counts = {}
    for name, path in PAGES.items():
        _get_ok(client, path)
        with schema_context(CENTRE):
            content_version_bump()
        with CaptureQueriesContext(connection) as captured:
            _get_ok(client, path)
        counts[name] = len(captured)
    connection.set_schema_to_public()
    return counts


def _get_ok(client: Client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")


def server_start(*, page_cache: bool) -> tuple[subprocess.Popen, int]:
    return gunicorn_start(JUNXIU_PAGE_CACHE_SECONDS="300" if page_cache else "0")


def server_stop(server: subprocess.Popen) -> None:
    gunicorn_stop(server)


def load(port: int, domain: str, path: str, requests: int) -> tuple[float, float, float]:
    """`requests` GETs of `path` from CONCURRENCY clients: p50 ms, p95 ms, requests per second."""
    timings: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CONCURRENCY + 1)
    share = [requests // CONCURRENCY + (1 if i < requests % CONCURRENCY else 0) for i in range(CONCURRENCY)]

    def client(count: int) -> None:
        mine = []
        barrier.wait()
        for _ in range(count):
            started = time.perf_counter()
            connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection_.request("GET", path, headers={"Host": domain})
            response = connection_.getresponse()
            response.read()
            connection_.close()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, args=(count,)) for count in share]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[94], len(timings) / elapsed


def measure(domain: str, *, page_cache: bool, runs: int, requests: int) -> dict[str, tuple[float, float, float]]:
    server, port = server_start(page_cache=page_cache)
    try:
        figures = {}
        for name, path in PAGES.items():
            load(port, domain, path, 40)  # warm up both workers
            results = [load(port, domain, path, requests) for _ in range(runs)]
            figures[name] = tuple(statistics.median(values) for values in zip(*results, strict=True))
        return figures
    finally:
        server_stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400, help="requests per page per run")
    args = parser.parse_args()
    domain = centre_ready()
    cache.clear()
    queries = uncached_queries(domain)
    cached = measure(domain, page_cache=True, runs=args.runs, requests=args.requests)
    uncached = measure(domain, page_cache=False, runs=args.runs, requests=max(100, args.requests // 4))
    for name in PAGES:
        p50, p95, rps = cached[name]
        print(f"{name}_p50_ms: {p50:.1f}")
        print(f"{name}_p95_ms: {p95:.1f}")
        print(f"{name}_rps: {rps:.0f}")
        print(f"{name}_queries: {queries[name]}")
        print(f"{name}_uncached_p50_ms: {uncached[name][0]:.1f}")
        print(f"{name}_uncached_p95_ms: {uncached[name][1]:.1f}")
        print(f"{name}_uncached_rps: {uncached[name][2]:.0f}")


if __name__ == "__main__":
    main()

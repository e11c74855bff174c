"""API submissions against the service, in the same run, on the forms bench's database and centre (bench/forms.py).

Prints, one per line (medians of --runs runs):
  service_submissions_per_s   validate + store through forms_engine.services.submission_create, one thread
  api_submissions_per_s       POST /api/forms/<key>/submissions/ to gunicorn as deployed (deploy/gunicorn.conf.py:
                              2 x cores + 1 gthread workers, 2 threads each), 4 client threads
  api_to_service_ratio        the two above, measured back to back (interleaved runs)
  api_2sync_submissions_per_s the same POSTs to gunicorn with 2 sync workers and 2 client threads (bench/forms.py's
                              set-up, kept for comparison with earlier figures)
With --profile, it also profiles both in this process (Django's test client for the API) and prints the top costs
by own time and the time an API submission spends beyond the service.
Run: .venv/bin/python bench/api_submissions.py [--runs 3] [--profile]

Where the time went (issue 14 §2; 2 shared cores, other benchmarks and test suites running, so ratios only):
  before  14 statements per API submission against 5 for the service: the centre by host (SET search_path public +
          the domain), the token, the form, the user's groups, the personal marks twice (the service sealing, the
          serializer masking), the user's and the groups' permissions apart, the submission (BEGIN, INSERT, COMMIT)
          and the access log; 18.1k Python calls and 10.9 ms of CPU per request in this process (the service 1.5).
          api_to_service_ratio 0.23, 0.27, 0.27, 0.34 in four runs.
  after   7 statements: SET search_path, the token with the user's roles and permissions (one query, its subqueries'
          SQL written once per process), the form with its current version and personal marks (shared by the service
          and the serializer), BEGIN, INSERT, COMMIT, the access log; the host's centre kept by the process
          (tenants.middleware); 11.3k calls and 7.4 ms of CPU per request. Ratio 0.56, 0.20, 0.43, 0.56 in four runs
          (the 0.20: the service alone ran at 595/s that once, against 71-182/s in the others).
  left    the per-request connection health check (CONN_HEALTH_CHECKS: one SELECT 1 round trip under gunicorn, none
          in the service loop) and Django/DRF's own Python (middleware, request parsing, serializer building).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import forms as bench_forms  # bench/forms.py: sets up Django on its own database
from _gunicorn import _free_port, gunicorn_wait
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from forms_engine.models import FormDefinition
from forms_engine.services import submission_create
from tenants.models import Domain


def production_server_start() -> tuple[subprocess.Popen, int]:
    """gunicorn with the deployed configuration (deploy/gunicorn.conf.py), on loopback, DEBUG off."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "junxiu.settings.dev",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_LOG_LEVEL": "warning",
        "JUNXIU_DB_NAME": os.environ["JUNXIU_DB_NAME"],
    }
    root = bench_forms.ROOT
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"]
        + ["--access-logfile", "/dev/null", "junxiu.wsgi:application"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return gunicorn_wait(server, port)


def api_profile(user, count: int) -> None:
    """Profile `count` API submissions in this process (no HTTP), then `count` service calls, and compare."""
    with schema_context(bench_forms.CENTRE):
        token = Token.objects.get_or_create(user=user)[0].key
        form = FormDefinition.objects.get(key=bench_forms.FORM20)
    domain = Domain.objects.get(tenant__schema_name=bench_forms.CENTRE, is_primary=True).domain
    client = Client(HTTP_HOST=domain, HTTP_AUTHORIZATION=f"Token {token}")
    ids = bench_forms.id_numbers(50)
    rng = random.Random(3)  # noqa: S311 - synthetic data
    bodies = [json.dumps({"data": bench_forms.answers(rng, id_number=ids[i % 50])}) for i in range(count + 20)]
    url = f"/api/forms/{bench_forms.FORM20}/submissions/"
    for body in bodies[:20]:
        client.post(url, body, content_type="application/json")
    connection.set_schema_to_public()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for body in bodies[20:]:
        response = client.post(url, body, content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"API refused: {response.status_code} {response.content[:300]!r}")
    profiler.disable()
    api_ms = (time.perf_counter() - started) * 1000 / count
    connection.set_schema_to_public()
    stats = pstats.Stats(profiler)
    service_ms = _cumulative_ms(stats, "submission_create", count)
    print(f"profile_api_request_ms: {api_ms:.2f}")
    print(f"profile_service_inside_api_ms: {service_ms:.2f}")
    print(f"profile_beyond_service_ms: {api_ms - service_ms:.2f}")
    for name in (
        "authenticate",
        "initial",
        "form_for",
        "is_valid",
        "finalize_response",
        "render",
        "process_request",
        "process_response",
        "__call__",
        "access_log_record",
        "get_serializer_context",
        "data",
    ):
        print(f"profile_{name}_ms: {_cumulative_ms(stats, name, count):.2f}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
    print(out.getvalue())
    with schema_context(bench_forms.CENTRE):
        payloads = [bench_forms.answers(rng, id_number=ids[i % 50]) for i in range(count)]
        started = time.perf_counter()
        for data in payloads:
            submission_create(form=form, data=data, user=user)
        print(f"profile_service_alone_ms: {(time.perf_counter() - started) * 1000 / count:.2f}")


def _cumulative_ms(stats: pstats.Stats, function: str, count: int) -> float:
    """The largest cumulative time of any function of this name, per call of the measured loop."""
    best = 0.0
    for (_file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name == function:
            best = max(best, ct)
    return best * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--service", type=int, default=500, help="submissions per service run")
    parser.add_argument("--api", type=int, default=250, help="submissions per thread per API run")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    user = bench_forms.centre_ready()
    if args.profile:
        api_profile(user, 300)
        return
    bench_forms.service_rate(user, 50)  # warm up (caches, connections)
    server, port = production_server_start()
    try:
        bench_forms.api_rate(user, 20, port, threads=4)  # warm up the workers
        services, apis = [], []
        for _run in range(args.runs):  # interleaved, so both see the same load on the machine
            services.append(bench_forms.service_rate(user, args.service))
            apis.append(bench_forms.api_rate(user, args.api // 2, port, threads=4))
    finally:
        bench_forms.gunicorn_stop(server)
    server, port = bench_forms.api_server_start()
    try:
        bench_forms.api_rate(user, 20, port)
        sync = statistics.median(bench_forms.api_rate(user, args.api, port) for _run in range(args.runs))
    finally:
        bench_forms.gunicorn_stop(server)
    service, api = statistics.median(services), statistics.median(apis)
    print(f"service_submissions_per_s: {service:.0f}")
    print(f"api_submissions_per_s: {api:.0f}")
    print(f"api_to_service_ratio: {api / service:.2f}")
    print(f"api_2sync_submissions_per_s: {sync:.0f}")


if __name__ == "__main__":
    main()

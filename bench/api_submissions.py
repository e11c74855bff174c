"""API submissions against the service, in the same run, on the forms bench's database and centre (bench/forms.py).

Prints, one per line (medians of --runs runs):
  service_submissions_per_s   validate + store through forms_engine.services.submission_create, one thread
  api_submissions_per_s       POST /api/forms/<key>/submissions/ to gunicorn as deployed (deploy/gunicorn.conf.py:
                              2 x cores + 1 gthread workers, 2 threads each), 4 client threads
  api_to_service_ratio        the two above, measured back to back (interleaved runs)
  api_2sync_submissions_per_s the same POSTs to gunicorn with 2 sync workers and 2 client threads (bench/forms.py's
                              set-up, kept for comparison with earlier figures)
  service_cpu_ms, service_db_cpu_ms   CPU per service submission: this process's, PostgreSQL's processes' (from /proc)
  api_worker_cpu_ms, api_db_cpu_ms    CPU per API submission: gunicorn's processes', PostgreSQL's
  api_to_service_cpu_ratio    (service + its database CPU) / (API + its database CPU): what the rates would be if CPU
                              alone set them; steadier than the rates on a shared machine
With --profile, it also profiles both in this process (Django's test client for the API) and prints the top costs
by own time and the time an API submission spends beyond the service. With --stages, it prints the CPU milliseconds
per API submission of each middleware (its own part) and of the DRF stages, through the WSGI handler in this process.
Run: .venv/bin/python bench/api_submissions.py [--runs 3] [--profile | --stages]

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
  second pass (compiled SQL, fields built once, search path kept). --stages: each middleware's own CPU and each DRF
          stage's (time.thread_time) through the WSGI handler, as gunicorn calls it, 300 requests in this process:
          CPU ms per request, before -> after, in back-to-back runs on the shared machine (service alone 1.1-1.3):
            token sign-in 1.30 -> 0.44   the token's SQL (user, roles, permissions) written once per process
            form_for      1.01 -> 0.38   the form's SQL too (tenants.compiled.CompiledLookup); its version's schema
                                         no longer loaded (version_schema's cache has it)
            answer        0.77 -> 0.32   SubmissionSerializer writes through one set of fields per process; the
                                         ModelSerializer's fields are built from the model once per class (0.49 before)
            access log    0.50 -> 0.28   its INSERT written once per process (tenants.compiled.CompiledInsert)
            SET search_path  one round trip less: kept when the thread's connection is already in the centre
            middleware    0.55 -> 0.55   (CSP 0.10, hostile input 0.10, centre 0.09, messages 0.04, sessions 0.03,
                                         the rest < 0.02 each; skipping sessions/messages/auth/axes for token
                                         requests would save ~0.1: not done)
            whole request 6.11 -> 4.48   (WSGI handler in this process; the gunicorn+WSGI floor, /healthz, is 0.9)
          Under gunicorn (deploy/gunicorn.conf.py), load 1-4, three back-to-back pairs (before | after; before is
          main at 1b7c1b3 with everything else of today's tree):
            api_to_service_ratio    0.31 | 0.46   0.18 | 0.27   0.16 | 0.41    (medians 0.18 | 0.41)
            api_submissions_per_s    158 | 187     105 | 147     80 | 184
            service_submissions_per_s 503 | 411   573 | 553     502 | 449    (the same code both sides: the spread
                                                                             is the machine's)
            api_worker_cpu_ms       8.90 | 6.96   9.28 | 5.92   11.32 | 6.94
            api_db_cpu_ms           2.14 | 2.38   2.42 | 2.12    2.64 | 2.44
          On the loaded machine (load 10-20): API 52 -> 129/s, worker CPU 11.3 -> 6.6 ms.
  left    PostgreSQL's CPU per API submission (2.1-2.4 ms against 0.45 for the service): two commits (the submission,
          then the access log; one transaction would need a savepoint around the service's), the token query's
          planning (0.4 ms: three permission subqueries, no prepared statements), the per-request connection health
          check (CONN_HEALTH_CHECKS: one SELECT 1 round trip under gunicorn, none
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


def _cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes have used so far; the first one's with its ended children's (the
    postmaster's: a backend that ended meanwhile still counts)."""
    total = 0
    for i, pid in enumerate(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if i == 0 and len(pids) > 1:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _postgres_processes() -> list[int]:
    """The embedded PostgreSQL's postmaster and its backends (the bench's own server, under JUNXIU_PGDATA)."""
    data_dir = Path(os.environ.get("JUNXIU_PGDATA", bench_forms.ROOT / "var" / "pgdata"))
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    return [postmaster, *_children(postmaster)]


class CPUMeter:
    """CPU milliseconds per operation of some processes between start() and stop(count)."""

    def __init__(self, pids) -> None:
        self.pids, self.samples = pids, []

    def start(self) -> None:
        self.started = _cpu_s(self.pids())

    def stop(self, count: int) -> None:
        self.samples.append((_cpu_s(self.pids()) - self.started) * 1000 / count)

    def median(self) -> float:
        return statistics.median(self.samples)


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


def api_stages(user, count: int) -> None:
    """CPU ms per API submission: each middleware's own part, then DRF's stages, the WSGI handler called directly."""
    import types

    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.utils.module_loading import import_string
    from rest_framework import views as drf_views
    from rest_framework.request import Request

    from forms_engine.api import views as api_views

    clock = time.thread_time
    spent: dict[str, float] = {}

    def add(name: str, seconds: float) -> None:
        spent[name] = spent.get(name, 0.0) + seconds

    def timed_middleware(path: str):
        def factory(get_response):
            def inner(request):
                started = clock()
                try:
                    return get_response(request)
                finally:
                    add(f"inner {path}", clock() - started)

            middleware = import_string(path)(inner)

            class Timed:
                def __call__(self, request):
                    started = clock()
                    try:
                        return middleware(request)
                    finally:
                        add(path, clock() - started)

                def __getattr__(self, name):  # process_view and the like, as Django looks them up
                    return getattr(middleware, name)

            return Timed()

        return factory

    module = types.ModuleType("bench_timed_middleware")
    sys.modules[module.__name__] = module
    paths = list(settings.MIDDLEWARE)
    for i, path in enumerate(paths):
        setattr(module, f"m{i}", timed_middleware(path))
    settings.MIDDLEWARE = [f"{module.__name__}.m{i}" for i in range(len(paths))]
    for owner, name, label in [
        (drf_views.APIView, "perform_authentication", "DRF authentication (the token)"),
        (drf_views.APIView, "perform_content_negotiation", "DRF content negotiation"),
        (Request, "_load_data_and_files", "DRF parse body"),
        (api_views.FormsAPIView, "form_for", "form_for (the form)"),
        (api_views.SubmissionWriteSerializer, "is_valid", "write serializer is_valid"),
        (api_views, "submission_create", "submission_create (the service)"),
        (api_views.SubmissionSerializer, "to_representation", "the answer (SubmissionSerializer)"),
        (api_views, "access_log_record", "access log"),
        (drf_views.APIView, "dispatch", "DRF dispatch (all of the view)"),
    ]:
        original = getattr(owner, name)

        def wrapper(*args, _original=original, _label=label, **kwargs):
            started = clock()
            try:
                return _original(*args, **kwargs)
            finally:
                add(_label, clock() - started)

        setattr(owner, name, wrapper)
    application = get_wsgi_application()
    with schema_context(bench_forms.CENTRE):
        token = Token.objects.get_or_create(user=user)[0].key
        form = FormDefinition.objects.get(key=bench_forms.FORM20)
    domain = Domain.objects.get(tenant__schema_name=bench_forms.CENTRE, is_primary=True).domain
    connection.set_schema_to_public()
    ids = bench_forms.id_numbers(50)
    rng = random.Random(3)  # noqa: S311 - synthetic data
    bodies = [json.dumps({"data": bench_forms.answers(rng, id_number=ids[i % 50])}).encode() for i in range(count + 30)]

    def post(body: bytes) -> None:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": f"/api/forms/{bench_forms.FORM20}/submissions/",
            "QUERY_STRING": "",
            "SERVER_NAME": domain,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": domain,
            "HTTP_AUTHORIZATION": f"Token {token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        statuses: list[str] = []
        answer = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(answer)
        answer.close()  # type: ignore[attr-defined]  # request_finished, as gunicorn sends it
        if not statuses[0].startswith("201"):
            raise SystemExit(f"API refused: {statuses[0]}")

    for body in bodies[:30]:
        post(body)
    spent.clear()
    started = clock()
    for body in bodies[30:]:
        post(body)
    print(f"stages_request_ms: {(clock() - started) * 1000 / count:.3f}")
    for path in paths:
        own = spent.get(path, 0.0) - spent.get(f"inner {path}", 0.0)
        print(f"stages_middleware_ms {path}: {own * 1000 / count:.3f}")
    for label, seconds in spent.items():
        if not label.startswith("inner ") and label not in paths:
            print(f"stages_ms {label}: {seconds * 1000 / count:.3f}")
    with schema_context(bench_forms.CENTRE):
        payloads = [bench_forms.answers(rng, id_number=ids[i % 50]) for i in range(count)]
        started = clock()
        for data in payloads:
            submission_create(form=form, data=data, user=user)
        print(f"stages_service_alone_ms: {(clock() - started) * 1000 / count:.3f}")


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
    parser.add_argument("--stages", action="store_true")
    args = parser.parse_args()
    user = bench_forms.centre_ready()
    if args.profile:
        api_profile(user, 300)
        return
    if args.stages:
        api_stages(user, 300)
        return
    bench_forms.service_rate(user, 50)  # warm up (caches, connections)
    server, port = production_server_start()
    # CPU per submission, from /proc: what the rates cost whatever else runs on the machine (the bench process for
    # the service; gunicorn's workers for the API; PostgreSQL's processes for both).
    service_cpu = CPUMeter(lambda: [os.getpid()])
    service_db_cpu, api_db_cpu = CPUMeter(_postgres_processes), CPUMeter(_postgres_processes)
    api_cpu = CPUMeter(lambda: [server.pid, *_children(server.pid)])
    try:
        bench_forms.api_rate(user, 20, port, threads=4)  # warm up the workers
        services, apis = [], []
        for _run in range(args.runs):  # interleaved, so both see the same load on the machine
            service_cpu.start(), service_db_cpu.start()
            services.append(bench_forms.service_rate(user, args.service))
            service_cpu.stop(args.service), service_db_cpu.stop(args.service)
            api_cpu.start(), api_db_cpu.start()
            apis.append(bench_forms.api_rate(user, args.api // 2, port, threads=4))
            api_cpu.stop(args.api // 2 * 4), api_db_cpu.stop(args.api // 2 * 4)
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
    print(f"service_cpu_ms: {service_cpu.median():.2f}")
    print(f"service_db_cpu_ms: {service_db_cpu.median():.2f}")
    print(f"api_worker_cpu_ms: {api_cpu.median():.2f}")
    print(f"api_db_cpu_ms: {api_db_cpu.median():.2f}")
    service_total, api_total = service_cpu.median() + service_db_cpu.median(), api_cpu.median() + api_db_cpu.median()
    print(f"api_to_service_cpu_ratio: {service_total / api_total:.2f}")


if __name__ == "__main__":
    main()

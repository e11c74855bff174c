"""Load on loopback: 16 centres at once, 10 concurrent clients each, against gunicorn as deployed (4 gthread workers x
2 threads, deploy/gunicorn.conf.py) and two django-q2 clusters (2 workers each) on the embedded PostgreSQL.

Each client loops over the routes (bounded by a request budget and a time limit, whichever comes first):
  home       the centre's home page, anonymous (the page cache is on: a file cache shared by the workers, as Redis is
             in production)
  notice     a notice's page, anonymous
  form_get   a public form (GET: its CSRF token and cookie), then
  form_post  its submission (POST with the token; each from its own client address in X-Forwarded-For, as the proxy
             in front reports it, so the per-address limit of 5 per 10 minutes does not refuse a load test); the
             answer is a redirect to /forms/<key>/done/<receipt>/. Each submission has a webhook to a receiver in
             this process, so it queues one task (forms_engine.webhooks) that a qcluster runs.
  worklist   the liaison's 今日待办 (/admin/reminders/today/), signed in through the log-in form once per centre
  registry   the cadre list (/admin/registry/cadres/), the centre's admin, signed in once per centre
  overview   the bureau's overview (/ on the base domain, public schema), a bureau viewer signed in once
Static files are not fetched (nginx serves them in production).

Prints, one per line:
  load_<route>_alone_ms                   the route's median time with one client alone (8 requests each, after the
                                          warm-up): the cost that the load queues behind
  load_<route>_rps, load_<route>_p95_ms   answers per second of the run (all routes run at once, so these add up to
                                          load_rps) and the 95th percentile of their times (queueing included);
                                          medians over --runs runs
  load_rps, load_requests, load_errors    all routes; an error is an exception (refused, reset, no answer in 60 s) or
                                          an answer other than 2xx/3xx (a 302 to the log-in page counts as an error)
  load_submissions, load_lost_submissions, load_tasks_undelivered   see below, summed over the runs
Then the same load once more, with one gunicorn worker SIGKILLed halfway (the master starts another) and one of the
two qcluster processes (its whole process group: the cluster and its workers) SIGKILLed at the same moment, not
restarted:
  load_kill_requests, load_kill_errors, load_kill_rps
  load_kill_tasks_taken_at_kill    tasks taken from the queue and not yet finished, by either cluster, just before
                                   the kill (what the killed cluster could have been holding)
  load_kill_submissions            receipts the client got
  load_kill_lost_submissions       submissions lost: those the client got a receipt for that are not in the database,
                                   plus those whose every attempt failed (a failed POST is retried twice after 0.5 s,
                                   as a person would press 提交 again; a 4xx is not retried) and that are not in the
                                   database either. Goal 0.
  load_kill_duplicate_submissions  submissions stored twice (a retried POST whose first attempt had been stored
                                   when its worker died before answering; the form's one-time key prevents it)
  load_kill_unconfirmed_submissions  stored, but the client never got its receipt
  load_kill_tasks_expected, load_kill_tasks_undelivered   webhook deliveries the stored submissions queued, and
                                   those not delivered once the surviving cluster had Q_RETRY (30 s here) + 60 s
                                   to pick up what the killed one held; goal 0
  load_kill_tasks_never_tried      of those, deliveries still pending with no attempt: no task was ever queued for
                                   them (the web worker died after the submission's commit, before its on-commit
                                   hook queued the task; the webhooks_lost schedule queues it after 2 minutes)
  load_kill_tasks_wait_s           seconds from the end of the load until every delivery was made
  load_kill_webhook_repeats        deliveries the receiver got more than once (a task re-run after the kill;
                                   at-least-once, the receiver must dedupe on X-Junxiu-Delivery)
  load_kill_workers_after          gunicorn workers alive at the end (4: the killed one was replaced)
Uses its own database on the embedded server (junxiu_benchload) and its own centres, benchload01…benchload16,
made once and kept (the first run takes a few minutes more); the submissions of earlier runs are deleted first.
Figures and what limits them: deploy/README.md, "Load on one machine".
Run: .venv/bin/python bench/load.py [--quick] [--runs 1] [--seconds 40] [--requests 4000]
     [--sync | --worker-connections N]   (4 sync workers; gthread workers each holding at most N connections)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE_DIR = ROOT / "var" / "bench-load-cache"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.dev")
os.environ["JUNXIU_DB_NAME"] = "junxiu_benchload"
os.environ["DJANGO_DEBUG"] = "false"
os.environ["DJANGO_CACHE_BACKEND"] = "django.core.cache.backends.filebased.FileBasedCache"
os.environ["DJANGO_CACHE_LOCATION"] = str(CACHE_DIR)
os.environ["JUNXIU_PAGE_CACHE_SECONDS"] = "300"
os.environ["JUNXIU_CLIENT_IP_HEADER"] = "X-Forwarded-For"  # as behind nginx (deploy/nginx.conf)
os.environ["Q_WORKERS"] = "2"
os.environ["Q_TIMEOUT"] = "20"  # a webhook task takes milliseconds
os.environ["Q_RETRY"] = "30"  # a task held by a killed cluster goes to the other after 30 s (production: 300)
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from _gunicorn import gunicorn_deployed_start, gunicorn_stop, gunicorn_workers  # noqa: E402 - bench/_gunicorn.py
from _load_client import HttpError, Session, login, request  # noqa: E402 - bench/_load_client.py
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from content.models import NoticePage  # noqa: E402
from content.services.demo import demo_content_ensure  # noqa: E402
from forms_engine.models import FormDefinition, FormWebhook, FormWebhookDelivery, Submission  # noqa: E402
from forms_engine.services import form_create, form_field_add, form_publish  # noqa: E402
from forms_engine.webhooks import webhook_create  # noqa: E402
from notifications.services import due_items_sweep  # noqa: E402
from registry.demo import demo_registry_create, demo_staff_link  # noqa: E402
from registry.models import Cadre  # noqa: E402
from reports.models import Fact  # noqa: E402
from reports.roles import BureauRole, bureau_role_grant  # noqa: E402
from tenants.models import Centre, Domain  # noqa: E402
from tenants.roles import Role, role_group_name  # noqa: E402
from tenants.services import centre_create, centre_user_ensure  # noqa: E402

CENTRES = 16
PER_CENTRE = 10
CADRES = 200
WORKERS, THREADS = 4, 2
PASSWORD = "load-bench-not-secret-1"  # noqa: S105 - synthetic users of a benchmark database
FORM_KEY = "load-feedback"
MARK = "负载测试意见"
ROUTES = ("home", "notice", "form_get", "form_post", "worklist", "registry", "overview")
STEPS = ("home", "notice", "form", "worklist", "registry", "overview")  # form: form_get then form_post
POST_TRIES = 3
TIMEOUT_S = 60.0
BUREAU_HOST = "localhost"


# -- data ---------------------------------------------------------------------------------------------------------


@dataclass
class CentrePlan:
    index: int
    code: str
    host: str
    notice: str
    liaison: dict[str, str] = field(default_factory=dict)  # cookies after log-in
    admin: dict[str, str] = field(default_factory=dict)


def feedback_form() -> FormDefinition:
    form = form_create(title="意见建议（负载测试）", key=FORM_KEY, purpose="complaint", public=True)
    form_field_add(
        form=form,
        name="topic",
        field_type="choice",
        label="类别",
        required=True,
        choices=[{"value": "meal", "label": "助餐"}, {"value": "other", "label": "其他"}],
    )
    form_field_add(form=form, name="content", field_type="textarea", label="内容", required=True)
    form_publish(form=form)
    form.refresh_from_db()
    webhook_create(form=form, url="http://127.0.0.1:9/", events=["submission.created"])
    return form


def centre_ready(index: int) -> CentrePlan:
    """A centre with demo people, a liaison with today's work, an admin, demo pages and the public form (once)."""
    code = f"benchload{index:02d}"
    if not Centre.objects.filter(schema_name=code).exists():
        centre_create(code=code, name=f"负载测试军休中心{index:02d}")
    with schema_context(code):
        if Cadre.objects.count() < CADRES:
            demo_registry_create(cadres=CADRES, seed=index)
        user_model = get_user_model()
        if not user_model.objects.filter(username="load-liaison").exists():
            liaison = centre_user_ensure(
                username="load-liaison",
                password=PASSWORD,
                first_name="负载联络员",
                groups=(role_group_name(Role.CASEWORKER),),
            )
            demo_staff_link(user=liaison, role="caseworker", seed=index)
            centre_user_ensure(username="load-admin", password=PASSWORD, groups=(role_group_name(Role.CENTRE_ADMIN),))
        demo_content_ensure()
        if not FormDefinition.objects.filter(key=FORM_KEY).exists():
            feedback_form()
        due_items_sweep(today=timezone.localdate())  # today's items (once a day; again: nothing new)
        Submission.objects.filter(form__key=FORM_KEY).delete()  # earlier runs' (their deliveries go with them)
        notice = NoticePage.objects.live().order_by("pk").first()
        notice_path = "/" + notice.url_path.split("/", 2)[2]  # url_path: /<home slug>/notices/<slug>/
    host = Domain.objects.get(tenant__schema_name=code, is_primary=True).domain
    return CentrePlan(index=index, code=code, host=host, notice=notice_path)


def data_ready(count: int) -> list[CentrePlan]:
    started = time.perf_counter()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    plans = [centre_ready(i) for i in range(1, count + 1)]
    user_model = get_user_model()
    if not user_model.objects.filter(username="load-bureau").exists():
        bureau = centre_user_ensure(username="load-bureau", password=PASSWORD, first_name="市局")
        bureau_role_grant(user=bureau, role=BureauRole.VIEWER)
    if not Fact.objects.exists():
        call_command("reports_refresh", stdout=io.StringIO())  # the overview's figures
    print(f"# data ready in {time.perf_counter() - started:.0f} s", flush=True)
    return plans


def queue_drained(timeout: float) -> int:
    """Wait until the task queue is empty (the set-up's tasks: a spare schema per new centre, the reminder sweeps);
    returns the tasks still queued."""
    deadline = time.monotonic() + timeout
    while (left := OrmQ.objects.count()) and time.monotonic() < deadline:
        time.sleep(1)
    return left


def webhooks_point_to(plans: list[CentrePlan], url: str) -> None:
    for plan in plans:
        with schema_context(plan.code):
            FormWebhook.objects.filter(form__key=FORM_KEY).update(url=url)


# -- the webhook receiver -----------------------------------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.lock = threading.Lock()
        self.deliveries: dict[tuple[str, str], int] = {}  # (centre, delivery id) -> times received

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        centre = json.loads(body).get("centre", "")
        key = (centre, self.headers.get("X-Junxiu-Delivery", ""))
        server: Receiver = self.server  # type: ignore[assignment]
        with server.lock:
            server.deliveries[key] = server.deliveries.get(key, 0) + 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args) -> None:  # noqa: A002 - the stdlib's signature
        pass


# -- processes ----------------------------------------------------------------------------------------------------


def qcluster_start() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "junxiu.settings.dev"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def group_kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def qcluster_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    group_kill(process)


# -- the load -----------------------------------------------------------------------------------------------------


@dataclass
class Attempted:
    """One submission as the client saw it: its marker (in its answers), its receipt if it got one, its tries."""

    code: str
    marker: str
    receipt: str = ""
    tries: int = 0


@dataclass
class Run:
    times: dict[str, list[float]] = field(default_factory=lambda: {route: [] for route in ROUTES})
    errors: list[str] = field(default_factory=list)
    submissions: list[Attempted] = field(default_factory=list)
    seconds: float = 0.0
    killed_at: float | None = None
    tasks_taken_at_kill: int = 0

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.times.values()) + len(self.errors)


ADDRESSES = itertools.count(1)


def next_address() -> str:
    """A client address of its own for each submission: 127.a.b.c (loopback, never routed; only a label here)."""
    n = next(ADDRESSES)
    return f"127.{1 + n // 65536 % 254}.{n // 256 % 256}.{n % 256}"


class Budget:
    def __init__(self, requests: int, seconds: float) -> None:
        self.left, self.total = requests, requests
        self.deadline = time.monotonic() + seconds
        self.started = time.monotonic()

    def take(self, n: int = 1) -> bool:
        if self.left < n or time.monotonic() >= self.deadline:
            return False
        self.left -= n
        return True

    def halfway(self) -> bool:
        return self.left <= self.total / 2 or time.monotonic() >= (self.started + self.deadline) / 2


async def client(port: int, plan: CentrePlan, number: int, bureau: dict[str, str], run: Run, budget: Budget, tag: str):
    public = Session(plan.host)
    liaison = Session(plan.host, dict(plan.liaison))
    admin = Session(plan.host, dict(plan.admin))
    bureau_session = Session(BUREAU_HOST, dict(bureau))
    sent = itertools.count(1)

    async def get(route: str, session: Session, path: str):
        try:
            response, ms = await request(port, session, "GET", path, timeout=TIMEOUT_S)
        except HttpError as exc:
            run.errors.append(f"{route}: {exc}")
            return None
        location = response.header("location")
        if response.status >= 400 or "login" in location:
            run.errors.append(f"{route}: {response.status} {location}")
            return None
        run.times[route].append(ms)
        return response

    async def submit() -> None:
        page = await get("form_get", public, f"/forms/{FORM_KEY}/")
        if page is None:
            return
        attempt = Attempted(plan.code, f"{tag}:{plan.code}:{number}:{next(sent)}")
        run.submissions.append(attempt)
        public.forwarded_for = next_address()
        fields = {"csrfmiddlewaretoken": page.csrf_token(), "topic": "meal", "content": f"{MARK} {attempt.marker}"}
        for _try in range(POST_TRIES):
            attempt.tries += 1
            try:
                response, ms = await request(
                    port, public, "POST", f"/forms/{FORM_KEY}/", form=fields, timeout=TIMEOUT_S
                )
            except HttpError as exc:
                run.errors.append(f"form_post: {exc}")
                await asyncio.sleep(0.5)
                continue
            location = response.header("location")
            if response.status == 302 and "/done/" in location:
                attempt.receipt = location.rstrip("/").rsplit("/", 1)[1]
                run.times["form_post"].append(ms)
                return
            run.errors.append(f"form_post: {response.status}")
            if response.status < 500:
                return  # refused (CSRF, validation, limit): pressing again would not help
            await asyncio.sleep(0.5)

    steps = {
        "home": lambda: get("home", public, "/"),
        "notice": lambda: get("notice", public, plan.notice),
        "form": submit,
        "worklist": lambda: get("worklist", liaison, "/admin/reminders/today/"),
        "registry": lambda: get("registry", admin, "/admin/registry/cadres/"),
        "overview": lambda: get("overview", bureau_session, "/"),
    }
    order = STEPS[number % len(STEPS) :] + STEPS[: number % len(STEPS)]
    for step in itertools.cycle(order):
        if not budget.take(2 if step == "form" else 1):
            return
        await steps[step]()


def tasks_taken() -> int:
    """Tasks a cluster has taken from the queue and not yet finished (either cluster)."""
    return OrmQ.objects.filter(lock__gt=timezone.now()).count()


async def load(port, plans, bureau, *, requests: int, seconds: float, tag: str, kill=None, per_centre=PER_CENTRE):
    run = Run()
    budget = Budget(requests, seconds)
    started = time.perf_counter()

    async def killer() -> None:
        while not budget.halfway():
            await asyncio.sleep(0.1)
        run.tasks_taken_at_kill = await asyncio.to_thread(tasks_taken)
        run.killed_at = time.perf_counter() - started
        kill()

    tasks = [
        asyncio.create_task(client(port, plan, n, bureau, run, budget, tag))
        for plan in plans
        for n in range(per_centre)
    ]
    watcher = asyncio.create_task(killer()) if kill else None
    await asyncio.gather(*tasks)
    run.seconds = time.perf_counter() - started
    if watcher is not None and not watcher.done():
        watcher.cancel()
    return run


async def sign_in(port: int, plans: list[CentrePlan]) -> dict[str, str]:
    limit = asyncio.Semaphore(4)

    async def one(host: str, path: str, username: str) -> dict[str, str]:
        async with limit:
            session = Session(host)
            await login(port, session, path, username, PASSWORD)
            return session.cookies

    jobs = [one(BUREAU_HOST, "/login/", "load-bureau")]
    for plan in plans:
        jobs += [one(plan.host, "/admin/login/", "load-liaison"), one(plan.host, "/admin/login/", "load-admin")]
    cookies = await asyncio.gather(*jobs)
    for i, plan in enumerate(plans):
        plan.liaison, plan.admin = cookies[1 + 2 * i], cookies[2 + 2 * i]
    return cookies[0]


# -- checks -------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    receipts: int
    lost: int
    duplicates: int
    unconfirmed: int
    stored_ids: dict[str, list[int]]


def submissions_check(run: Run, tag: str, codes: list[str]) -> Outcome:
    """Compare what the client saw with what the database holds (markers are in the answers)."""
    stored: dict[str, list[tuple[str, int]]] = {}
    stored_ids: dict[str, list[int]] = {}
    for code in codes:
        with schema_context(code):
            rows = Submission.objects.filter(form__key=FORM_KEY, data__content__startswith=f"{MARK} {tag}:")
            for pk, receipt, content in rows.values_list("pk", "receipt", "data__content"):
                stored.setdefault(content.split(" ", 1)[1], []).append((receipt, pk))
                stored_ids.setdefault(code, []).append(pk)
    lost = duplicates = unconfirmed = 0
    for attempt in run.submissions:
        rows = stored.get(attempt.marker, [])
        duplicates += max(0, len(rows) - 1)
        if attempt.receipt:
            lost += attempt.receipt not in {receipt for receipt, _pk in rows}
        elif rows:
            unconfirmed += 1
        else:
            lost += 1
    receipts = sum(1 for a in run.submissions if a.receipt)
    return Outcome(receipts, lost, duplicates, unconfirmed, stored_ids)


def tasks_wait(stored_ids: dict[str, list[int]], timeout: float) -> tuple[int, int, int, float]:
    """Wait until every delivery of these submissions is made; (expected, undelivered, never tried, seconds waited).
    Never tried: still pending with no attempt once the time is up (no task ran for it)."""
    started = time.perf_counter()
    while True:
        expected = undelivered = untried = 0
        for code, ids in stored_ids.items():
            with schema_context(code):
                deliveries = FormWebhookDelivery.objects.filter(submission_id__in=ids)
                expected += deliveries.count()
                left = deliveries.exclude(status=FormWebhookDelivery.Status.DELIVERED)
                undelivered += left.count()
                untried += left.filter(status=FormWebhookDelivery.Status.PENDING, attempts=0).count()
        waited = time.perf_counter() - started
        if undelivered == 0 or waited >= timeout:
            return expected, undelivered, untried, waited
        time.sleep(1)


# -- figures ------------------------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def errors_summary(errors: list[str]) -> str:
    kinds: dict[str, int] = {}
    for error in errors:
        kinds[error[:80]] = kinds.get(error[:80], 0) + 1
    return "; ".join(f"{n}x {kind}" for kind, n in sorted(kinds.items(), key=lambda i: -i[1])[:6])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short runs (about 2 minutes in all once the data exists)")
    parser.add_argument("--runs", type=int, default=1, help="normal runs (medians); the kill run is one")
    parser.add_argument("--seconds", type=float, default=None, help="time limit of each run (default 40, quick 15)")
    parser.add_argument("--requests", type=int, default=None, help="request budget of each run (default 4000)")
    parser.add_argument("--centres", type=int, default=CENTRES)
    parser.add_argument("--sync", action="store_true", help=f"{WORKERS} sync workers instead of gthread x {THREADS}")
    parser.add_argument("--worker-connections", type=int, help="gunicorn's limit of connections a worker holds")
    args = parser.parse_args()
    worker_class, threads = ("sync", 1) if args.sync else ("gthread", THREADS)
    extra = ("--worker-connections", str(args.worker_connections)) if args.worker_connections else ()
    seconds = args.seconds or (15.0 if args.quick else 40.0)
    budget = args.requests or (1200 if args.quick else 4000)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a stopped bench still cleans up in `finally`
    plans = data_ready(args.centres)
    codes = [plan.code for plan in plans]
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    webhooks_point_to(plans, receiver.url)
    server = None
    clusters: list[subprocess.Popen] = []
    try:
        clusters = [qcluster_start(), qcluster_start()]
        if left := queue_drained(300):
            print(f"# {left} tasks of the set-up still queued", flush=True)
        server, port = gunicorn_deployed_start(workers=WORKERS, threads=threads, worker_class=worker_class, args=extra)
        print(f"# load average before the load: {os.getloadavg()[0]:.1f}", flush=True)
        bureau = asyncio.run(sign_in(port, plans))
        warm = asyncio.run(load(port, plans, bureau, requests=len(plans) * 8, seconds=60, tag="warm"))
        if warm.errors:
            print(f"# warm-up errors: {errors_summary(warm.errors)}", flush=True)
        alone = asyncio.run(load(port, plans[:1], bureau, requests=8 * 7, seconds=60, tag="alone", per_centre=1))
        runs, outcomes, undelivered = [], [], 0
        for number in range(args.runs):
            tag = f"run{number}-{time.time_ns()}"
            run = asyncio.run(load(port, plans, bureau, requests=budget, seconds=seconds, tag=tag))
            outcome = submissions_check(run, tag, codes)
            _expected, left, _untried, _waited = tasks_wait(outcome.stored_ids, 60)
            undelivered += left
            runs.append(run)
            outcomes.append(outcome)
            if run.errors:
                print(f"# run {number} errors: {errors_summary(run.errors)}", flush=True)

        victim = clusters[0]
        workers_before = gunicorn_workers(server)

        def kill() -> None:
            if workers_before:
                os.kill(workers_before[0], signal.SIGKILL)
            group_kill(victim)

        tag = f"kill-{time.time_ns()}"
        killed = asyncio.run(load(port, plans, bureau, requests=budget, seconds=seconds, tag=tag, kill=kill))
        kill_outcome = submissions_check(killed, tag, codes)
        expected, kill_undelivered, kill_untried, waited = tasks_wait(kill_outcome.stored_ids, 30 + 60)
        workers_after = len(gunicorn_workers(server))
        print(f"# load average after the load: {os.getloadavg()[0]:.1f}", flush=True)
        if killed.errors:
            print(f"# kill run errors: {errors_summary(killed.errors)}", flush=True)
    finally:
        if server is not None:
            gunicorn_stop(server)
        for cluster in clusters:
            qcluster_stop(cluster)
        receiver.shutdown()

    with receiver.lock:
        repeats = sum(n - 1 for (centre, _id), n in receiver.deliveries.items() if n > 1)
    print(f"load_centres: {len(plans)}")
    print(f"load_concurrency: {len(plans) * PER_CENTRE}")
    print(
        f"# gunicorn: {WORKERS} {worker_class} workers x {threads} threads {' '.join(extra)}; 2 qclusters x 2 workers"
    )
    for route in ROUTES:
        print(f"load_{route}_alone_ms: {statistics.median(alone.times[route] or [float('nan')]):.0f}")
    for route in ROUTES:
        print(f"load_{route}_rps: {statistics.median(len(r.times[route]) / r.seconds for r in runs):.1f}")
        print(f"load_{route}_p95_ms: {statistics.median(p95(r.times[route]) for r in runs):.0f}")
    print(f"load_rps: {statistics.median((r.requests - len(r.errors)) / r.seconds for r in runs):.1f}")
    print(f"load_seconds: {statistics.median(r.seconds for r in runs):.1f}")
    print(f"load_requests: {sum(r.requests for r in runs)}")
    print(f"load_errors: {sum(len(r.errors) for r in runs)}")
    print(f"load_submissions: {sum(o.receipts for o in outcomes)}")
    print(f"load_lost_submissions: {sum(o.lost for o in outcomes)}")
    print(f"load_tasks_undelivered: {undelivered}")
    print(f"load_kill_at_s: {killed.killed_at if killed.killed_at is not None else float('nan'):.1f}")
    print(f"load_kill_tasks_taken_at_kill: {killed.tasks_taken_at_kill}")
    print(f"load_kill_requests: {killed.requests}")
    print(f"load_kill_rps: {(killed.requests - len(killed.errors)) / killed.seconds:.1f}")
    print(f"load_kill_errors: {len(killed.errors)}")
    print(f"load_kill_submissions: {kill_outcome.receipts}")
    print(f"load_kill_lost_submissions: {kill_outcome.lost}")
    print(f"load_kill_duplicate_submissions: {kill_outcome.duplicates}")
    print(f"load_kill_unconfirmed_submissions: {kill_outcome.unconfirmed}")
    print(f"load_kill_tasks_expected: {expected}")
    print(f"load_kill_tasks_undelivered: {kill_undelivered}")
    print(f"load_kill_tasks_never_tried: {kill_untried}")
    print(f"load_kill_tasks_wait_s: {waited:.0f}")
    print(f"load_kill_webhook_repeats: {repeats}")
    print(f"load_kill_workers_after: {workers_after}")


if __name__ == "__main__":
    main()

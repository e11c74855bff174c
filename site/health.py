"""Health probes for load balancers and Kubernetes: /healthz (the process answers) and /readyz (it can serve).

Both answer on any host — the bureau's, a centre's, or one nobody registered, such as the pod IP a kubelet probes —
because HealthProbeMiddleware answers them before the HTTPS redirect, the centre lookup by host, sessions, CSRF and
the rate limits. The answers carry no personal data and are never cached.

/readyz answers 503 with a JSON body naming what failed:
- database: a `SELECT 1`;
- broker: django-q2's queue; with the ORM broker that is the database, with Redis a PING;
- migrations: every leaf of the migration graph (of the shared apps for `public`, of the centre apps for each active
  centre) is recorded in that schema's django_migrations — one query for all schemas, plus one per failing schema
  to name what is missing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_safe
from psycopg import sql

from tenants.db import connection_set_public
from tenants.selectors import centre_list

logger = logging.getLogger(__name__)

PUBLIC_SCHEMA = "public"


def _probe_headers(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def healthz(request: HttpRequest) -> HttpResponseBase:
    """The process is up and answering; nothing else is asked (no database)."""
    return _probe_headers(HttpResponse("ok", content_type="text/plain; charset=utf-8"))


@functools.cache
def migration_leaves() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """The migrations the public schema and a centre's schema must have recorded: the graph's leaf nodes of the
    shared apps and of the centre apps (read once per process: the code does not change under it)."""
    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()

    def labels(names: list[str]) -> set[str]:
        return {config.label for config in apps.get_app_configs() if config.name in names}

    shared, centre = labels(settings.SHARED_APPS), labels(settings.TENANT_APPS)
    return (
        frozenset(leaf for leaf in leaves if leaf[0] in shared),
        frozenset(leaf for leaf in leaves if leaf[0] in centre),
    )


def _recorded_filter(leaves: frozenset[tuple[str, str]]) -> sql.Composable:
    pairs = [sql.SQL("({}, {})").format(sql.Literal(app), sql.Literal(name)) for app, name in sorted(leaves)]
    return sql.SQL("(app, name) IN ({})").format(sql.SQL(", ").join(pairs))


def migrations_missing(schemas: list[str]) -> dict[str, list[str]]:
    """Schema → the leaf migrations ("app.name") its django_migrations lacks, for the schemas that lack any."""
    shared, centre = migration_leaves()
    wanted = {schema: shared if schema == PUBLIC_SCHEMA else centre for schema in schemas}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s FROM unnest(%s::text[]) AS s WHERE to_regclass(quote_ident(s) || '.django_migrations') IS NULL",
            [schemas],
        )
        missing: dict[str, list[str]] = {schema: ["django_migrations"] for (schema,) in cursor.fetchall()}
        present = [schema for schema in schemas if schema not in missing and wanted[schema]]
        if not present:
            return missing
        branch = sql.SQL("SELECT {name} AS schema, count(*) AS recorded FROM {table} WHERE {where}")
        union = sql.SQL(" UNION ALL ").join(
            branch.format(
                name=sql.Literal(schema),
                table=sql.Identifier(schema, "django_migrations"),
                where=_recorded_filter(wanted[schema]),
            )
            for schema in present
        )
        cursor.execute(union.as_string(cursor.connection))
        short = [schema for schema, recorded in cursor.fetchall() if recorded < len(wanted[schema])]
        for schema in short:  # only failing schemas: name what they lack
            query = sql.SQL("SELECT app, name FROM {table} WHERE {where}").format(
                table=sql.Identifier(schema, "django_migrations"), where=_recorded_filter(wanted[schema])
            )
            cursor.execute(query.as_string(cursor.connection))
            recorded = set(cursor.fetchall())
            missing[schema] = sorted(f"{app}.{name}" for app, name in wanted[schema] - recorded)
    return missing


def _check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _check_broker() -> str | None:
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    if Conf.ORM and not (Conf.BROKER_CLASS or Conf.IRON_MQ or isinstance(Conf.SQS, dict)):
        return None  # the ORM broker is a table of the database checked above
    if not get_broker().ping():
        return "the broker did not answer the ping"
    return None


def _check_migrations() -> dict[str, list[str]] | None:
    schemas = [PUBLIC_SCHEMA] + [centre.schema_name for centre in centre_list(include_retired=False)]
    return migrations_missing(schemas) or None


def readiness() -> dict[str, object]:
    """The checks of /readyz: {"status": "ok" | "fail", "checks": {name: "ok" | "failed" | "skipped"},
    "failed": {name: what failed}}."""
    connection_set_public()  # the checks read the public schema and name every other schema themselves
    checks: dict[str, str] = {}
    failed: dict[str, object] = {}
    steps: list[tuple[str, Callable[[], object]]] = [
        ("database", _check_database),
        ("broker", _check_broker),
        ("migrations", _check_migrations),
    ]
    for name, check in steps:
        if name == "migrations" and "database" in failed:
            checks[name] = "skipped"
            continue
        try:
            problem = check()
        except Exception as error:  # noqa: BLE001 - any failure of a dependency is "not ready", named in the body
            problem = f"{type(error).__name__}: {error}".strip()
        if problem:
            checks[name] = "failed"
            failed[name] = problem
        else:
            checks[name] = "ok"
    if failed:
        logger.warning("not ready: %s", failed)
    return {"status": "fail" if failed else "ok", "checks": checks, "failed": failed}


@require_safe
def readyz(request: HttpRequest) -> HttpResponseBase:
    """200 when the database, the broker and every active centre's migrations are ready; else 503 naming them."""
    body = readiness()
    status = 200 if body["status"] == "ok" else 503
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    # readiness() logged what failed, once; Django would add an ERROR "Service Unavailable" line at every probe.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return _probe_headers(response)


PROBES: dict[str, Callable[[HttpRequest], HttpResponseBase]] = {"/healthz": healthz, "/readyz": readyz}


class HealthProbeMiddleware:
    """Answers the probe paths first, whatever the host: no HTTPS redirect, no centre lookup (an unknown host would
    get 404), no session, CSRF or rate limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        return probe(request)

"""The route matrix's machinery: every route of a URL conf with the methods its view accepts, how an answer is read
(in, refused, error), and a fingerprint of every table of a schema to prove a refused request changed nothing."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Route:
    pattern: str  # the joined pattern, as resolve(path).route gives it
    name: str  # namespaced URL name, "" when unnamed
    callback: object

    @property
    def view(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def module(self) -> str:
        view = self.view or self.callback
        return getattr(view, "__module__", "") or ""


def routes(urlconf: str) -> Iterator[Route]:
    def join(prefix: str, pattern) -> str:  # as Django joins ResolverMatch.route: an inner "^" is dropped
        text = str(pattern)
        return prefix + (text[1:] if prefix and text.startswith("^") else text)

    def walk(patterns, prefix: str, namespace: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                yield from walk(entry.url_patterns, join(prefix, entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                yield Route(join(prefix, entry.pattern), namespace + (entry.name or ""), entry.callback)

    yield from walk(get_resolver(urlconf).url_patterns, "", "")


def _declared_methods(function) -> set[str] | None:
    """The methods named by require_http_methods / require_POST / require_GET anywhere in a decorator chain."""
    while function is not None:
        if inspect.isfunction(function) and function.__closure__:
            listed = inspect.getclosurevars(function).nonlocals.get("request_method_list")
            if listed:
                return {method.upper() for method in listed}
        function = getattr(function, "__wrapped__", None)
    return None


def accepted_methods(route: Route) -> set[str]:
    """The methods the route's view has a handler for (HEAD follows GET as Django and DRF answer it)."""
    callback, view = route.callback, route.view
    actions = getattr(callback, "actions", None)  # a DRF viewset bound to this route's actions
    if actions is not None:
        allowed = {name.upper() for name in view.http_method_names}
        methods = {method.upper() for method in actions} | {"OPTIONS"}
        methods &= allowed
    elif view is not None:
        methods = {name.upper() for name in view.http_method_names if hasattr(view, name)}
        declared = None
        for method in ("get", "post", "dispatch"):
            declared = declared or _declared_methods(getattr(view, method, None))
        methods = methods & declared if declared else methods
    else:
        methods = _declared_methods(callback) or set(METHODS)
    if "GET" in methods:
        methods.add("HEAD")
    return methods & set(METHODS)


# -- answers -------------------------------------------------------------------------------------------------------

LOGIN_PATHS = ("/admin/login/", "/login/", "/cadre/login/", "/_util/login/")
DENIED_REDIRECTS = ("/admin/",)  # Wagtail's permission_denied: back to the dashboard with a message


def verdict(response, *, denied: tuple[str, ...] = ()) -> str:
    """ "error" (5xx), "refused" (401/403/404/405/410, or sent to a log-in, back to the dashboard or to one of the
    route's own `denied` pages), else "in" (a 400 is "in": the request got past the permission check)."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status in (401, 403, 404, 405, 410):
        return "refused"
    if 300 <= status < 400:
        location = response.get("Location", "").split("?")[0]
        if "://" in location:
            location = "/" + location.split("://", 1)[1].split("/", 1)[-1]
        if location.startswith(LOGIN_PATHS) or location in DENIED_REDIRECTS or location in denied:
            return "refused"
    return "in"


# -- nothing changed -------------------------------------------------------------------------------------------------


def _tables(schema: str, skip: set[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'"
            " ORDER BY table_name",
            [schema],
        )
        return [name for (name,) in cursor.fetchall() if name not in skip]


class Fingerprint:
    """Row count and a sum of row hashes of every table of the given schemas, in one query: a refused request that
    inserts, deletes or changes any row anywhere shows up as a difference."""

    def __init__(self, schemas: tuple[str, ...], *, skip: dict[str, str]):
        parts = []
        for schema in schemas:
            for table in _tables(schema, set(skip)):
                # Names read from the catalogue, not from input.
                digest = "coalesce(sum(hashtext(t::text)::bigint), 0)"
                parts.append(f'SELECT \'{schema}.{table}\', count(*), {digest} FROM "{schema}"."{table}" t')  # noqa: S608
        self.sql = " UNION ALL ".join(parts)

    def take(self) -> dict[str, tuple[int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return {name: (count, digest) for name, count, digest in cursor.fetchall()}

    @staticmethod
    def changed(before: dict, after: dict) -> list[str]:
        return sorted(
            f"{name}: {before.get(name, ('-', ''))[0]} -> {after.get(name, ('-', ''))[0]} rows"
            for name in before.keys() | after.keys()
            if before.get(name) != after.get(name)
        )

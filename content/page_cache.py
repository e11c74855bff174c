"""Rendered public pages cached per centre, dropped as a whole when anything in that centre is published or moved.

Every key carries the centre's schema (the cache's KEY_FUNCTION adds it) and the centre's current *version*, a token
replaced whenever a page is published, unpublished, moved, renamed or deleted, or a site changes: old entries are
never read again and expire on their own. Only anonymous GET requests for pages Wagtail serves are cached; any
request with a cookie other than the display mode's or the CSRF one (a staff or cadre session, messages…) passes by
the cache, and
a response that sets a cookie, says private/no-store or is not a 200 is never stored. The display mode is part of the
key: the same page is cached once per mode.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django_tenants.utils import get_public_schema_name, schema_context

from content.display import DISPLAY_COOKIE, display_mode

VERSION_KEY = "content:version"
# Paths never served by Wagtail's page view: not looked up in the cache at all.
SKIPPED_PREFIXES = (
    "/admin/",
    "/api/",
    "/cadre/",
    "/documents/",
    "/forms/",
    "/static/",
    "/media/",
    "/search/",
    "/display/",
)
# A page's own query parameters (a list's page and filters) are part of the key; any other parameter passes by.
QUERY_PARAMS = ("page", "category", "from", "to")
QUERY_MAX_CHARS = 80
CACHEABLE_STATUS = 200


def page_cache_seconds() -> int:
    """How long a rendered page stays; 0 turns page (and navigation) caching off."""
    return int(getattr(settings, "JUNXIU_PAGE_CACHE_SECONDS", 300))


def content_version() -> str:
    """The current centre's content version (made on first use)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = secrets.token_hex(6)
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def content_version_bump() -> None:
    """Forget every cached page and navigation of the current centre (now, and again when the transaction commits)."""
    schema = connection.schema_name
    if schema == get_public_schema_name():
        return
    cache.set(VERSION_KEY, secrets.token_hex(6), timeout=None)

    def bump_after_commit() -> None:
        with schema_context(schema):
            cache.set(VERSION_KEY, secrets.token_hex(6), timeout=None)

    # A request that read the old rows before the commit may have stored them under the first new version.
    transaction.on_commit(bump_after_commit)


def _allowed_query(request: HttpRequest) -> bool:
    return (
        all(name in QUERY_PARAMS for name in request.GET)
        and len(request.META.get("QUERY_STRING", "")) <= QUERY_MAX_CHARS
    )


def _request_cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and connection.schema_name != get_public_schema_name()
        and not request.path.startswith(SKIPPED_PREFIXES)
        and all(name in (DISPLAY_COOKIE, settings.CSRF_COOKIE_NAME) for name in request.COOKIES)
        and _allowed_query(request)
    )


def _response_storable(request: HttpRequest, response: HttpResponse) -> bool:
    match = getattr(request, "resolver_match", None)
    cache_control = response.get("Cache-Control", "").lower()
    return (
        request.method == "GET"
        and match is not None
        and match.url_name == "wagtail_serve"
        and response.status_code == CACHEABLE_STATUS
        and not response.cookies
        and not getattr(response, "streaming", False)
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
        and getattr(request, "_csp_nonce", None) is None  # a CSP nonce is good for one answer only
    )


def request_digest(request: HttpRequest) -> str:
    """What a cached answer is keyed by besides the centre and its version: host and full path."""
    return hashlib.sha256(f"{request.get_host()}|{request.get_full_path()}".encode()).hexdigest()[:32]


def _page_key(request: HttpRequest, version: str) -> str:
    return f"content:page:{version}:{display_mode(request).key}:{request_digest(request)}"


PUBLIC_VIEWS = ("wagtail_serve", "site_search")


class PageCacheMiddleware:
    """Answer anonymous page requests from the cache (placed right after the centre middleware), and give the
    public pages `Vary: Cookie`. Their Content-Security-Policy comes from django-csp, outside the cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = page_cache_seconds()
        if seconds <= 0 or not _request_cacheable(request):
            return _public_headers(request, self.get_response(request))
        key = _page_key(request, content_version())
        stored = cache.get(key)
        if stored is not None:
            return _rebuild(stored)
        response = _public_headers(request, self.get_response(request))
        if _response_storable(request, response):
            cache.set(key, _freeze(response), timeout=seconds)
        return response


def _public_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in PUBLIC_VIEWS:
        patch_vary_headers(response, ("Cookie",))  # the display mode comes from a cookie: no proxy may share it
    return response


def _freeze(response: HttpResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, list(response.items()), response.content


def _rebuild(stored: tuple[int, list[tuple[str, str]], bytes]) -> HttpResponse:
    status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


# ---------------------------------------------------------------- signals


def _bump(**_kwargs) -> None:
    content_version_bump()


def _bump_on_delete(instance, **_kwargs) -> None:
    from wagtail.models import Page, Site

    if isinstance(instance, Page | Site):
        content_version_bump()


def _bump_restored(*, code: str, **_signal) -> None:
    """A centre restored from a backup: its pages may have changed under every cached copy."""
    with schema_context(code):
        content_version_bump()


def page_cache_signals_connect() -> None:
    """Whatever changes what a centre's visitors see drops that centre's cached pages."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Site
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from tenants.signals import centre_restored

    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(_bump, dispatch_uid=f"content.page_cache.{id(signal)}")
    # Deleting a page sends post_delete for its specific model and for Page; a site, for Site.
    post_delete.connect(_bump_on_delete, dispatch_uid="content.page_cache.delete")
    post_save.connect(_bump, sender=Site, dispatch_uid="content.page_cache.site_save")
    centre_restored.connect(_bump_restored, dispatch_uid="content.page_cache.centre_restored")

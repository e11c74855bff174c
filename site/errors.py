"""Error answers outside the API's views: JSON (`{"detail": ...}`, as the API's own errors) under /api/, the site's
pages elsewhere. For a URL that matches no route, and for a refused CSRF check (a POST to an /api/ URL that matches
no API route reaches the site's catch-all page view, which checks CSRF)."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.defaults import page_not_found, server_error
from rest_framework.exceptions import NotFound
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    """DRF's handler, but a missing object is DRF's own Chinese "未找到。", never Django's English message naming
    the model (`No Cadre matches the given query.`)."""
    if isinstance(exc, Http404):
        exc = NotFound()
    return exception_handler(exc, context)


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def csrf_failure(request, reason=""):
    if request.path.startswith(("/api/", "/field/api/")):
        return JsonResponse({"detail": _("The request was refused: its CSRF check failed.")}, status=403)
    return django_csrf_failure(request, reason)


logger = logging.getLogger("django.request")


class FriendlyErrorPagesMiddleware:
    """With DEBUG on (`make run`), a wrong address or a failing page still shows the project's Chinese 404 and 500
    pages (Django would show its English debug page); the traceback goes to the console. Off unless both DEBUG and
    JUNXIU_FRIENDLY_ERRORS are set (site/settings/dev.py); without DEBUG, Django uses these handlers anyway.

    Placed last: its process_exception runs first, and the address is resolved as the view would be.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def active() -> bool:
        return bool(settings.DEBUG and getattr(settings, "JUNXIU_FRIENDLY_ERRORS", False))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.active():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self.active():
            return None
        if isinstance(exception, Http404):
            return not_found(request, exception)
        if isinstance(exception, PermissionDenied | BadRequest | SuspiciousOperation):
            return None  # Django answers these with its own 403/400 handlers, DEBUG or not
        logger.error("Internal Server Error: %s", request.path, exc_info=exception, extra={"request": request})
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("A server error occurred.")}, status=500)
        return server_error(request)

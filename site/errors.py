"""Error answers outside the API's views: JSON (`{"detail": ...}`, as the API's own errors) under /api/, the site's
pages elsewhere. For a URL that matches no route, and for a refused CSRF check (a POST to an /api/ URL that matches
no API route reaches the site's catch-all page view, which checks CSRF)."""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.defaults import page_not_found
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
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("The request was refused: its CSRF check failed.")}, status=403)
    return django_csrf_failure(request, reason)

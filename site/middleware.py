"""Middleware wiring that knows which schema a request is in."""

from django.conf import settings
from django.contrib.auth import hashers
from django.db import connection
from django.shortcuts import redirect
from django.urls import reverse
from django_tenants.utils import get_public_schema_name
from pghistory.middleware import HistoryMiddleware
from wagtail.contrib.redirects.middleware import RedirectMiddleware

from tenants.hashers import password_is_one_time


class CentreRedirectMiddleware(RedirectMiddleware):
    """Wagtail's redirects live in each centre's schema; the bureau's public schema has none."""

    def process_response(self, request, response):
        if connection.schema_name == get_public_schema_name():
            return response
        return super().process_response(request, response)


class CentreHistoryMiddleware(HistoryMiddleware):
    """Attach who and which URL to the change history; history tables exist only in centre schemas.

    Routes that never write tracked (registry) records skip it: the context costs a statement per query.
    """

    UNTRACKED_PREFIXES = ("/api/forms/", "/forms/", "/api/v2/", "/static/", "/media/")

    def __call__(self, request):
        if connection.schema_name == get_public_schema_name() or request.path.startswith(self.UNTRACKED_PREFIXES):
            return self.get_response(request)
        return super().__call__(request)


class PasswordChangeRequiredMiddleware:
    """A user still on a generated one-time password is sent to change it, on every request until they have."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            if password_is_one_time(request.user.password):
                _keep_one_time_hash(request.user)
                urlconf = getattr(request, "urlconf", None)
                if connection.schema_name == get_public_schema_name():
                    names = ("password_change", "password_change_done", "logout")
                else:
                    names = ("wagtailadmin_account", "wagtailadmin_logout")
                allowed = [reverse(name, urlconf=urlconf) for name in names]
                if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                    return redirect(allowed[0])
        return self.get_response(request)


def _keep_one_time_hash(user) -> None:
    """Checking the old password on the change form must not re-hash it: that would end the session and the duty."""

    def check_password(raw_password: str) -> bool:
        return hashers.check_password(raw_password, user.password)

    user.check_password = check_password

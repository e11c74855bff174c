"""Middleware wiring that knows which schema a request is in."""

from django.db import connection
from django_tenants.utils import get_public_schema_name
from pghistory.middleware import HistoryMiddleware
from wagtail.contrib.redirects.middleware import RedirectMiddleware


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

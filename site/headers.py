"""Security headers on every answer: django-csp's Content-Security-Policy (strict; looser only in the Wagtail admin)
and Permissions-Policy. HSTS, nosniff and Referrer-Policy come from Django's SecurityMiddleware, X-Frame-Options
from its clickjacking middleware.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# The Wagtail admin (and the views apps add under it) runs Wagtail's own inline scripts and styles.
ADMIN_PREFIX = "/admin/"


class SecurityHeadersMiddleware(CSPMiddleware):
    """CONTENT_SECURITY_POLICY everywhere, JUNXIU_ADMIN_CSP under /admin/ (unless a view set its own)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and request.path_info.startswith(ADMIN_PREFIX):
            parts.config = settings.JUNXIU_ADMIN_CSP
            parts.nonce = None  # a nonce would switch off the admin's 'unsafe-inline'
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        if settings.JUNXIU_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.JUNXIU_PERMISSIONS_POLICY)
        return response

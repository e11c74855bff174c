"""Staff and bureau log-in lockout (django-axes): who is counted, how a locked-out person is told, how to unlock.

Axes' tables live in every schema (SHARED_APPS and TENANT_APPS), so a centre's attempts and locks are its own and the
bureau's are in public: the same username in another centre is another person. Failures are counted per username
(AXES_FAILURE_LIMIT) and per client address (JUNXIU_LOGIN_ADDRESS_FAILURE_LIMIT, higher: a whole office shares one
address behind its gateway); the address is the one tenants.clientip trusts, never a header anyone may send.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.clientip import client_ip


def login_client_ip(request: HttpRequest) -> str | None:
    """The client's address for axes: REMOTE_ADDR, or the trusted proxy's word for it (tenants.clientip)."""
    address = client_ip(getattr(request, "_request", request))
    return None if address == "unknown" else address


def _total(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class CentreLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with a higher limit for a client address than for a username."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        counts = [_total(attempts) for attempts in self.get_user_attempts(request, credentials)]
        by_username, by_address = counts[0], counts[1] if len(counts) > 1 else 0
        if by_address >= settings.JUNXIU_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_username, axes_settings.AXES_FAILURE_LIMIT)
        return by_username

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a right password only that username's count starts again, not its address's (others' tries)."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _rows = AccessAttempt.objects.filter(username=username).delete()
        return count


def _unlock_at(request: HttpRequest) -> dt.datetime:
    cool_off = get_cool_off(request) or dt.timedelta(0)
    return timezone.localtime(timezone.now() + cool_off)


def lockout_message(request: HttpRequest) -> str:
    unlock_at = _unlock_at(request)
    return _(
        "Too many wrong passwords: this account is locked for %(minutes)d minutes, until %(time)s. Try again then, "
        "or ask your administrator to unlock it now."
    ) % {
        "minutes": int((get_cool_off(request) or dt.timedelta(0)).total_seconds() // 60),
        "time": unlock_at.strftime("%H:%M"),
    }


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: dict | None = None):
    """A page (or, for the API, a JSON body) in Chinese saying what happened, when it unlocks and what to do."""
    status = axes_settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(request)}, status=status)
    context = {
        "message": lockout_message(request),
        "unlock_at": _unlock_at(request),
        "failure_limit": axes_settings.AXES_FAILURE_LIMIT,
        "login_path": request.path,
    }
    response: HttpResponse = render(request, "registration/locked_out.html", context, status=status)
    return response


def locked_attempts() -> list[dict[str, Any]]:
    """The usernames and addresses locked out now in the current schema, newest first."""
    threshold = timezone.now() - (get_cool_off() or dt.timedelta(days=36500))
    recent = AccessAttempt.objects.filter(attempt_time__gte=threshold)
    rows = []
    for username in recent.exclude(username=None).values_list("username", flat=True).distinct():
        failures = _total(recent.filter(username=username))
        if failures >= axes_settings.AXES_FAILURE_LIMIT:
            last = recent.filter(username=username).order_by("-attempt_time").first()
            rows.append({"kind": "username", "value": username, "failures": failures, "last": last.attempt_time})
    for address in recent.exclude(ip_address=None).values_list("ip_address", flat=True).distinct():
        failures = _total(recent.filter(ip_address=address))
        if failures >= settings.JUNXIU_LOGIN_ADDRESS_FAILURE_LIMIT:
            last = recent.filter(ip_address=address).order_by("-attempt_time").first()
            rows.append({"kind": "address", "value": address, "failures": failures, "last": last.attempt_time})
    return sorted(rows, key=lambda row: row["last"], reverse=True)


def lockout_reset(*, username: str = "", address: str = "") -> int:
    """Unlock a username or a client address in the current schema; the number of attempt rows removed."""
    from axes.handlers.proxy import AxesProxyHandler

    if username:
        return AxesProxyHandler.reset_attempts(username=username)
    if address:
        return AxesProxyHandler.reset_attempts(ip_address=address)
    return 0

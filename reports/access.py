"""Who may use the bureau's portal: a decorator for views and the context every report page shares."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from reports.filters import Filters
from reports.models import Indicator, ReportAccess
from reports.roles import bureau_can, bureau_role


def bureau_required(action: str = "view"):
    """Anonymous → the log-in page; a user without the bureau role for `action` → 403 in Chinese."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not bureau_can(request.user, action):
                return render(request, "reports/forbidden.html", {"action": action}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def page_context(request, filters: Filters | None = None) -> dict:
    from django.conf import settings

    from registry.selectors import report_labels
    from tenants.models import Centre

    role = bureau_role(request.user)
    names = report_labels()
    return {
        "months_choice": range(1, 13),
        "levels": list(names["level"].items()),
        "kinds": list(names["kind"].items()),
        "all_centres": Centre.objects.filter(kind=Centre.Kind.CENTRE).order_by("schema_name"),
        "small_cell": settings.JUNXIU_SMALL_CELL,
        "areas": Indicator.Area.choices,
        "query_string": filters.query() if filters else "",
        "year_query": f"?year={filters.period.year}" if filters else "",
        "filters": filters,
        "role_label": role.label if role else "",
        "can_refresh": bureau_can(request.user, "refresh"),
        "can_export": bureau_can(request.user, "export"),
        "can_edit": bureau_can(request.user, "edit"),
        "can_publish": bureau_can(request.user, "publish"),
    }


def access_log(*, request, action: str, what: str) -> None:
    ReportAccess.objects.create(username=request.user.get_username(), action=action, what=what[:300])


def as_of_context(states: list) -> dict:
    """What the "figures as of" (数据截至) block of a page needs: each centre's state and how many are not current."""
    return {"states": states, "stale_count": sum(1 for s in states if s.stale)}

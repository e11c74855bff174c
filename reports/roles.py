"""The bureau's roles (public schema groups): head, analyst, viewer — and what each may do."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BureauRole(models.TextChoices):
    HEAD = "bureau:head", _("Bureau head")
    ANALYST = "bureau:analyst", _("Analyst")
    VIEWER = "bureau:viewer", _("Viewer")


# view: read the portal and API; export: workbooks and PDFs; edit: draft scorecards; publish: freeze a scorecard.
ALLOWED = {
    BureauRole.HEAD: {"view", "export", "edit", "publish", "refresh"},
    BureauRole.ANALYST: {"view", "export", "edit", "refresh"},
    BureauRole.VIEWER: {"view"},
}


def bureau_role(user) -> BureauRole | None:
    """The user's bureau role (the strongest if several); None for anyone else, centre users included."""
    if not getattr(user, "is_authenticated", False):
        return None
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    if connection.schema_name != get_public_schema_name():
        return None  # a centre's user is never a bureau user
    if user.is_superuser:
        return BureauRole.HEAD
    if not hasattr(user, "_bureau_role"):  # read once per request's user
        names = set(user.groups.values_list("name", flat=True))
        user._bureau_role = next((role for role in BureauRole if role.value in names), None)
    return user._bureau_role


def bureau_can(user, action: str) -> bool:
    role = bureau_role(user)
    return role is not None and action in ALLOWED[role]


def bureau_role_grant(*, user, role: BureauRole) -> None:
    """Give a public-schema user one bureau role (replacing any other)."""
    from django.contrib.auth.models import Group

    user.groups.remove(*Group.objects.filter(name__in=BureauRole.values))
    group, _created = Group.objects.get_or_create(name=BureauRole(role).value)
    user.groups.add(group)
    user.__dict__.pop("_bureau_role", None)

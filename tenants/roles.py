"""The roles every centre has, as Django groups in the centre's own schema."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CENTRE_ADMIN = "centre_admin", _("Centre admin")
    EDITOR = "editor", _("Editor")
    CASEWORKER = "caseworker", _("Caseworker (liaison)")
    HEALTH_OFFICER = "health_officer", _("Health officer")
    VIEWER = "viewer", _("Viewer")


def role_group_name(role: Role) -> str:
    return str(Role(role).label)


def role_groups_setup(**_context) -> None:
    """Set-up step: create one group per role (permissions are granted by the apps that own them)."""
    for role in Role:
        Group.objects.get_or_create(name=role_group_name(role))


def role_group(role: Role) -> Group:
    return Group.objects.get(name=role_group_name(role))


def user_roles(user) -> set[str]:
    """The centre roles a user holds (remembered on the user object for the request)."""
    if not hasattr(user, "_junxiu_roles"):
        user_roles_remember(user, group_names=user.groups.values_list("name", flat=True))
    return user._junxiu_roles


def user_roles_remember(user, *, group_names: Iterable[str]) -> None:
    """Remember the roles of a user whose group names were read already (with the API token, in one query)."""
    names = {role_group_name(role): str(role) for role in Role}
    user._junxiu_roles = {names[name] for name in group_names if name in names}

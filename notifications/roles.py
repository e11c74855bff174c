"""What each centre role may do with reminders; granted by a repeatable set-up step."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from tenants.roles import Role, role_group

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CENTRE_ADMIN: [
        *(f"{verb}_{model}" for model in ("reminderrule", "holiday") for verb in ("view", "add", "change", "delete")),
        "waive_dueitem",
        "view_delivery",
        "change_delivery",
    ],
    Role.VIEWER: ["view_reminderrule", "view_holiday"],
}


def notifications_roles_setup(**_context) -> None:
    """Set-up step: give each role its reminder permissions."""
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="notifications")}
    for role, codenames in ROLE_PERMISSIONS.items():
        role_group(role).permissions.add(*(permissions[c] for c in codenames))

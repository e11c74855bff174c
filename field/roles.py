"""What each centre role may do with the field app's devices; granted by a repeatable set-up step."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from tenants.roles import Role, role_group

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CENTRE_ADMIN: ["view_fielddevice", "change_fielddevice"],
}


def field_roles_setup(**_context) -> None:
    """Set-up step: the centre admin sees the phones signed in to the field app and signs them out."""
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="field")}
    for role, codenames in ROLE_PERMISSIONS.items():
        role_group(role).permissions.add(*(permissions[c] for c in codenames))

"""What each centre role may do in the registry; granted by a set-up step of every new centre."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from tenants.roles import Role, role_group

RECORDS = ["cadre", "familymember", "tripabroad", "healthcheck", "archivedocument", "honour", "skill"]
PLACES = ["resthome", "staff", "staffqualification", "stafftraining", "facilityroom", "vehicle"]


def _crud(models: list[str], verbs=("view", "add", "change", "delete")) -> list[str]:
    return [f"{verb}_{model}" for model in models for verb in verbs]


LIFECYCLE = ["cadrereception", "cadredeath", "deathbenefit"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CENTRE_ADMIN: _crud(RECORDS + PLACES + LIFECYCLE + ["cadretombstone", "cadretransfer"])
    + ["view_accesslog", "view_sensitive_data", "view_all_cadres", "export_cadres", "import_cadres"]
    + ["approve_cadretransfer"],
    Role.CASEWORKER: _crud(RECORDS + LIFECYCLE, ("view", "add", "change"))
    + _crud(PLACES, ("view",))
    + ["view_sensitive_data"],
    Role.HEALTH_OFFICER: _crud(["cadre", "familymember"] + LIFECYCLE, ("view",))
    + _crud(["healthcheck"], ("view", "add", "change"))
    + ["view_all_cadres", "view_sensitive_data"],
    Role.VIEWER: _crud(RECORDS + PLACES + LIFECYCLE + ["cadretransfer"], ("view",)) + ["view_all_cadres"],
    Role.EDITOR: [],
}


def registry_roles_setup(**_context) -> None:
    """Set-up step: give each role its registry permissions (everything else stays denied)."""
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="registry")}
    for role, codenames in ROLE_PERMISSIONS.items():
        role_group(role).permissions.add(*(permissions[c] for c in codenames))

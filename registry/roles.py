"""What each centre role may do in the registry; granted by a set-up step of every new centre."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from tenants.roles import Role, role_group

RECORDS = ["cadre", "familymember", "tripabroad", "healthcheck", "archivedocument", "honour", "skill"]
PLACES = ["resthome", "staff", "staffqualification", "stafftraining", "facilityroom", "vehicle"]


def _crud(models: list[str], verbs=("view", "add", "change", "delete")) -> list[str]:
    return [f"{verb}_{model}" for model in models for verb in verbs]


LIFECYCLE = ["cadrereception", "cadredeath", "deathbenefit"]

# Personal data is unmasked by kind, each the least a role needs for its work (the centre admin can grant more per
# role in the group editor, where these show by name):
# - centre admin: all three; they register people, import and export rosters, and answer for the data.
# - caseworker (liaison): contact only, to call and visit the cadres they serve; those are the cadres of their own
#   rest home or assigned to them (selectors.cadre_visible_queryset), so they see no one else's phone or address.
#   The ID number stays masked and the birth date shows as an age: serving a cadre needs neither.
# - health officer: health (their work) and contact (arranging checks and follow-ups with cadres and families);
#   no identity: a hospital booking is made by the centre admin or with the cadre's own card.
# - viewer and editor: none; they see masks, ages and the non-personal fields.
IDENTITY_DATA, CONTACT_DATA, HEALTH_DATA = "view_identity_data", "view_contact_data", "view_health_data"
PERSONAL_DATA = [IDENTITY_DATA, CONTACT_DATA, HEALTH_DATA]
# The one permission that unmasked all of it before; taken from every group and user on upgrade (migration 0005).
LEGACY_PERSONAL_DATA = "view_sensitive_data"

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CENTRE_ADMIN: _crud(RECORDS + PLACES + LIFECYCLE + ["cadretombstone", "cadretransfer"])
    + ["view_accesslog", "view_all_cadres", "export_cadres", "import_cadres"]
    + ["approve_cadretransfer"]
    + PERSONAL_DATA,
    Role.CASEWORKER: _crud(RECORDS + LIFECYCLE, ("view", "add", "change")) + _crud(PLACES, ("view",)) + [CONTACT_DATA],
    Role.HEALTH_OFFICER: _crud(["cadre", "familymember"] + LIFECYCLE, ("view",))
    + _crud(["healthcheck"], ("view", "add", "change"))
    + ["view_all_cadres", CONTACT_DATA, HEALTH_DATA],
    Role.VIEWER: _crud(RECORDS + PLACES + LIFECYCLE + ["cadretransfer"], ("view",)) + ["view_all_cadres"],
    Role.EDITOR: [],
}


def registry_roles_setup(**_context) -> None:
    """Set-up step: give each role its registry permissions (everything else stays denied).

    Repeatable: adds what a role lacks and never takes away what the centre admin granted since.
    """
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="registry")}
    for role, codenames in ROLE_PERMISSIONS.items():
        role_group(role).permissions.add(*(permissions[c] for c in codenames))

"""Writes for a centre's Wagtail content: its site and home page, role permissions, demo pages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site, Workflow

from content.models import HomePage, NoticePage
from tenants.models import Centre, Domain
from tenants.roles import Role, role_group

DEMO_DIR = Path(__file__).resolve().parent / "demo"
# Created by wagtailcore's own migrations (names as they stand in the database).
WAGTAIL_SAMPLE_GROUPS = ("Editors", "Moderators")
WAGTAIL_SAMPLE_WORKFLOWS = ("Moderators approval",)

MEDIA_PERMISSIONS = ["add_image", "change_image", "choose_image", "add_document", "change_document", "choose_document"]
PAGE_PERMISSIONS = {
    Role.CENTRE_ADMIN: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "bulk_delete_page"],
    Role.EDITOR: ["add_page", "change_page", "publish_page", "lock_page"],
}
COLLECTION_PERMISSIONS = {Role.CENTRE_ADMIN: MEDIA_PERMISSIONS, Role.EDITOR: MEDIA_PERMISSIONS}
PERMISSION_APPS = {"page": "wagtailcore", "image": "wagtailimages", "document": "wagtaildocs", "admin": "wagtailadmin"}


def _permissions(codenames: set[str]) -> dict[str, Permission]:
    """Wagtail's permissions by codename, in one query."""
    found = Permission.objects.filter(
        content_type__app_label__in=PERMISSION_APPS.values(), codename__in=codenames
    ).select_related("content_type")
    return {p.codename: p for p in found if PERMISSION_APPS[p.codename.rsplit("_", 1)[-1]] == p.content_type.app_label}


def centre_site_setup(*, centre: Centre, domain: Domain) -> HomePage:
    """Set-up step: the centre's home page (cloned from the template) takes its name and is served on its host."""
    home = HomePage.objects.first()
    if home is None:  # a template from before content 0003: replace Wagtail's placeholder page
        root = Page.get_first_root_node()
        for placeholder in root.get_children().exclude(content_type__model="homepage"):
            placeholder.delete()
        home = HomePage(title=centre.name, slug="home", draft_title=centre.name)
        root.add_child(instance=home)
    else:
        HomePage.objects.filter(pk=home.pk).update(title=centre.name, draft_title=centre.name, seo_title="")
        home.refresh_from_db()
    home.save_revision().publish()
    Site.objects.all().delete()
    Site.objects.create(
        hostname=domain.domain,
        port=settings.JUNXIU_SITE_PORT,
        root_page=home,
        is_default_site=True,
        site_name=centre.name,
    )
    return home


def centre_roles_setup(**_context) -> None:
    """Set-up step: every role may enter the Wagtail admin; admins and editors may publish pages.

    Wagtail's sample groups and sample moderation workflow are removed: the centre's roles replace them.
    """
    Group.objects.filter(name__in=WAGTAIL_SAMPLE_GROUPS).delete()
    Workflow.objects.filter(name__in=WAGTAIL_SAMPLE_WORKFLOWS).delete()
    wanted = {"access_admin"} | {c for codes in (*PAGE_PERMISSIONS.values(), MEDIA_PERMISSIONS) for c in codes}
    permissions = _permissions(wanted)
    root_page = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    page_rows, collection_rows = [], []
    for role in Role:
        group = role_group(role)
        group.permissions.add(permissions["access_admin"])
        page_rows += [
            GroupPagePermission(group=group, page=root_page, permission=permissions[codename])
            for codename in PAGE_PERMISSIONS.get(role, [])
        ]
        collection_rows += [
            GroupCollectionPermission(group=group, collection=root_collection, permission=permissions[codename])
            for codename in COLLECTION_PERMISSIONS.get(role, [])
        ]
    GroupPagePermission.objects.bulk_create(page_rows, ignore_conflicts=True)
    GroupCollectionPermission.objects.bulk_create(collection_rows, ignore_conflicts=True)


@transaction.atomic
def demo_content_ensure() -> int:
    """Give the current centre's home page demo text and notices, once; returns the notices created."""
    home = HomePage.objects.first()
    if home is None or NoticePage.objects.exists():
        return 0
    demo = json.loads((DEMO_DIR / "content.json").read_text(encoding="utf-8"))
    home.intro = demo["intro"].format(name=home.title)
    home.hotline = demo["hotline"]
    home.save_revision().publish()
    created = 0
    for notice in demo["notices"]:
        page = NoticePage(
            title=notice["title"],
            date=dt.date.fromisoformat(notice["date"]),
            summary=notice["summary"],
            body=[("paragraph", f"<p>{paragraph}</p>") for paragraph in notice["paragraphs"]],
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        created += 1
    return created

"""Writes for a centre's Wagtail set-up: its site and home page, role permissions, the review workflow, schedules."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from content.models import HomePage
from tenants.models import Centre, Domain
from tenants.roles import Role, role_group

# The review every page passes before it is published; names stored as data, in Chinese like the demo content.
REVIEW_WORKFLOW_NAME = "保密审查"
REVIEW_TASK_NAME = "保密审查（中心管理员审核）"
ROOT_TITLE = "全部网站"
# Created by wagtailcore's own migrations (names as they stand in the database).
WAGTAIL_SAMPLE_GROUPS = ("Editors", "Moderators")
WAGTAIL_SAMPLE_WORKFLOWS = ("Moderators approval",)

MEDIA_PERMISSIONS = ["add_image", "change_image", "choose_image", "add_document", "change_document", "choose_document"]
PAGE_PERMISSIONS = {
    Role.CENTRE_ADMIN: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "bulk_delete_page"],
    # Editors submit pages to the secrecy review; only centre admins publish (6.1.1, 6.3).
    Role.EDITOR: ["add_page", "change_page", "lock_page"],
}
COLLECTION_PERMISSIONS = {Role.CENTRE_ADMIN: MEDIA_PERMISSIONS, Role.EDITOR: MEDIA_PERMISSIONS}
PERMISSION_APPS = {"page": "wagtailcore", "image": "wagtailimages", "document": "wagtaildocs", "admin": "wagtailadmin"}


def _permissions(codenames: set[str]) -> dict[str, Permission]:
    """Wagtail's permissions by codename, in one query."""
    found = Permission.objects.filter(
        content_type__app_label__in=PERMISSION_APPS.values(), codename__in=codenames
    ).select_related("content_type")
    return {p.codename: p for p in found if PERMISSION_APPS[p.codename.rsplit("_", 1)[-1]] == p.content_type.app_label}


def centre_root_title_setup(**_context) -> int:
    """Set-up step: Wagtail's root page, which editors see in the breadcrumbs and the page explorer, is called
    "Root" by wagtailcore's migration (a title, not a translatable string): it gets its Chinese name."""
    return Page.objects.filter(depth=1).exclude(title=ROOT_TITLE).update(title=ROOT_TITLE, draft_title=ROOT_TITLE)


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


def centre_page_permissions_revoke(**_context) -> int:
    """Set-up step: take back page permissions a role no longer has (editors used to publish); returns rows removed."""
    removed = 0
    for role in Role:
        wanted = PAGE_PERMISSIONS.get(role, [])
        stale = GroupPagePermission.objects.filter(
            group=role_group(role), permission__content_type__app_label="wagtailcore"
        ).exclude(permission__codename__in=wanted)
        removed += stale.delete()[0]
    return removed


def centre_review_workflow_setup(**_context) -> Workflow:
    """Set-up step: the secrecy review (保密审查), approved by centre admins, on the root: every page passes it."""
    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.set([role_group(Role.CENTRE_ADMIN)])
    if not task.active:
        task.active = True
        task.save(update_fields=["active"])
    workflow, _created = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME, defaults={"active": True})
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    root = Page.get_first_root_node()
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    return workflow


def content_schedules_ensure(*, centre: Centre, **_context) -> None:
    """Set-up step: scheduled pages of this centre go live (or expire) within five minutes of their time."""
    from tenants.tasks import centre_schedule_ensure

    centre_schedule_ensure(
        schema_name=centre.schema_name,
        name="publish_scheduled",
        func="content.tasks.scheduled_pages_publish",
        minutes=5,
    )

"""Registry screens in the Wagtail admin: the 人员登记 menu, its screens and model viewsets."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from registry.admin_ui.viewsets import REGISTRY_MENU_HOOK, VIEWSETS


@hooks.register("register_admin_urls")
def register_registry_urls():
    return [path("registry/", include("registry.admin_urls"))]


class PermissionMenuItem(MenuItem):
    """A menu item shown only to users holding one permission."""

    def __init__(self, label, url, *, permission: str, **kwargs):
        super().__init__(label, url, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_registry_menu():
    """人员登记: hidden when the user may see none of its screens."""
    return SubmenuMenuItem(
        _("Registry"), Menu(register_hook_name=REGISTRY_MENU_HOOK), name="registry", icon_name="group", order=250
    )


@hooks.register(REGISTRY_MENU_HOOK)
def register_cadre_list_item():
    return PermissionMenuItem(
        _("Cadres"),
        reverse("registry:cadre_list"),
        permission="registry.view_cadre",
        name="registry-cadres",
        icon_name="group",
        order=100,
    )


@hooks.register(REGISTRY_MENU_HOOK)
def register_my_cadres_item():
    return PermissionMenuItem(
        _("My cadres"),
        reverse("registry:cadre_mine"),
        permission="registry.view_cadre",
        name="registry-my-cadres",
        icon_name="user",
        order=200,
    )


@hooks.register(REGISTRY_MENU_HOOK)
def register_facilities_item():
    return PermissionMenuItem(
        _("Activity rooms and vehicles"),
        reverse("registry:facilities"),
        permission="registry.view_facilityroom",
        name="registry-facilities",
        icon_name="home",
        order=500,
    )


@hooks.register(REGISTRY_MENU_HOOK)
def register_access_log_item():
    return PermissionMenuItem(
        _("Personal-data access log"),
        reverse("registry:access_log"),
        permission="registry.view_accesslog",
        name="registry-access-log",
        icon_name="view",
        order=600,
    )


@hooks.register("register_admin_viewset")
def register_registry_viewsets():
    return VIEWSETS


@hooks.register(REGISTRY_MENU_HOOK)
def register_import_item():
    return PermissionMenuItem(
        _("Import roster"),
        reverse("registry:cadre_import"),
        permission="registry.import_cadres",
        name="registry-import",
        icon_name="upload",
        order=300,
    )


@hooks.register(REGISTRY_MENU_HOOK)
def register_transfers_item():
    return PermissionMenuItem(
        _("Transfers between districts"),
        reverse("registry:transfer_list"),
        permission="registry.view_cadretransfer",
        name="registry-transfers",
        icon_name="resubmit",
        order=550,
    )

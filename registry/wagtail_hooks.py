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


# (label, URL name, permission, icon, order) of each screen in the 人员登记 menu.
MENU_ITEMS = [
    (_("Cadres"), "cadre_list", "registry.view_cadre", "group", 100),
    (_("My cadres"), "cadre_mine", "registry.view_cadre", "user", 200),
    (_("Import roster"), "cadre_import", "registry.import_cadres", "upload", 300),
    (_("Activity rooms and vehicles"), "facilities", "registry.view_facilityroom", "home", 500),
    (_("Transfers between districts"), "transfer_list", "registry.view_cadretransfer", "resubmit", 550),
    (_("Personal-data access log"), "access_log", "registry.view_accesslog", "view", 600),
]


def _menu_item_hook(label, url_name: str, permission: str, icon: str, order: int):
    def register_item():
        return PermissionMenuItem(
            label,
            reverse(f"registry:{url_name}"),
            permission=permission,
            name=f"registry-{url_name.replace('_', '-')}",
            icon_name=icon,
            order=order,
        )

    return register_item


for _item in MENU_ITEMS:
    hooks.register(REGISTRY_MENU_HOOK, _menu_item_hook(*_item))


@hooks.register("register_admin_viewset")
def register_registry_viewsets():
    return VIEWSETS

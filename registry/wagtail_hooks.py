"""Registry screens in the Wagtail admin: the 人员登记 menu, its screens and model viewsets."""

from django.contrib.auth.models import Permission
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from registry.admin_ui.choosers import cadre_chooser_viewset, staff_chooser_viewset
from registry.admin_ui.menu import permission_menu_register
from registry.admin_ui.viewsets import REGISTRY_MENU_HOOK, VIEWSETS
from registry.roles import PERSONAL_DATA


@hooks.register("register_admin_urls")
def register_registry_urls():
    return [path("registry/", include("registry.admin_urls"))]


@hooks.register("register_admin_menu_item")
def register_registry_menu():
    """人员登记: hidden when the user may see none of its screens."""
    return SubmenuMenuItem(
        _("Registry"), Menu(register_hook_name=REGISTRY_MENU_HOOK), name="registry", icon_name="group", order=250
    )


# (label, URL name, permission, icon, order) of each screen in the 人员登记 menu.
MENU_ITEMS = [
    (_("Cadres"), "registry:cadre_list", "registry.view_cadre", "group", 100),
    (_("My cadres"), "registry:cadre_mine", "registry.view_cadre", "user", 200),
    (_("Import roster"), "registry:cadre_import", "registry.import_cadres", "upload", 300),
    (_("Activity rooms and vehicles"), "registry:facilities", "registry.view_facilityroom", "home", 500),
    (_("Transfers between districts"), "registry:transfer_list", "registry.view_cadretransfer", "resubmit", 550),
    (_("Personal-data access log"), "registry:access_log", "registry.view_accesslog", "view", 600),
]


permission_menu_register(REGISTRY_MENU_HOOK, MENU_ITEMS)


@hooks.register("register_admin_viewset")
def register_registry_viewsets():
    return [*VIEWSETS, cadre_chooser_viewset, staff_chooser_viewset]


@hooks.register("register_permissions")
def register_personal_data_permissions():
    """Which kinds of personal data a group sees unmasked: granted per role in the group editor."""
    return Permission.objects.filter(content_type__app_label="registry", codename__in=PERSONAL_DATA)

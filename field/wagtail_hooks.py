"""The field app in the Wagtail admin: 设置 › 外勤设备 (the phones signed in, and remote sign-out)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from field.admin_views import DeviceListView
from registry.admin_ui.menu import PermissionMenuItem


@hooks.register("register_admin_urls")
def register_field_urls():
    return [path("field/devices/", DeviceListView.as_view(), name="field_devices")]


@hooks.register("register_settings_menu_item")
def register_devices_menu_item():
    return PermissionMenuItem(
        _("Field devices"),
        reverse("field_devices"),
        permission="field.view_fielddevice",
        name="field-devices",
        icon_name="mobile-alt",
        order=900,
    )

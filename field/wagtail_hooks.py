"""The field app in the Wagtail admin: 提醒 › 外勤应用 (the phone app itself) and 设置 › 外勤设备 (the phones signed
in, and remote sign-out)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from field.admin_views import DeviceListView
from field.views import may_use
from notifications.viewsets import REMINDER_MENU_HOOK
from registry.admin_ui.menu import PermissionMenuItem


class FieldAppMenuItem(MenuItem):
    """Shown to the staff the app opens for (as the app decides), beside 今日待办: where a liaison finds it."""

    def is_shown(self, request):
        return may_use(request.user)


@hooks.register(REMINDER_MENU_HOOK)
def register_field_app_menu_item():
    return FieldAppMenuItem(
        _("Field app (phone)"), reverse("field:app"), name="field-app", icon_name="mobile-alt", order=150
    )


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

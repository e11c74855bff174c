"""Admin menu items shown only to users holding a permission; used by every app's menu table."""

from __future__ import annotations

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    """A menu item shown only to users holding one permission (None: everyone who may enter the admin)."""

    def __init__(self, label, url, *, permission: str | None, **kwargs):
        super().__init__(label, url, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return self.permission is None or request.user.has_perm(self.permission)


def permission_menu_register(hook_name: str, items) -> None:
    """Register (label, URL name, permission, icon, order) rows as items of the submenu fed by `hook_name`."""

    def item_hook(label, url_name: str, permission: str | None, icon: str, order: int):
        def register_item():
            name = url_name.replace(":", "-").replace("_", "-")
            return PermissionMenuItem(
                label, reverse(url_name), permission=permission, name=name, icon_name=icon, order=order
            )

        return register_item

    for item in items:
        hooks.register(hook_name, item_hook(*item))

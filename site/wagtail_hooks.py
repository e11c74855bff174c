"""The project's own admin screens: unlocking a staff log-in (Settings > Locked log-ins)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from junxiu.accounts import LockedLoginsView, lockout_manager
from wagtail import hooks
from wagtail.admin.menu import MenuItem


@hooks.register("register_admin_urls")
def register_lockout_urls():
    return [path("locked-logins/", LockedLoginsView.as_view(), name="locked_logins")]


class LockoutMenuItem(MenuItem):
    def is_shown(self, request):
        return lockout_manager(request.user)


@hooks.register("register_settings_menu_item")
def register_lockout_menu_item():
    return LockoutMenuItem(_("Locked log-ins"), reverse("locked_logins"), name="locked-logins", icon_name="lock")

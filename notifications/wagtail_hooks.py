"""Reminders in the Wagtail admin: the 提醒 menu, its screens, a panel for the centre and a tab on each cadre."""

from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.ui.components import Component

from notifications import views
from notifications.selectors import centre_due_counts
from notifications.viewsets import REMINDER_MENU_HOOK, VIEWSETS
from registry.admin_ui.menu import permission_menu_register


@hooks.register("register_admin_urls")
def register_reminder_urls():
    return [
        path("reminders/today/", views.TodayView.as_view(), name="reminders_today"),
        path("reminders/items/<int:pk>/waive/", views.WaiveView.as_view(), name="reminders_waive"),
        path("reminders/inbox/", views.InboxView.as_view(), name="reminders_inbox"),
        path("reminders/preferences/", views.PreferenceView.as_view(), name="reminders_preferences"),
        path("reminders/failures/", views.FailureView.as_view(), name="reminders_failures"),
    ]


@hooks.register("register_admin_menu_item")
def register_reminders_menu():
    return SubmenuMenuItem(
        _("Reminders"), Menu(register_hook_name=REMINDER_MENU_HOOK), name="reminders", icon_name="tasks", order=240
    )


# (label, URL name, permission, icon, order) of each screen in the 提醒 menu.
MENU_ITEMS = [
    (_("Today's work"), "reminders_today", None, "tasks", 100),
    (_("Messages"), "reminders_inbox", None, "mail", 200),
    (_("How I am reminded"), "reminders_preferences", None, "cog", 300),
    (_("Messages not delivered"), "reminders_failures", "notifications.view_delivery", "warning", 600),
]


permission_menu_register(REMINDER_MENU_HOOK, MENU_ITEMS)


@hooks.register("register_admin_viewset")
def register_reminder_viewsets():
    return VIEWSETS


@hooks.register("register_cadre_tab")
def register_cadre_reminders_tab():
    return ("reminders", _("Reminders"), views.cadre_timeline_tab)


class DuePanel(Component):
    order = 50

    def __init__(self, counts: dict):
        self.counts = counts

    def render_html(self, parent_context=None):
        return render_to_string("notifications/due_panel.html", {"counts": self.counts})


@hooks.register("construct_homepage_panels")
def add_due_panel(request, panels):
    """The centre's counts by rule and by person, for those who see every cadre."""
    if request.user.has_perm("registry.view_all_cadres"):
        panels.append(DuePanel(centre_due_counts()))

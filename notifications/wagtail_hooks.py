"""Reminders in the Wagtail admin: today's worklist for everyone with a staff profile, a panel for the centre."""

from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from notifications.selectors import centre_due_counts
from notifications.views import TodayView


@hooks.register("register_admin_urls")
def register_reminder_urls():
    return [path("reminders/today/", TodayView.as_view(), name="reminders_today")]


@hooks.register("register_admin_menu_item")
def register_today_menu_item():
    return MenuItem(_("Today's work"), reverse("reminders_today"), name="reminders-today", icon_name="tasks", order=240)


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

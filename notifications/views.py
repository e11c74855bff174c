"""Reminder screens in the Wagtail admin: today's worklist."""

from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from notifications.selectors import worklist_for_user


class TodayView(WagtailAdminTemplateMixin, TemplateView):
    """今日待办: calls to make, visits due and overdue items of the signed-in staff member."""

    template_name = "notifications/today.html"
    page_title = gettext_lazy("Today's work")
    header_icon = "tasks"
    breadcrumbs_items: list = []

    def get_context_data(self, **kwargs):
        items = worklist_for_user(user=self.request.user)
        return super().get_context_data(items=items, late=sum(1 for i in items if i.state != "open"), **kwargs)

"""Wagtail's approve views, saying what the approval did: the page is published (已发布), and where the public reads it.

Wagtail's own approve from the dashboard says nothing, and from the edit page only "has been updated". The page types
of the centre's site use them through a page view set (registered in wagtail_hooks), at Wagtail's own addresses.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.views.pages.edit import EditView
from wagtail.admin.views.pages.workflow import WorkflowActionView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page

APPROVE = "approve"


def _published_message(request, page_id: int) -> bool:
    """Add the "published, at this address" message when the approval has published the page; whether it did."""
    page = Page.objects.get(pk=page_id).specific
    if not page.live or page.workflow_in_progress:
        return False
    url = page.get_full_url(request)
    if url:
        message = _("“%(title)s” has been approved and published: %(url)s") % {"title": page.title, "url": url}
        buttons = [messages.button(url, _("View the published page"), new_window=True)]
    else:
        message = _("“%(title)s” has been approved and published.") % {"title": page.title}
        buttons = []
    messages.success(request, message, buttons=buttons)
    return True


class ReviewWorkflowActionView(WorkflowActionView):
    """Approve (or reject) from the dashboard or the page listing."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if self.action_name == APPROVE:
            _published_message(request, self.object.pk)
        return response


class ReviewEditView(EditView):
    """The page editor, whose "approve" action says the page is published rather than "updated"."""

    def add_save_confirmation_message(self):
        name, _method = self.action_name_and_method
        if name == "perform_workflow_action" and self.workflow_action == APPROVE:
            if _published_message(self.request, self.page.pk):
                return
        super().add_save_confirmation_message()


class ReviewPageViewSet(PageViewSet):
    """The centre's page types with the two views above (Wagtail routes a page's views by its type)."""

    edit_view_class = ReviewEditView
    workflow_action_view_class = ReviewWorkflowActionView


def review_page_viewsets() -> list[ReviewPageViewSet]:
    from django.apps import apps

    return [
        ReviewPageViewSet(model=model, name=f"content-{model._meta.model_name}")
        for model in apps.get_app_config("content").get_models()
        if issubclass(model, Page)
    ]

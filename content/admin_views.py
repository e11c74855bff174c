"""Content screens of the Wagtail admin: outings and their return reports, sign-up lists, access codes, preview links.

Interfaces only: read through selectors, write through services, render. Missing and forbidden both give 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from content import services
from content.api import preview_url
from content.forms import AccessCodeIssueForm, OutingReturnForm
from content.models import ActivityPage, CoursePage
from content.selectors import outings_for_return, signup_counts, signups_for_page
from forms_engine.selectors import form_published_by_key
from registry.selectors import access_cadre_by_id
from tenants.roles import Role, user_roles

ACCESS_CODE_PERMISSION = "registry.change_cadre"
OUTING_ROLES = {Role.CENTRE_ADMIN.value, Role.EDITOR.value, Role.CASEWORKER.value}
RETURN_FORM_KEY = "activity-return"


def may_handle_outings(user) -> bool:
    return bool(user.is_superuser or user_roles(user) & OUTING_ROLES)


class ContentAdminView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "date"
    breadcrumbs_items: list = []


class OutingListView(ContentAdminView):
    """Outings of the last 30 days; the ones without a same-day return report are flagged, and one is recorded here."""

    page_title = gettext_lazy("Outing returns")
    template_name = "content/admin/outings.html"

    def dispatch(self, request, *args, **kwargs):
        if not may_handle_outings(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = outings_for_return()
        for row in rows:
            row["form"] = kwargs.get("forms", {}).get(row["activity"].pk) or OutingReturnForm(
                prefix=f"o{row['activity'].pk}",
                initial={"participants": signup_counts(page_id=row["activity"].pk)["signed_up"]},
            )
        context["rows"] = rows
        context["missing"] = sum(1 for row in rows if row["missing"])
        form = form_published_by_key(key=RETURN_FORM_KEY)
        context["return_form_url"] = reverse("forms_engine:submission_fill", args=[form.pk]) if form is not None else ""
        return context

    def post(self, request, *args, **kwargs):
        activity_id = int(request.POST.get("activity", "0") or 0)
        form = OutingReturnForm(request.POST, prefix=f"o{activity_id}")
        if form.is_valid():
            try:
                services.outing_return_record(activity_id=activity_id, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in (error.message_dict if hasattr(error, "error_dict") else {}).items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
                if not hasattr(error, "error_dict"):
                    form.add_error(None, error.messages[0])
            else:
                messages.success(request, _("The return report has been recorded."))
                return redirect("content_admin:outings")
        return self.render_to_response(self.get_context_data(forms={activity_id: form}), status=400)


class PageSignupsView(ContentAdminView):
    """Who signed up for an activity or course (names only): places first, then the waiting list in order."""

    template_name = "content/admin/signups.html"

    def dispatch(self, request, *args, **kwargs):
        page = Page.objects.filter(pk=kwargs["page_id"]).first()
        page = page.specific if page is not None else None
        if not isinstance(page, ActivityPage | CoursePage) or not page.permissions_for_user(request.user).can_edit():
            raise Http404
        self.page = page
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Sign-ups: %(title)s") % {"title": self.page.title}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=self.page, rows=signups_for_page(page_id=self.page.pk), counts=signup_counts(page_id=self.page.pk)
        )
        return context


class PreviewLinkView(ContentAdminView):
    """A signed link showing the page's latest revision through the headless API, for an hour."""

    template_name = "content/admin/preview_link.html"
    page_title = gettext_lazy("Headless preview link")

    def dispatch(self, request, *args, **kwargs):
        page = Page.objects.filter(pk=kwargs["page_id"]).first()
        if page is None or not page.permissions_for_user(request.user).can_edit():
            raise Http404
        self.page = page.specific
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(page=self.page, url=self.request.build_absolute_uri(preview_url(page=self.page)))
        return context


class AccessCodeView(ContentAdminView):
    """Issue a cadre's access code for the public site; shown once, then only its hash is kept. Issuing one replaces
    the cadre's old code and opens their account: for those who may change cadres, not for read-only roles."""

    template_name = "content/admin/access_code.html"
    page_title = gettext_lazy("Cadre access codes")
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ACCESS_CODE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", AccessCodeIssueForm())
        return context

    def post(self, request, *args, **kwargs):
        form = AccessCodeIssueForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        cadre = access_cadre_by_id(user=request.user, id=form.cleaned_data["cadre_id"])  # 404 unless visible
        try:
            code = services.access_code_issue(cadre_id=cadre.pk, user=request.user)
        except ValidationError as error:
            form.add_error("cadre_id", error.messages[0])
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return self.render_to_response(self.get_context_data(form=AccessCodeIssueForm(), issued=code, cadre=cadre))

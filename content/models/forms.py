"""A page that shows a public form of the forms engine."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from content.page_forms import ContentPageForm


class FormPage(Page):
    """A page that shows a public form of the forms engine; it posts to the form's own public URL."""

    intro = models.TextField(_("introduction"), blank=True)
    form = models.ForeignKey(
        "forms_engine.FormDefinition",
        verbose_name=_("form"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"public": True},
        help_text=_("Only a public form with a published version is shown."),
    )

    base_form_class = ContentPageForm
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("form")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [APIField("intro"), APIField("form_key"), APIField("form_url")]

    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("form page")
        verbose_name_plural = _("form pages")

    @property
    def form_key(self) -> str:
        return self.form.key if self.form is not None and self.form.public else ""

    @property
    def form_url(self) -> str:
        """Where the form is filled in and posted (the same public URL as the page's own form)."""
        from django.urls import reverse

        return reverse("forms_public:form", kwargs={"key": self.form_key}) if self.form_key else ""

    def get_context(self, request, *args, **kwargs):
        from forms_engine.public import public_form_context

        context = super().get_context(request, *args, **kwargs)
        context["public_form"] = public_form_context(request, form=self.form)
        return context

"""Wagtail page types of a centre's site."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from content.blocks import BodyBlock


class HomePage(Page):
    """A centre's home page: the root of its site."""

    intro = models.TextField(_("introduction"), blank=True)
    hotline = models.CharField(_("service hotline"), max_length=40, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("hotline"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [APIField("intro"), APIField("hotline"), APIField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.NoticePage", "content.FormPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("centre home page")
        verbose_name_plural = _("centre home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["notices"] = (
            NoticePage.objects.live().child_of(self).order_by("-date", "-pk").only("title", "url_path", "date")[:10]
        )
        return context


class NoticePage(Page):
    """A notice or piece of work news (通知公告 / 工作动态)."""

    date = models.DateField(_("date"))
    summary = models.TextField(_("summary"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    api_fields = [APIField("date"), APIField("summary"), APIField("body")]

    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")


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

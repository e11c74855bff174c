"""A centre's home page."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from content.blocks import BodyBlock
from content.models.notices import NoticePage
from content.models.sections import SectionPage


class HomePage(Page):
    """A centre's home page: the root of its site."""

    intro = models.TextField(_("introduction"), blank=True)
    hotline = models.CharField(_("service hotline"), max_length=40, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("hotline"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [APIField("intro"), APIField("hotline"), APIField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.SectionPage", "content.NoticePage", "content.FormPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("centre home page")
        verbose_name_plural = _("centre home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["notices"] = (
            NoticePage.objects.live()
            .descendant_of(self)
            .order_by("-date", "-pk")
            .only("title", "url_path", "date", "bureau_item_id")[:10]
        )
        context["sections"] = SectionPage.objects.live().child_of(self).only("title", "url_path", "kind")
        return context

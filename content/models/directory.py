"""The service directory."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from content.blocks import BodyBlock
from content.models.sections import SectionItemMixin, SectionPage


class ServiceProviderPage(SectionItemMixin, Page):
    """One provider of the social-service directory (社会化服务清单): medical, health, culture or daily life."""

    class Category(models.TextChoices):
        MEDICAL = "medical", _("Medical care")
        HEALTH = "health", _("Health and nursing")
        CULTURE = "culture", _("Culture and sports")
        DAILY_LIFE = "daily_life", _("Daily life")

    section_kind = SectionPage.Kind.SERVICES

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    services = models.TextField(_("services offered"), max_length=1000)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("category"),
        FieldPanel("services"),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("opening_hours")]),
        FieldRowPanel([FieldPanel("address"), FieldPanel("website")]),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("services"),
        index.SearchField("address"),
        index.FilterField("category"),
    ]
    api_fields = [
        APIField("category"),
        APIField("services"),
        APIField("phone"),
        APIField("address"),
        APIField("opening_hours"),
        APIField("website"),
        APIField("body"),
    ]

    parent_page_types = ["content.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

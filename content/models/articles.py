"""Articles: honours and model stories, disclosures, health knowledge, digital-skills guides."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from content.blocks import AttachmentsBlock, BodyBlock
from content.models.sections import SectionItemMixin, SectionPage


class ArticlePage(SectionItemMixin, Page):
    """What honour stories, health articles and digital guides share: a date, a category, a summary, a body."""

    date_field = "date"

    date = models.DateField(_("date"))
    summary = models.TextField(_("summary"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["content.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    @property
    def facts(self) -> list[tuple[str, object]]:
        """Label and value pairs shown above the text."""
        return []


class HonourStoryPage(ArticlePage):
    """An honour or a model story (荣誉和先进事迹, 6.2.3)."""

    class Category(models.TextChoices):
        HONOUR = "honour", _("Honour")
        MODEL = "model", _("Model story")
        HISTORY = "history", _("Revolutionary history")

    section_kind = SectionPage.Kind.HONOURS

    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.MODEL)
    person = models.CharField(_("about"), max_length=100, blank=True, help_text=_("Whom the story is about."))
    honour = models.CharField(_("honour"), max_length=200, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("person"), FieldPanel("honour")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [*ArticlePage.search_fields, index.SearchField("person"), index.FilterField("category")]
    api_fields = [
        APIField("date"),
        APIField("category"),
        APIField("person"),
        APIField("honour"),
        APIField("summary"),
        APIField("body"),
    ]

    class Meta:
        verbose_name = _("honour story")
        verbose_name_plural = _("honour stories")

    @property
    def facts(self) -> list[tuple[str, object]]:
        return [(_("About"), self.person), (_("Honour"), self.honour)]


class DisclosurePage(ArticlePage):
    """A disclosure to cadres (6.2.4): the yearly work plan, the work report, the use of funds."""

    class Category(models.TextChoices):
        PLAN = "plan", _("Yearly work plan")
        REPORT = "report", _("Work report")
        FUNDS = "funds", _("Use of funds")

    section_kind = SectionPage.Kind.DISCLOSURES

    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    attachments = StreamField(AttachmentsBlock(), verbose_name=_("attachments"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("year"), FieldPanel("category"), FieldPanel("date")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("attachments"),
    ]
    search_fields = [*ArticlePage.search_fields, index.FilterField("category"), index.FilterField("year")]
    api_fields = [
        APIField("year"),
        APIField("category"),
        APIField("date"),
        APIField("summary"),
        APIField("body"),
        APIField("attachments"),
    ]

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")

    @property
    def facts(self) -> list[tuple[str, object]]:
        return [(_("Year"), self.year)]


class HealthArticlePage(ArticlePage):
    """Health knowledge for cadres (5.4.10)."""

    class Category(models.TextChoices):
        CHRONIC = "chronic", _("Chronic illness")
        DIET = "diet", _("Diet")
        EXERCISE = "exercise", _("Exercise")
        MIND = "mind", _("Mental health")
        SEASONAL = "seasonal", _("Seasonal care")
        FIRST_AID = "first_aid", _("First aid and safety")

    section_kind = SectionPage.Kind.HEALTH

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    reviewed_by = models.CharField(_("reviewed by"), max_length=100, blank=True, help_text=_("Doctor or nurse."))

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("category"), FieldPanel("reviewed_by")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [*ArticlePage.search_fields, index.FilterField("category")]
    api_fields = [
        APIField("date"),
        APIField("category"),
        APIField("reviewed_by"),
        APIField("summary"),
        APIField("body"),
    ]

    class Meta:
        verbose_name = _("health article")
        verbose_name_plural = _("health articles")

    @property
    def facts(self) -> list[tuple[str, object]]:
        return [(_("Reviewed by"), self.reviewed_by)]


class DigitalGuidePage(ArticlePage):
    """A digital-skills guide (5.1.5): using a smartphone, paying, booking a doctor, avoiding fraud."""

    class Category(models.TextChoices):
        PHONE = "phone", _("Smartphone basics")
        PAYMENT = "payment", _("Mobile payment")
        MEDICAL = "medical", _("Booking and medical apps")
        GOVERNMENT = "government", _("Government services online")
        FRAUD = "fraud", _("Avoiding fraud")

    section_kind = SectionPage.Kind.GUIDES

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("category")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [*ArticlePage.search_fields, index.FilterField("category")]
    api_fields = [APIField("date"), APIField("category"), APIField("summary"), APIField("body")]

    class Meta:
        verbose_name = _("digital guide")
        verbose_name_plural = _("digital guides")

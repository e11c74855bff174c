"""Notices and policies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from content.blocks import AttachmentsBlock, BodyBlock
from content.models.sections import SectionItemMixin, SectionPage


class NoticePage(SectionItemMixin, Page):
    """A notice, a piece of work news or a facility-use notice (通知公告 / 工作动态 / 设施使用须知)."""

    class Category(models.TextChoices):
        NOTICE = "notice", _("Notice")
        WORK_NEWS = "work_news", _("Work news")
        FACILITY = "facility", _("Facility-use notice")

    section_kind = SectionPage.Kind.NOTICES
    date_field = "date"

    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.NOTICE)
    summary = models.TextField(_("summary"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    bureau_item_id = models.PositiveBigIntegerField(
        _("city-wide item"), null=True, blank=True, unique=True, editable=False
    )
    bureau_version = models.PositiveIntegerField(_("city-wide item version"), null=True, blank=True, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("category")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("category"),
        index.FilterField("date"),
    ]
    api_fields = [
        APIField("date"),
        APIField("category"),
        APIField("summary"),
        APIField("body"),
        APIField("bureau_item_id"),
        APIField("from_bureau"),
    ]

    parent_page_types = ["content.HomePage", "content.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")


class PolicyPage(SectionItemMixin, Page):
    """A policy document (政策文件): its document number, issuing body, effective date and whether it is in force."""

    class Category(models.TextChoices):
        TREATMENT = "treatment", _("Pay and treatment")
        MEDICAL = "medical", _("Medical care")
        HOUSING = "housing", _("Housing")
        SERVICE = "service", _("Service and management")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        REPEALED = "repealed", _("Repealed")

    section_kind = SectionPage.Kind.POLICIES
    date_field = "effective_date"

    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=200)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_date = models.DateField(_("effective date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_FORCE)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    summary = models.TextField(_("summary"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    attachments = StreamField(AttachmentsBlock(), verbose_name=_("attachments"), blank=True)
    bureau_item_id = models.PositiveBigIntegerField(
        _("city-wide item"), null=True, blank=True, unique=True, editable=False
    )
    bureau_version = models.PositiveIntegerField(_("city-wide item version"), null=True, blank=True, editable=False)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("document_number"), FieldPanel("issuing_body")]),
                FieldRowPanel([FieldPanel("issued_on"), FieldPanel("effective_date")]),
                FieldRowPanel([FieldPanel("status"), FieldPanel("category")]),
            ],
            heading=_("Document"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("attachments"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("document_number"),
        index.SearchField("issuing_body"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("category"),
        index.FilterField("status"),
        index.FilterField("effective_date"),
    ]
    api_fields = [
        APIField("document_number"),
        APIField("issuing_body"),
        APIField("issued_on"),
        APIField("effective_date"),
        APIField("status"),
        APIField("category"),
        APIField("summary"),
        APIField("body"),
        APIField("attachments"),
        APIField("bureau_item_id"),
        APIField("from_bureau"),
    ]

    parent_page_types = ["content.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

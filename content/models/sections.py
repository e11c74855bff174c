"""Section indexes and what every page listed under one shares."""

from __future__ import annotations

from django.apps import apps
from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from content.page_forms import ContentPageForm
from content.queries import section_items

LIST_PAGE_SIZE = 20

# The page type listed under each kind of section (by name: the page modules build on this one).
SECTION_ITEM_MODELS: dict[str, str] = {
    "notices": "NoticePage",
    "policies": "PolicyPage",
    "activities": "ActivityPage",
    "courses": "CoursePage",
    "services": "ServiceProviderPage",
    "honours": "HonourStoryPage",
    "disclosures": "DisclosurePage",
    "health": "HealthArticlePage",
    "guides": "DigitalGuidePage",
}


class SectionPage(Page):
    """The index of one section of the site (notices, policies, activities…): its items, paginated and filtered."""

    class Kind(models.TextChoices):
        NOTICES = "notices", _("Notices and work news")
        POLICIES = "policies", _("Policies")
        ACTIVITIES = "activities", _("Activities")
        COURSES = "courses", _("Senior university courses")
        SERVICES = "services", _("Service directory")
        HONOURS = "honours", _("Honours and model stories")
        DISCLOSURES = "disclosures", _("Disclosures")
        HEALTH = "health", _("Health knowledge")
        GUIDES = "guides", _("Digital skills guides")

    base_form_class = ContentPageForm

    kind = models.CharField(_("section"), max_length=20, choices=Kind.choices)
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("kind"), FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.FilterField("kind")]
    api_fields = [APIField("kind"), APIField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = [
        "content.NoticePage",
        "content.PolicyPage",
        "content.ActivityPage",
        "content.CoursePage",
        "content.ServiceProviderPage",
        "content.HonourStoryPage",
        "content.DisclosurePage",
        "content.HealthArticlePage",
        "content.DigitalGuidePage",
    ]

    class Meta:
        verbose_name = _("section index")
        verbose_name_plural = _("section indexes")

    @property
    def item_model(self) -> type[Page]:
        return apps.get_model("content", SECTION_ITEM_MODELS[self.kind])

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        listing = section_items(section=self, params=request.GET)
        paginator = Paginator(listing.items, LIST_PAGE_SIZE)
        context["page_obj"] = paginator.get_page(request.GET.get("page"))
        context["listing"] = listing
        return context


class SectionItemMixin:
    """A page listed under a section index of its own kind; `date_field` is what lists and the API filter by date."""

    base_form_class = ContentPageForm
    section_kind: str = ""
    date_field: str | None = None

    @classmethod
    def can_create_at(cls, parent) -> bool:
        if not super().can_create_at(parent):  # type: ignore[misc]
            return False
        specific = parent.specific_deferred
        return not isinstance(specific, SectionPage) or specific.kind == cls.section_kind

    @property
    def from_bureau(self) -> bool:
        return bool(getattr(self, "bureau_item_id", None))

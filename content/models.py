"""Wagtail page types of a centre's site, and the sign-ups and cadre log-ins of its public site."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from content.blocks import AttachmentsBlock, BodyBlock

LIST_PAGE_SIZE = 20


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
        return SECTION_MODELS[self.kind]

    def get_context(self, request, *args, **kwargs):
        from content.selectors import section_items

        context = super().get_context(request, *args, **kwargs)
        listing = section_items(section=self, params=request.GET)
        paginator = Paginator(listing.items, LIST_PAGE_SIZE)
        context["page_obj"] = paginator.get_page(request.GET.get("page"))
        context["listing"] = listing
        return context


class SectionItemMixin:
    """A page listed under a section index of its own kind; `date_field` is what lists and the API filter by date."""

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


class SignUpPageMixin:
    """A page cadres sign up for within a window, up to a capacity, with a waiting list."""

    signup_opens_field = "signup_opens"
    signup_closes_field = "signup_closes"

    @property
    def window_opens(self):
        return getattr(self, self.signup_opens_field)

    @property
    def window_closes(self):
        return getattr(self, self.signup_closes_field)

    def get_context(self, request, *args, **kwargs):
        from content.selectors import cadre_session_id, signup_counts, signup_for_cadre

        context = super().get_context(request, *args, **kwargs)  # type: ignore[misc]
        cadre_id = cadre_session_id(request)
        context["counts"] = signup_counts(page_id=self.pk)
        context["own_signup"] = signup_for_cadre(page_id=self.pk, cadre_id=cadre_id) if cadre_id else None
        context["signup_state"] = self.signup_state()
        return context

    def serve(self, request, *args, **kwargs):
        # Places left and the visitor's own sign-up change at any time: never kept by the page cache.
        response = super().serve(request, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        return response

    def signup_state(self, now=None) -> str:
        """'not_open', 'open', 'closed' or 'started' (activities only)."""
        now = now or timezone.now()
        start = getattr(self, "start", None)
        if start is not None and now >= start:
            return "started"
        if self.window_opens and now < self.window_opens:
            return "not_open"
        if self.window_closes and now > self.window_closes:
            return "closed"
        return "open"


class ActivityPage(SignUpPageMixin, SectionItemMixin, Page):
    """An activity (活动安排): when, where, how many places, when sign-up is open; outings need a same-day return
    report (5.9.4)."""

    class Category(models.TextChoices):
        CULTURE = "culture", _("Culture and recreation")
        SPORTS = "sports", _("Sports and fitness")
        STUDY = "study", _("Political study")
        OUTING = "outing", _("Outing and visit")
        VOLUNTEER = "volunteer", _("Volunteering")
        OTHER = "other", _("Other")

    section_kind = SectionPage.Kind.ACTIVITIES
    date_field = "start"

    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    capacity = models.PositiveIntegerField(_("places"))
    signup_opens = models.DateTimeField(_("sign-up opens"))
    signup_closes = models.DateTimeField(_("sign-up closes"))
    outing = models.BooleanField(
        _("outing"), default=False, help_text=_("Cadres leave the centre: a return report is due the same day.")
    )
    summary = models.TextField(_("summary"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldRowPanel([FieldPanel("place"), FieldPanel("organiser")]),
                FieldRowPanel([FieldPanel("category"), FieldPanel("outing")]),
            ],
            heading=_("When and where"),
        ),
        MultiFieldPanel(
            [FieldPanel("capacity"), FieldRowPanel([FieldPanel("signup_opens"), FieldPanel("signup_closes")])],
            heading=_("Sign-up"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("place"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("category"),
        index.FilterField("start"),
        index.FilterField("outing"),
    ]
    api_fields = [
        APIField("start"),
        APIField("end"),
        APIField("place"),
        APIField("organiser"),
        APIField("category"),
        APIField("capacity"),
        APIField("signup_opens"),
        APIField("signup_closes"),
        APIField("outing"),
        APIField("summary"),
        APIField("body"),
    ]

    parent_page_types = ["content.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("An activity cannot end before it starts.")
        if self.signup_opens and self.signup_closes and self.signup_closes < self.signup_opens:
            errors["signup_closes"] = _("Sign-up cannot close before it opens.")
        if self.signup_closes and self.start and self.signup_closes > self.start:
            errors["signup_closes"] = _("Sign-up must close before the activity starts.")
        if errors:
            raise ValidationError(errors)


class CoursePage(SignUpPageMixin, SectionItemMixin, Page):
    """A course of the senior university (军休老年大学): term, kind, mode, teacher, weekly time and places."""

    class Category(models.TextChoices):
        POLITICAL = "political", _("Political theory")
        CULTURAL = "cultural", _("Culture and arts")

    class Mode(models.TextChoices):
        OFFLINE = "offline", _("In class")
        ONLINE = "online", _("Online")

    class Weekday(models.IntegerChoices):
        MONDAY = 1, _("Monday")
        TUESDAY = 2, _("Tuesday")
        WEDNESDAY = 3, _("Wednesday")
        THURSDAY = 4, _("Thursday")
        FRIDAY = 5, _("Friday")
        SATURDAY = 6, _("Saturday")
        SUNDAY = 7, _("Sunday")

    section_kind = SectionPage.Kind.COURSES
    date_field = "first_lesson"
    signup_opens_field = "enrol_opens"
    signup_closes_field = "enrol_closes"

    term = models.CharField(_("term"), max_length=50, help_text=_("For example: 2027 spring term"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.OFFLINE)
    teacher = models.CharField(_("teacher"), max_length=100)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("lesson starts"))
    end_time = models.TimeField(_("lesson ends"))
    first_lesson = models.DateField(_("first lesson"))
    lessons = models.PositiveSmallIntegerField(_("number of lessons"), default=16)
    place = models.CharField(_("classroom or link"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    enrol_opens = models.DateTimeField(_("enrolment opens"))
    enrol_closes = models.DateTimeField(_("enrolment closes"))
    summary = models.TextField(_("summary"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("term"), FieldPanel("category"), FieldPanel("mode")]),
                FieldRowPanel([FieldPanel("teacher"), FieldPanel("place")]),
                FieldRowPanel([FieldPanel("weekday"), FieldPanel("start_time"), FieldPanel("end_time")]),
                FieldRowPanel([FieldPanel("first_lesson"), FieldPanel("lessons")]),
            ],
            heading=_("Course"),
        ),
        MultiFieldPanel(
            [FieldPanel("capacity"), FieldRowPanel([FieldPanel("enrol_opens"), FieldPanel("enrol_closes")])],
            heading=_("Enrolment"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("teacher"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("category"),
        index.FilterField("mode"),
        index.FilterField("term"),
    ]
    api_fields = [
        APIField("term"),
        APIField("category"),
        APIField("mode"),
        APIField("teacher"),
        APIField("weekday"),
        APIField("start_time"),
        APIField("end_time"),
        APIField("first_lesson"),
        APIField("lessons"),
        APIField("place"),
        APIField("capacity"),
        APIField("enrol_opens"),
        APIField("enrol_closes"),
        APIField("summary"),
        APIField("body"),
    ]

    parent_page_types = ["content.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("A lesson must end after it starts.")
        if self.enrol_opens and self.enrol_closes and self.enrol_closes < self.enrol_opens:
            errors["enrol_closes"] = _("Enrolment cannot close before it opens.")
        if errors:
            raise ValidationError(errors)


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


SECTION_MODELS: dict[str, type[Page]] = {
    SectionPage.Kind.NOTICES: NoticePage,
    SectionPage.Kind.POLICIES: PolicyPage,
    SectionPage.Kind.ACTIVITIES: ActivityPage,
    SectionPage.Kind.COURSES: CoursePage,
    SectionPage.Kind.SERVICES: ServiceProviderPage,
    SectionPage.Kind.HONOURS: HonourStoryPage,
    SectionPage.Kind.DISCLOSURES: DisclosurePage,
    SectionPage.Kind.HEALTH: HealthArticlePage,
    SectionPage.Kind.GUIDES: DigitalGuidePage,
}


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


# ---------------------------------------------------------------- sign-ups, outings, cadre log-in


class SignUp(models.Model):
    """A cadre's place on an activity or a course, or on its waiting list."""

    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    page = models.ForeignKey(Page, verbose_name=_("activity or course"), on_delete=models.CASCADE, related_name="+")
    cadre = models.ForeignKey(
        "registry.Cadre", verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="content_signups"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    promoted_at = models.DateTimeField(_("moved up from the waiting list at"), null=True, blank=True)
    promotion_told_at = models.DateTimeField(_("told of the place at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "cadre"], condition=~Q(status="cancelled"), name="content_signup_one_active"
            )
        ]
        indexes = [models.Index(fields=["page", "status", "created_at"], name="content_signup_queue_idx")]

    def __str__(self) -> str:
        return f"{self.cadre_id} → {self.page_id} ({self.status})"


class OutingReturn(models.Model):
    """The same-day report that everyone on an outing came back (5.9.4)."""

    activity = models.OneToOneField(
        ActivityPage, verbose_name=_("outing"), on_delete=models.CASCADE, related_name="return_report"
    )
    participants = models.PositiveIntegerField(_("participants"))
    returned = models.PositiveIntegerField(_("returned"))
    note = models.TextField(_("who has not returned, and why"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("outing return report")
        verbose_name_plural = _("outing return reports")

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.returned}/{self.participants}"


class CadreLoginCode(models.Model):
    """A one-time code sent by SMS to a cadre's mobile; stored as a keyed hash, valid 10 minutes, 5 tries."""

    cadre = models.ForeignKey("registry.Cadre", on_delete=models.CASCADE, related_name="+")
    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("log-in code")
        verbose_name_plural = _("log-in codes")

    def __str__(self) -> str:
        return f"{self.cadre_id} ({self.created_at:%Y-%m-%d %H:%M})"


class CadreAccessCode(models.Model):
    """The access code a centre hands a cadre: a public selector and a hashed secret (only its owner knows it)."""

    cadre = models.OneToOneField("registry.Cadre", on_delete=models.CASCADE, related_name="content_access_code")
    selector = models.CharField(max_length=8, unique=True)
    secret_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("access code")
        verbose_name_plural = _("access codes")

    def __str__(self) -> str:
        return f"{self.cadre_id}: {self.selector}…"

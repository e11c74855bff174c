"""Activities and senior-university courses, which cadres sign up for, their sign-ups and outings' return reports."""

from __future__ import annotations

from django.conf import settings
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

from content.blocks import BodyBlock
from content.models.sections import SectionItemMixin, SectionPage
from content.queries import cadre_session_id, signup_counts, signup_for_cadre


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
        context = super().get_context(request, *args, **kwargs)  # type: ignore[misc]
        cadre_id = cadre_session_id(request)
        signups = SignUp.objects.filter(page_id=self.pk)
        context["counts"] = signup_counts(signups=signups)
        context["own_signup"] = signup_for_cadre(signups=signups, cadre_id=cadre_id) if cadre_id else None
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

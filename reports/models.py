"""The bureau's figures (public schema): indicator definitions, facts per centre and period, refresh state,
yearly scorecards with frozen results, centres' improvement actions, and every export.

Facts are aggregates only — counts, rates, medians — never a person's data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Centre


class Indicator(models.Model):
    """What a figure means (口径), loaded from reports/data/indicators.json: data, not code branches."""

    class Area(models.TextChoices):
        CADRES = "cadres", _("Cadres")
        COMPLIANCE = "compliance", _("Reminder compliance")
        COMPLAINTS = "complaints", _("Complaints")
        SURVEYS = "surveys", _("Satisfaction surveys")
        CONTENT = "content", _("Content and activities")
        FACILITIES = "facilities", _("Facilities")

    class Kind(models.TextChoices):
        COUNT = "count", _("Count")
        RATE = "rate", _("Rate")
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")
        RATIO = "ratio", _("Ratio")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    formula = models.TextField(_("definition (口径)"))
    clause = models.CharField(_("clause of the standard"), max_length=60)
    higher_is_better = models.BooleanField(_("higher is better"), null=True)
    breakdown = models.CharField(_("broken down by"), max_length=30, blank=True)
    # A person count whose breakdown cells add up to the total: small cells are suppressed, secondarily too.
    persons = models.BooleanField(_("counts people"), default=False)
    partition = models.BooleanField(_("breakdown adds up to the total"), default=False)
    headline = models.BooleanField(_("on the overview"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Fact(models.Model):
    """One figure: a centre, a period (year, quarter or month), an indicator and a breakdown cell ("" = total)."""

    class PeriodType(models.TextChoices):
        YEAR = "year", _("Year")
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    period_type = models.CharField(max_length=8, choices=PeriodType.choices)
    period = models.CharField(max_length=8)  # 2026, 2026-Q1, 2026-03
    indicator = models.CharField(max_length=60)
    breakdown = models.CharField(max_length=100, blank=True)
    label = models.CharField(max_length=200, blank=True)
    value = models.FloatField(null=True)
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)

    class Meta:
        verbose_name = _("fact")
        verbose_name_plural = _("facts")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "period", "indicator", "breakdown"], name="reports_fact_one_per_cell"
            )
        ]
        indexes = [
            models.Index(fields=["period", "indicator", "breakdown"], name="reports_fact_period_idx"),
            models.Index(fields=["centre", "year"], name="reports_fact_centre_year_idx"),
        ]
        permissions = [
            ("view_reports", _("Can read the bureau's reports")),
            ("export_reports", _("Can export the bureau's reports")),
            ("edit_scorecard", _("Can edit draft scorecards")),
            ("publish_scorecard", _("Can publish scorecards")),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.period} {self.indicator} {self.breakdown}"


class CentreRefresh(models.Model):
    """A centre's figures of one year: when they were last computed well (数据截至), and the last failure."""

    class Status(models.TextChoices):
        OK = "ok", _("Up to date")
        FAILED = "failed", _("Refresh failed")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OK)
    as_of = models.DateTimeField(_("figures as of"), null=True)
    attempted_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "year"], name="reports_centrerefresh_once")]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.year} {self.status}"


class RefreshRun(models.Model):
    """A refresh of every active centre asked for by a bureau user (or the nightly schedule): its progress."""

    year = models.PositiveSmallIntegerField()
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list)  # [{"centre": code, "name": ..., "error": ...}]
    started_by = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.done}/{self.total}"


class Scorecard(models.Model):
    """A year's evaluation (7.1.1): chosen indicators with targets, weights and thresholds. Published = frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    show_centre_names = models.BooleanField(_("centres see each other's names"), default=False)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="reports_scorecard_version_once")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ScorecardItem(models.Model):
    """One indicator of a scorecard. Colour: green at or beyond `green`, amber at or beyond `amber`, else red
    (beyond = above when higher is better, below when lower is better)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    target = models.FloatField(_("target"))
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    green = models.FloatField(_("green from"))
    amber = models.FloatField(_("amber from"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "indicator"], name="reports_scorecarditem_once")]

    def __str__(self) -> str:
        return f"{self.scorecard_id} {self.indicator_id}"


class ScorecardResult(models.Model):
    """A centre's result under a published scorecard, frozen when it was published."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="results")
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField(null=True)
    partial = models.BooleanField(default=False)
    # {indicator code: {"value", "numerator", "denominator", "colour", "points", "weight"}}
    cells = models.JSONField(default=dict)

    class Meta:
        ordering = ["rank", "centre__schema_name"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "centre"], name="reports_scorecardresult_once")]

    def __str__(self) -> str:
        return f"{self.scorecard_id} {self.centre_id} {self.score}"


class ImprovementAction(models.Model):
    """What a centre will do about a weak indicator of its evaluation (7.3.1)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("evaluation year"))
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    goal = models.CharField(_("goal"), max_length=300)
    owner = models.CharField(_("owner"), max_length=50)
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.goal


class ReportExport(models.Model):
    """A workbook or PDF made for a bureau user; stored outside MEDIA and served only by a checked view."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20)  # view, year, scorecard-pdf, centre-pdf
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    path = models.CharField(max_length=300, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class ReportAccess(models.Model):
    """Who exported or downloaded which report, when (the access log of the bureau's figures)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    username = models.CharField(_("user"), max_length=150)
    action = models.CharField(_("action"), max_length=20)  # export, download, api
    what = models.CharField(_("what"), max_length=300)

    class Meta:
        verbose_name = _("report access")
        verbose_name_plural = _("report access log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.what}"

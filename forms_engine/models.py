"""Forms built without code: definitions with ordered field rows, immutable published versions, submissions as JSON.

Shaped like wagtail.contrib.forms: a definition owns ordered field rows whose machine name is frozen at creation;
publishing snapshots the rows into a FormVersion (JSON) that submissions are pinned to forever.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


class FormDefinition(ClusterableModel):
    class Purpose(models.TextChoices):
        VISIT = "visit", _("Visit record")
        COMPLAINT = "complaint", _("Complaint")
        SURVEY = "survey", _("Survey")
        CONSULTATION = "consultation", _("Consultation")
        APPLICATION = "application", _("Application")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.OTHER)
    key = models.SlugField(_("key"), max_length=80, unique=True, allow_unicode=False)
    # Set when the form came from a bureau template: its machine names must stay.
    bureau_template = models.CharField(_("bureau template"), max_length=80, blank=True)
    # Who may fill in, view, edit and move submissions: {"fill": [role, ...], "view": [...], ...}.
    access = models.JSONField(_("access by role"), default=dict, blank=True)
    # {"initial": "received", "states": [{"key", "label"}], "transitions": [{"from", "to", "label"}]}
    workflow = models.JSONField(_("workflow"), default=dict, blank=True)
    public = models.BooleanField(_("open to cadres on the public site"), default=False)
    # Kept by form_publish and webhook_create, so that taking a submission reads nothing more than the form.
    current_version = models.ForeignKey(
        "FormVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    has_webhooks = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class FormField(Orderable):
    """A field of the draft. Its `name` is frozen once created; a version copies it."""

    form = ParentalKey(FormDefinition, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(_("machine name"), max_length=64)
    field_type = models.CharField(_("type"), max_length=20)
    label = models.CharField(_("label"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    default = models.CharField(_("default"), max_length=300, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=14, decimal_places=4, null=True, blank=True)
    min_length = models.PositiveIntegerField(_("minimum length"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    pattern = models.CharField(_("pattern"), max_length=300, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)  # [{"value": "a", "label": "甲"}]
    options = models.JSONField(_("options"), default=dict, blank=True)  # per type: widget, file types, max size…
    relevant = models.CharField(_("show when"), max_length=1000, blank=True)
    required_if = models.CharField(_("required when"), max_length=1000, blank=True)
    constraint = models.CharField(_("constraint"), max_length=1000, blank=True)
    constraint_message = models.CharField(_("constraint message"), max_length=300, blank=True)
    calculation = models.CharField(_("calculation"), max_length=1000, blank=True)
    group = models.CharField(_("repeat group"), max_length=64, blank=True)  # name of the enclosing repeat field
    bureau_locked = models.BooleanField(_("from the bureau template"), default=False)

    class Meta(Orderable.Meta):
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        constraints = [models.UniqueConstraint(fields=["form", "name"], name="forms_engine_field_name_unique")]

    def __str__(self) -> str:
        return f"{self.label} ({self.name})"


class FormVersion(models.Model):
    """An immutable published snapshot of a form's fields."""

    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    schema = models.JSONField(_("fields"))  # {"fields": [...]} with parsed expressions
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="forms_engine_version_unique")]
        ordering = ["form", "-number"]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


def receipt_number() -> str:
    return uuid.uuid4().hex[:12].upper()


class Submission(models.Model):
    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions")
    data = models.JSONField(_("answers"), default=dict)
    cadre = models.ForeignKey(
        "registry.Cadre",
        verbose_name=_("cadre"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
    )
    state = models.CharField(_("state"), max_length=30, db_index=True)
    assignee = models.ForeignKey(
        "registry.Staff",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_submissions",
    )
    receipt = models.CharField(_("receipt number"), max_length=12, unique=True, default=receipt_number)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, default="admin")  # admin, api, public, field
    # Why a person should look at it before it counts as usual (e.g. filled offline in a version since replaced).
    review_reason = models.CharField(_("to be reviewed"), max_length=200, blank=True)
    # Set by the public form (one per page shown, bound to the browser): a retried POST finds the submission stored
    # by the first instead of storing another. The field app keeps its own key on field.FieldSubmission.
    client_key = models.CharField(_("client key"), max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["form", "created_at"]),
            models.Index(fields=["cadre", "form", "created_at"]),
            models.Index(fields=["form", "updated_at"]),  # what changed since the last reminders sweep
            # Answers looked up by containment (data @> {...}): the reminders' "a visit of type X".
            GinIndex(fields=["data"], opclasses=["jsonb_path_ops"], name="forms_submission_data_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.form} #{self.receipt}"


class SubmissionChange(models.Model):
    """Field-level history: one row per changed answer, state move, assignment or comment."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("Answer changed")
        STATE = "state", _("State changed")
        ASSIGN = "assign", _("Assigned")
        COMMENT = "comment", _("Comment")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=64, blank=True)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    text = models.TextField(_("comment"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("submission change")
        verbose_name_plural = _("submission changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.kind} {self.field}"


class ExportJob(models.Model):
    """Submissions written to a workbook in the background; downloadable by its creator for 24 hours."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="export_jobs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    # The workbook, relative to JUNXIU_PRIVATE_FILES (<schema>/form-exports/...): never under MEDIA.
    path = models.CharField(_("file"), max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.form} {self.get_status_display()}"


class FormWebhook(models.Model):
    """A URL told about a form's submissions, each request signed with the secret (HMAC-SHA256)."""

    class Event(models.TextChoices):
        CREATED = "submission.created", _("Submission created")
        UPDATED = "submission.updated", _("Submission updated")
        MOVED = "submission.moved", _("Submission state changed")

    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=128)
    events = models.JSONField(_("events"), default=list, blank=True)  # empty: every event
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["form", "pk"]

    def __str__(self) -> str:
        return f"{self.form} → {self.url}"


class FormWebhookDelivery(models.Model):
    """One event sent to one webhook: its payload and every attempt so far."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(FormWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=30)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_deliveries"
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook.url} ({self.status})"

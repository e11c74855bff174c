"""Reminders: rules from the standard, what is due under them, and every message sent about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.crypto import EncryptedTextField


class Holiday(models.Model):
    """A day off, or a make-up working day on a weekend (the official schedule; editable for later years)."""

    class Kind(models.TextChoices):
        OFF = "off", _("Day off")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ReminderRule(models.Model):
    """What is due, for whom, how often, what fulfils it, who answers for it and how it escalates."""

    class Subject(models.TextChoices):
        CADRE = "cadre", _("Cadres")
        STAFF = "staff", _("Staff")
        CENTRE = "centre", _("The centre itself")

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    clause = models.CharField(_("clause of the standard"), max_length=50, blank=True)
    subject = models.CharField(_("concerns"), max_length=10, choices=Subject.choices)
    # e.g. {"any_flags": ["lives_alone", "childless"], "state": ["active"], "level": ["division"]}
    subject_filter = models.JSONField(_("which subjects"), default=dict, blank=True)
    # e.g. {"every": "day"}, {"every": "quarter"}, {"after_field": "transfer_in_date", "days": 30},
    # {"yearly_on": "10-31"}, {"lunar": "09-09"}, {"yearly_on": "08-01"}
    cadence = models.JSONField(_("cadence"))
    # e.g. {"form": "visit-record", "answers": {"visit_type": "daily_call"}}; or {"field": "passport_handed_in_on"}
    fulfilment = models.JSONField(_("fulfilled by"), default=dict, blank=True)
    responsible = models.CharField(_("responsible"), max_length=20, default="liaison")  # liaison, role:<role>, head
    lead_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=0)
    working_days_only = models.BooleanField(_("due on working days only"), default=False)
    # e.g. [{"after_days": 0, "to": "supervisor"}, {"after_days": 3, "to": "head"}]
    escalation = models.JSONField(_("escalation"), default=list, blank=True)
    notify_cadre = models.BooleanField(_("the cadre is told too"), default=False)
    active = models.BooleanField(_("active"), default=True)
    # A rule that counts from a record's date (a transfer in, a trip's return) makes items only for records dated from
    # this day on, so records from decades before the centre used the rule raise nothing. By default the day the
    # centre started using the rule (its creation).
    starts_on = models.DateField(
        _("in force from"),
        default=timezone.localdate,
        help_text=_(
            "For a rule that counts from a record's date (a transfer in, a return from abroad): items are made only "
            "for records dated from this day on."
        ),
    )
    # A call noted in a line closes its item as a visit record would (the daily call, the weekly greeting).
    done_by_note = models.BooleanField(_("may be marked done with a one-line note"), default=False)
    # When the sweep last read this rule's evidence: the next one reads only what changed since (None: read it all).
    swept_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the sweep last made this rule's items for: the day, the rule's settings (a digest) and the moment (wall
    # clock). With the same day and settings and no cadre, trip or staff changed since, a sweep makes nothing new.
    made_on = models.DateField(null=True, blank=True, editable=False)
    made_for = models.CharField(max_length=32, blank=True, editable=False)
    made_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title


class DueItem(models.Model):
    """One thing due under one rule, for one subject, in one period — never twice (unique key)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated")
        WAIVED = "waived", _("Waived")

    rule = models.ForeignKey(ReminderRule, on_delete=models.CASCADE, related_name="due_items")
    subject_type = models.CharField(max_length=10)
    subject_id = models.PositiveBigIntegerField(default=0)  # 0 for the centre itself
    period_key = models.CharField(_("period"), max_length=20)  # 2026-11-29, 2026-W48, 2026-Q4, 2026
    period_start = models.DateField(_("period starts"))
    due_on = models.DateField(_("due on"), db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    assignee = models.ForeignKey(
        "registry.Staff",
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="due_items",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_to = models.ForeignKey(
        "registry.Staff",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_items",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    fulfilled_by = models.CharField(_("fulfilled by"), max_length=100, blank=True)  # e.g. "submission:123"
    waived_reason = models.CharField(_("reason for waiving"), max_length=300, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("waived by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waived_due_items",
    )
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="done_due_items",
    )
    done_note = models.CharField(_("note"), max_length=200, blank=True, db_default="")
    # Not columns: what a worklist page (notifications.selectors.worklist_page) tells about each item it shows.
    rest_home_id: int | None
    rest_home_name: str
    fill: dict | None
    waivable: bool
    markable: bool
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Not a column: the name of the cadre, staff member or trip the item is about, set by notifications.selectors
    # on the items of a worklist it lists.
    subject_name: str

    class Meta:
        verbose_name = _("due item")
        verbose_name_plural = _("due items")
        ordering = ["due_on", "pk"]
        permissions = [("waive_dueitem", "Can waive any due item")]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id", "period_key"], name="notifications_due_item_once"
            )
        ]
        indexes = [
            models.Index(fields=["assignee", "state", "due_on"]),
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["rule", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_type}:{self.subject_id} {self.period_key}"


class Delivery(models.Model):
    """One message through one channel; its key makes it go out at most once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held for quiet hours")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    due_item = models.ForeignKey(DueItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=20)  # inbox, email, sms, wecom
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    address = EncryptedTextField(_("address"), blank=True)  # phone or e-mail, encrypted like all personal data
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)  # in-app inbox
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "not_before"]), models.Index(fields=["user", "channel", "read_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.key}"


class NotificationPreference(models.Model):
    """How a user wants to be told: channels, quiet hours (no SMS at night), a daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)  # e.g. ["inbox", "sms"]
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    daily_digest = models.BooleanField(_("daily digest instead of single messages"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

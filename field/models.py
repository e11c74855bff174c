"""The liaison's field app: the phones signed in to it and the submissions they sent, each accepted once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldDevice(models.Model):
    """A phone (an install of the field app) of one staff user; revoked by the centre admin, it is wiped."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="field_devices"
    )
    device_id = models.UUIDField(_("device id"))
    label = models.CharField(_("device"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("signed in at"), auto_now_add=True)
    last_contact = models.DateTimeField(_("last contact"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("signed out remotely at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed out by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("field device")
        verbose_name_plural = _("field devices")
        ordering = ["-last_contact", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "device_id"], name="field_device_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.label}"


class FieldSubmission(models.Model):
    """A submission sent from a phone, by the key the phone made for it: a repeat answers with the first receipt."""

    client_key = models.UUIDField(_("key made on the device"), unique=True)
    # The record of a key goes with its device and user (a login deleted); the submission itself stays.
    device = models.ForeignKey(FieldDevice, verbose_name=_("device"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submission = models.OneToOneField("forms_engine.Submission", on_delete=models.CASCADE, related_name="field_receipt")
    receipt = models.CharField(_("receipt number"), max_length=12)
    due_item = models.ForeignKey(
        "notifications.DueItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filled_at = models.DateTimeField(_("filled in at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("field submission")
        verbose_name_plural = _("field submissions")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.receipt

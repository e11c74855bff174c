"""A cadre's log-in: one-time SMS codes and access codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

"""City-wide items (public schema): written by the bureau once, copied into every centre as a read-only page."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CitywideItem(models.Model):
    """A notice or a policy of the municipal bureau; `body` is plain text, one paragraph per blank-line block."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice")
        POLICY = "policy", _("Policy")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    summary = models.TextField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("city-wide item")
        verbose_name_plural = _("city-wide items")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title

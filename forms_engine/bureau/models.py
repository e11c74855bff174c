"""The bureau's form templates (public schema): defined once, pushed to every centre as a locked form."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from forms_engine.models import FormDefinition


class BureauFormTemplate(models.Model):
    """A form the bureau asks every centre to keep; `fields` has the shape of forms_engine/form_templates/*.json."""

    key = models.SlugField(_("key"), max_length=60, unique=True, allow_unicode=False)
    title = models.CharField(_("title"), max_length=200)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=FormDefinition.Purpose.choices, default=FormDefinition.Purpose.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bureau form template")
        verbose_name_plural = _("bureau form templates")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.title} ({self.key})"

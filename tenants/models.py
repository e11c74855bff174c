"""District centres (tenants) and the host names they are served on."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Centre(TenantMixin):
    """A district retired-cadre service centre: one PostgreSQL schema. Also the bureau (public) and the template."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("Bureau")
        TEMPLATE = "template", _("Template")
        CENTRE = "centre", _("Centre")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CENTRE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    # Provisioning creates the schema itself, inside its own transaction (tenants.services.centre_create).
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["schema_name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.schema_name})"

    @property
    def code(self) -> str:
        return self.schema_name


class Domain(DomainMixin):
    """A host name a centre is served on."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.domain

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauFormsConfig(AppConfig):
    """The bureau's form templates, kept once on the public schema and pushed to every centre."""

    name = "forms_engine.bureau"
    label = "forms_bureau"
    verbose_name = _("Bureau form templates")
    default_auto_field = "django.db.models.BigAutoField"

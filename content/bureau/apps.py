from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauContentConfig(AppConfig):
    """City-wide notices and policies the bureau publishes once (public schema); every centre's site shows them."""

    name = "content.bureau"
    label = "content_bureau"
    verbose_name = _("City-wide content")
    default_auto_field = "django.db.models.BigAutoField"

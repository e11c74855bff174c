from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from notifications.calendar import holidays_seed
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="notifications.holidays", order=30, run=holidays_seed, repeatable=True)

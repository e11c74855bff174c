from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from notifications.calendar import holidays_seed
        from notifications.roles import notifications_roles_setup
        from notifications.services import reminder_rules_seed, rule_forms_ensure, schedules_ensure
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="notifications.holidays", order=30, run=holidays_seed, repeatable=True)
        centre_setup_step_register(name="notifications.rules", order=31, run=reminder_rules_seed, repeatable=True)
        centre_setup_step_register(name="notifications.forms", order=33, run=rule_forms_ensure, repeatable=True)
        centre_setup_step_register(name="notifications.roles", order=34, run=notifications_roles_setup, repeatable=True)
        centre_setup_step_register(name="notifications.schedules", order=32, run=schedules_ensure, repeatable=True)

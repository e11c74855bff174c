from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsEngineConfig(AppConfig):
    name = "forms_engine"
    verbose_name = _("Forms")

    def ready(self) -> None:
        from forms_engine.library import personal_marks_ensure, staff_only_marks_ensure
        from forms_engine.webhooks import webhook_schedules_ensure
        from tenants.housekeeping import housekeeping_register
        from tenants.setup import centre_setup_step_register

        # After notifications.forms (33), which makes the rules' forms from the library.
        centre_setup_step_register(
            name="forms_engine.staff_only", order=35, run=staff_only_marks_ensure, repeatable=True
        )
        centre_setup_step_register(name="forms_engine.personal", order=36, run=personal_marks_ensure, repeatable=True)
        centre_setup_step_register(
            name="forms_engine.webhook_schedules", order=37, run=webhook_schedules_ensure, repeatable=True
        )
        housekeeping_register(
            name="forms_engine.export_files", func="forms_engine.exports.export_files_purge", per_centre=True
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Bureau reports")

    def ready(self) -> None:
        from tenants.housekeeping import housekeeping_register

        # Both tables live in the public schema.
        housekeeping_register(name="reports.access_log", func="reports.services.report_access_purge", per_centre=False)
        housekeeping_register(
            name="reports.export_files", func="reports.exports.report_exports_purge", per_centre=False
        )

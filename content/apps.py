from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("Content")

    def ready(self) -> None:
        from content import services
        from content.page_cache import page_cache_signals_connect
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="content.roles", order=10, run=services.centre_roles_setup, repeatable=True)
        centre_setup_step_register(
            name="content.roles_revoke", order=11, run=services.centre_page_permissions_revoke, repeatable=True
        )
        centre_setup_step_register(
            name="content.review", order=12, run=services.centre_review_workflow_setup, repeatable=True
        )
        centre_setup_step_register(
            name="content.root_title", order=13, run=services.centre_root_title_setup, repeatable=True
        )
        centre_setup_step_register(name="content.site", order=20, run=services.centre_site_setup)
        centre_setup_step_register(name="content.citywide", order=40, run=services.citywide_centre_setup)
        centre_setup_step_register(
            name="content.schedules", order=41, run=services.content_schedules_ensure, repeatable=True
        )
        page_cache_signals_connect()

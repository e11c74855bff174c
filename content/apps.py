from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("Content")

    def ready(self) -> None:
        from content import services
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="content.roles", order=10, run=services.centre_roles_setup, repeatable=True)
        centre_setup_step_register(name="content.site", order=20, run=services.centre_site_setup)

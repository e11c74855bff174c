from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from registry.roles import registry_roles_setup
        from tenants.housekeeping import housekeeping_register
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="registry.roles", order=15, run=registry_roles_setup, repeatable=True)
        housekeeping_register(name="registry.access_log", func="registry.services.access_log_purge", per_centre=True)

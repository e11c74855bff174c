from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Centres")

    def ready(self) -> None:
        from tenants.roles import role_groups_setup
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="tenants.roles", order=0, run=role_groups_setup, repeatable=True)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "field"
    verbose_name = _("Field app")

    def ready(self) -> None:
        from field.roles import field_roles_setup
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="field.roles", order=60, run=field_roles_setup, repeatable=True)

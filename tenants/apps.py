from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Centres")

    def ready(self) -> None:
        from tenants.roles import role_groups_setup
        from tenants.setup import centre_setup_step_register

        centre_setup_step_register(name="tenants.roles", order=0, run=role_groups_setup, repeatable=True)

        from django.db.models.signals import post_delete, post_save

        from tenants.middleware import host_cache_clear
        from tenants.models import Centre, Domain

        # Not business logic: the request middleware's host → centre cache must not outlive a change of either.
        for model in (Centre, Domain):
            for signal in (post_save, post_delete):
                signal.connect(host_cache_clear, sender=model, dispatch_uid=f"host_cache_clear:{model.__name__}")

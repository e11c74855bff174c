from django.apps import AppConfig


class JunxiuConfig(AppConfig):
    """The project itself: base templates, static theme and the commands that wire apps together."""

    name = "junxiu"
    verbose_name = "junxiu"

    def ready(self) -> None:
        # pgtrigger gives Django's migrate/makemigrations a trigger-aware autodetector; django-tenants' migrate
        # command (which runs Django's migrate per schema) must declare the same one, or Django's check refuses.
        from django.core.management.commands import makemigrations
        from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

        MigrateSchemasCommand.autodetector = makemigrations.Command.autodetector

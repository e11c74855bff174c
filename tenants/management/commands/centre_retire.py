from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenants.services import ProvisioningError, centre_retire


class Command(BaseCommand):
    help = "Stop serving a centre; its schema and data are kept."

    def add_arguments(self, parser):
        parser.add_argument("code")

    def handle(self, *args, **options):
        try:
            centre = centre_retire(code=options["code"])
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(_("Retired centre %(name)s; its data is kept.") % {"name": centre.name}))

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenants.services import centre_setup_sync


class Command(BaseCommand):
    help = "Run the repeatable set-up steps (roles and permissions) in every centre; run after migrate_schemas."

    def handle(self, *args, **options):
        codes = centre_setup_sync()
        self.stdout.write(_("Synchronised %(count)d centres.") % {"count": len(codes)})

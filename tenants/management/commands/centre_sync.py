from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenants.services import centre_setup_sync, spare_schemas_refill


class Command(BaseCommand):
    help = (
        "Run the repeatable set-up steps (roles and permissions) in every centre and replace spare schemas the "
        "migrations made stale; run after migrate_schemas."
    )

    def handle(self, *args, **options):
        codes = centre_setup_sync()
        spare_schemas_refill()
        self.stdout.write(_("Synchronised %(count)d centres.") % {"count": len(codes)})

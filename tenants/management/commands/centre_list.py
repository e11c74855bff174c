from django.core.management.base import BaseCommand
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from tenants.selectors import centre_list, centre_primary_domain


class Command(BaseCommand):
    help = "List the district centres: code, name, domain, status, created."

    def handle(self, *args, **options):
        centres = centre_list()
        if not centres:
            self.stdout.write(_("No centres yet."))
            return
        for centre in centres:
            self.stdout.write(
                "\t".join(
                    [
                        centre.code,
                        centre.name,
                        centre_primary_domain(centre),
                        str(centre.get_status_display()),
                        localtime(centre.created_at).strftime("%Y-%m-%d %H:%M"),
                    ]
                )
            )

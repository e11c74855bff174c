from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registry.keys import personal_data_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data in every centre under the newest key of JUNXIU_FIELD_KEYS (prepend the new key "
        "first, keep the old ones until this has run); with --rehash also recompute lookup hashes after "
        "JUNXIU_LOOKUP_KEY changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rehash", action="store_true")

    def handle(self, *args, **options):
        counts = personal_data_rotate(rehash=options["rehash"])
        for code, rows in counts.items():
            self.stdout.write(_("%(code)s: %(rows)d rows re-encrypted") % {"code": code, "rows": rows})

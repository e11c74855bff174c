"""Seal the answers of personal fields still stored in clear, in every centre (or the ones named)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenants.tasks import centres_run


class Command(BaseCommand):
    help = (
        "Encrypt stored answers of form fields marked as personal data (and phone / ID-number fields) that are still "
        "in clear; safe to run again. Also run by centre_sync. With --rotate, seal every sealed answer again under "
        "the newest key of JUNXIU_FIELD_KEYS (with registry_rotate_keys, after prepending a key)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--centre", action="append", help="a centre's code (schema name); repeatable")
        parser.add_argument("--rotate", action="store_true", help="re-seal under the newest key")

    def handle(self, *args, **options):
        rotate = options["rotate"]
        func = "forms_engine.services." + ("personal_answers_rotate" if rotate else "personal_answers_seal")
        for code, count in centres_run(func=func, schemas=options["centre"]).items():
            values = {"centre": code, "count": count}
            if rotate:
                self.stdout.write(_("%(centre)s: %(count)d submissions re-sealed.") % values)
            else:
                self.stdout.write(_("%(centre)s: %(count)d submissions sealed.") % values)

"""Seal the answers of personal fields still stored in clear, in every centre (or the ones named)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenants.tasks import centres_run


class Command(BaseCommand):
    help = (
        "Encrypt stored answers of form fields marked as personal data (and phone / ID-number fields) that are still "
        "in clear; safe to run again. Also run by centre_sync."
    )

    def add_arguments(self, parser):
        parser.add_argument("--centre", action="append", help="a centre's code (schema name); repeatable")

    def handle(self, *args, **options):
        results = centres_run(func="forms_engine.services.personal_answers_seal", schemas=options["centre"])
        for code, count in results.items():
            self.stdout.write(_("%(centre)s: %(count)d submissions sealed.") % {"centre": code, "count": count})

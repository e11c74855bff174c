"""Bring every active centre's copy of a city-wide item up to date, now."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from content.bureau.models import CitywideItem
from content.services import citywide_publish


class Command(BaseCommand):
    help = "Create, update or unpublish every active centre's page for a city-wide item (by its id)."

    def add_arguments(self, parser):
        parser.add_argument("item_id", type=int, help="the city-wide item's id")

    def handle(self, *args, item_id: int, **options):
        if not CitywideItem.objects.filter(pk=item_id).exists():
            raise CommandError(_("There is no city-wide item %(id)d.") % {"id": item_id})
        for code, outcome in citywide_publish(item_id=item_id, now=True).items():
            self.stdout.write(f"{code}: {outcome}")

"""Recompute the bureau's figures now, for every active centre or one, for this year or another."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import CentreRefresh
from reports.services import centre_facts_refresh, indicators_sync
from tenants.models import Centre


class Command(BaseCommand):
    help = "Recompute the bureau's figures (facts) of each active centre, or of one centre; non-zero exit on failure."

    def add_arguments(self, parser):
        parser.add_argument("--centre", metavar="SLUG", help="only this centre (a retired one: up to its retirement)")
        parser.add_argument("--year", type=int, help="the year (default: this year)")

    def handle(self, *args, **options):
        year = options["year"] or timezone.localdate().year
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError(_("The year must be between 2000 and this year."))
        indicators_sync()
        if options["centre"]:
            centre = Centre.objects.filter(schema_name=options["centre"], kind=Centre.Kind.CENTRE).first()
            if centre is None:
                raise CommandError(_("No centre with the code %(code)s.") % {"code": options["centre"]})
            centres = [centre]
        else:
            centres = list(Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE))
        failed = []
        for centre in centres:
            state = centre_facts_refresh(centre=centre, year=year)
            if state.status == CentreRefresh.Status.FAILED:
                failed.append(centre)
                self.stderr.write(f"{centre.name}: {state.error}")
            else:
                self.stdout.write(
                    _("%(name)s: figures of %(year)d refreshed in %(seconds).2f s.")
                    % {"name": centre.name, "year": year, "seconds": state.seconds or 0}
                )
        if failed:
            raise CommandError(
                _("The figures of %(names)s could not be refreshed.") % {"names": "、".join(c.name for c in failed)}
            )

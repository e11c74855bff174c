from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenants.backup import BackupError, centre_restore


class Command(BaseCommand):
    help = (
        "Restore a centre's backup: over the centre (refused while it is active, unless --force), "
        "or as a new centre (--as)."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the code of the centre the backup was made of")
        parser.add_argument("file", help="the backup file (made by centre_backup)")
        parser.add_argument("--as", dest="as_code", help="restore as a new centre with this code (a copy)")
        parser.add_argument("--domain", help="the copy's host name; default <code>.<JUNXIU_BASE_DOMAIN>")
        parser.add_argument("--name", default="", help="the copy's name; default the original's")
        parser.add_argument("--force", action="store_true", help="replace the data of an active centre")

    def handle(self, *args, **options):
        try:
            restored = centre_restore(
                code=options["code"],
                path=options["file"],
                as_code=options["as_code"],
                force=options["force"],
                domain=options["domain"],
                name=options["name"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored centre %(name)s (%(code)s) at %(domain)s in %(seconds).1f s.")
                % {
                    "name": restored.centre.name,
                    "code": restored.centre.schema_name,
                    "domain": restored.domain.domain,
                    "seconds": restored.seconds,
                }
            )
        )
        for label, count in sorted(restored.skipped.items()):
            self.stdout.write(
                _("Left out %(count)d rows of %(model)s: what they point to is not here.")
                % {"count": count, "model": label}
            )

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenants.backup import BackupError, centre_backup


class Command(BaseCommand):
    help = "Back up one centre (its schema, public rows, media and private files) to one file."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the centre's code (its schema)")
        parser.add_argument("file", help="the backup file to write, e.g. huangpu-2026-12-06.tar")

    def handle(self, *args, **options):
        try:
            made = centre_backup(code=options["code"], path=options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Backed up centre %(code)s to %(path)s (%(size).1f MB, %(files)d files) in %(seconds).1f s.")
                % {
                    "code": options["code"],
                    "path": made.path,
                    "size": made.size / 1e6,
                    "files": len(made.manifest["files"]),
                    "seconds": made.seconds,
                }
            )
        )

"""Import a cadre roster (XLSX) into one centre: a checked dry run by default, `--commit` to write."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from registry.roster_columns import COLUMNS, IGNORE, header_key, headers_known
from registry.spreadsheets import cadre_import, command_user
from tenants.models import Centre


class Command(BaseCommand):
    help = (
        "Check a cadre roster (.xlsx, the import template's columns) for a centre and print every problem by row and "
        "column; with --commit, write it (all or nothing). Headers are recognised by their usual aliases; --map names "
        "the field of any other column. Exits with status 1 when there are problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--centre", required=True, help="the centre's code (schema name), e.g. huangpu")
        parser.add_argument("--commit", action="store_true", help="write the rows when no problem is found")
        parser.add_argument("--user", default="", help="a login of the centre the import is attributed to")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="a file column and the field it holds (a field name such as phone, or its template header), or "
            '"ignore"; repeatable, e.g. --map "联系方式=mobile" --map "籍贯=ignore"',
        )

    def handle(self, *args, **options):
        code = options["centre"]
        if not Centre.objects.filter(schema_name=code, kind=Centre.Kind.CENTRE).exists():
            raise CommandError(_("There is no centre with the code “%(code)s”.") % {"code": code})
        mapping = self._mapping(options["map"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("The file %(path)s does not exist.") % {"path": path})
        with schema_context(code):
            user = self._user(options["user"])
            with path.open("rb") as source:
                report = cadre_import(
                    source=source, user=user, commit=options["commit"], channel="command", mapping=mapping
                )
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise SystemExit(1)

    def _user(self, username: str):
        if not username:
            return command_user("command:cadre_import")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no login “%(username)s” in this centre.") % {"username": username})
        return user

    def _mapping(self, pairs: list[str]) -> dict[str, str]:
        """--map "表头=field" pairs as the import takes them: header to field name, or "" to ignore the column."""
        known = headers_known()
        mapping: dict[str, str] = {}
        for pair in pairs:
            header, sep, target = pair.partition("=")
            if not sep or not header.strip():
                raise CommandError(_("--map takes HEADER=FIELD, not “%(pair)s”.") % {"pair": pair})
            key = header_key(target)
            if key in ("ignore", "忽略", ""):
                mapping[header.strip()] = IGNORE
            elif key in known:
                mapping[header.strip()] = known[key].field
            else:
                raise CommandError(
                    _("Unknown field “%(field)s” in --map; use one of: %(fields)s, or ignore.")
                    % {"field": target, "fields": ", ".join(c.field for c in COLUMNS)}
                )
        return mapping

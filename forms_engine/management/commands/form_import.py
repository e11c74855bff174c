"""Create a draft form in one centre from an XLSForm workbook; exits non-zero with every reason when it cannot."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from forms_engine.xlsform import definition_import
from tenants.models import Centre


class Command(BaseCommand):
    help = "Import an XLSForm workbook (.xlsx) as a new draft form of a centre, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--centre", required=True, help="the centre's code (schema name), e.g. huangpu")
        parser.add_argument("--key", default=None, help="the new form's key (default: from form_id or the title)")
        parser.add_argument("--title", default=None, help="the new form's title (default: form_title)")

    def handle(self, *args, **options):
        code = options["centre"]
        if not Centre.objects.filter(schema_name=code, kind=Centre.Kind.CENTRE).exists():
            raise CommandError(_("There is no centre with the code “%(code)s”.") % {"code": code})
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("The file %(path)s does not exist.") % {"path": path})
        with schema_context(code), path.open("rb") as source:
            try:
                form = definition_import(source=source, key=options["key"], title=options["title"])
            except ValidationError as exc:
                raise CommandError("\n".join([_("The form cannot be imported:"), *exc.messages])) from exc
            count = form.fields.count()
        for warning in form.import_warnings:
            self.stderr.write(_("Warning: %(warning)s") % {"warning": warning})
        self.stdout.write(
            _("Created the draft form “%(title)s” with the key %(key)s and %(count)d fields.")
            % {"title": form.title, "key": form.key, "count": count}
        )

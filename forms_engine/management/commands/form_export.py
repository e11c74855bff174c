"""Write a centre's form definition (its draft, or a published version) as an XLSForm workbook."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition
from forms_engine.xlsform import definition_export
from tenants.models import Centre


class Command(BaseCommand):
    help = "Export a form definition of a centre to XLSForm (.xlsx): the draft, or --number N."

    def add_arguments(self, parser):
        parser.add_argument("key")
        parser.add_argument("output", type=Path)
        parser.add_argument("--centre", required=True, help="the centre's code (schema name), e.g. huangpu")
        parser.add_argument(
            "--number", type=int, default=None, help="a published version's number (default: the draft)"
        )

    def handle(self, *args, **options):
        code = options["centre"]
        if not Centre.objects.filter(schema_name=code, kind=Centre.Kind.CENTRE).exists():
            raise CommandError(_("There is no centre with the code “%(code)s”.") % {"code": code})
        with schema_context(code):
            form = FormDefinition.objects.filter(key=options["key"]).first()
            if form is None:
                raise CommandError(_("There is no form with the key “%(key)s”.") % {"key": options["key"]})
            version = None
            if options["number"] is not None:
                version = form.versions.filter(number=options["number"]).first()
                if version is None:
                    raise CommandError(_("The form has no version %(number)s.") % {"number": options["number"]})
            content = definition_export(form=form, version=version)
        options["output"].write_bytes(content)
        self.stdout.write(_("Wrote %(path)s.") % {"path": options["output"]})

"""Push a bureau form template to every active centre (or the ones named)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from forms_engine.bureau.models import BureauFormTemplate
from forms_engine.library import bureau_template_push, bureau_template_save, form_template_get


class Command(BaseCommand):
    help = "Create or update every active centre's copy of a bureau form template."

    def add_arguments(self, parser):
        parser.add_argument("key", help="the bureau template's key")
        parser.add_argument("--centre", action="append", dest="centres", help="only this centre (repeatable)")
        parser.add_argument(
            "--from-standard", dest="standard", help="first (re)define the bureau template from a shipped template"
        )

    def handle(self, *args, key: str, centres: list[str] | None, standard: str | None, **options):
        if standard:
            try:
                source = form_template_get(template_key=standard)
                bureau_template_save(
                    key=key,
                    title=source["title"],
                    fields=source["fields"],
                    purpose=source["purpose"],
                    description=source.get("description", ""),
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        template = BureauFormTemplate.objects.filter(key=key).first()
        if template is None:
            raise CommandError(_("There is no bureau form template “%(key)s”.") % {"key": key})
        results = bureau_template_push(template=template, centres=centres)
        for code, outcome in results.items():
            self.stdout.write(f"{code}: {outcome}")

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenants.services import ProvisioningError, centre_create


class Command(BaseCommand):
    help = "Create a district centre by cloning the template schema; prints its admin's one-time password."

    def add_arguments(self, parser):
        parser.add_argument("code", help="lowercase letters and digits, 2–30 characters, starting with a letter")
        parser.add_argument("--name", required=True, help="e.g. 黄浦区军休中心")
        parser.add_argument("--domain", help="host name; default <code>.<JUNXIU_BASE_DOMAIN>")
        parser.add_argument("--admin-email", default="")

    def handle(self, *args, **options):
        try:
            created = centre_create(
                code=options["code"],
                name=options["name"],
                domain=options["domain"],
                admin_email=options["admin_email"],
            )
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Created centre %(name)s (%(code)s) at %(domain)s.")
                % {"name": created.centre.name, "code": created.centre.code, "domain": created.domain.domain}
            )
        )
        self.stdout.write(
            _("Centre admin: %(username)s, one-time password: %(password)s (shown only now)")
            % {"username": created.admin_username, "password": created.admin_password}
        )

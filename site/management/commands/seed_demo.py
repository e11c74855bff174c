"""Create (idempotently) the demo centres, their demo users and demo content, and synthetic demo people."""

import json
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from content.services import demo_content_ensure
from registry.demo import demo_registry_create, demo_staff_link
from tenants.models import Centre
from tenants.roles import Role, role_group_name
from tenants.services import ProvisioningError, centre_create, centre_user_ensure

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo.json"


class Command(BaseCommand):
    help = "Create the demo centres, users, content and synthetic cadres; running it again adds nothing twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--centre",
            action="append",
            dest="centres",
            metavar="CODE",
            help="a demo centre to fill (may repeat; default: every demo centre)",
        )
        parser.add_argument("--cadres", type=int, default=300, help="synthetic cadres per centre (default 300)")
        parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic people (default 1)")

    def handle(self, *args, **options):
        demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        if options["cadres"] < 0:
            raise CommandError(_("The number of cadres cannot be negative."))
        known = [spec["code"] for spec in demo["centres"]]
        chosen = options["centres"] or known
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise CommandError(
                _("Not a demo centre: %(codes)s (choose from %(known)s).")
                % {"codes": ", ".join(unknown), "known": ", ".join(known)}
            )
        password = os.environ.get(demo["password_env"], demo["default_password"])
        for user in demo["bureau_users"]:
            centre_user_ensure(username=user["username"], password=password, first_name=user["first_name"])
        for spec in demo["centres"]:
            if spec["code"] not in chosen:
                continue
            if not Centre.objects.filter(schema_name=spec["code"]).exists():
                try:
                    centre_create(code=spec["code"], name=spec["name"])
                except ProvisioningError as exc:
                    raise CommandError(str(exc)) from exc
                self.stdout.write(_("Created centre %(name)s.") % {"name": spec["name"]})
            with schema_context(spec["code"]):
                started = time.monotonic()
                created = demo_registry_create(cadres=options["cadres"], seed=options["seed"])
                for user in demo["centre_users"]:
                    login = centre_user_ensure(
                        username=user["username"],
                        password=password,
                        first_name=user["first_name"],
                        superuser=user.get("superuser", False),
                        groups=(role_group_name(Role(user["role"])),),
                    )
                    demo_staff_link(user=login, role=user["role"], seed=options["seed"])
                demo_content_ensure()
            self.stdout.write(
                _("%(name)s: %(created)d new demo cadres (%(seconds).1f s).")
                % {"name": spec["name"], "created": created, "seconds": time.monotonic() - started}
            )
        self.stdout.write(self.style.SUCCESS(_("Demo data is ready.")))

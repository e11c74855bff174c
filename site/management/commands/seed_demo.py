"""Create (idempotently) the demo centres, their demo users and demo content."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from content.services import demo_content_ensure
from tenants.models import Centre
from tenants.roles import Role, role_group_name
from tenants.services import ProvisioningError, centre_create, centre_user_ensure

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo.json"


class Command(BaseCommand):
    help = "Create the demo centres, users and content; running it again changes nothing but the demo passwords."

    def handle(self, *args, **options):
        demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        password = os.environ.get(demo["password_env"], demo["default_password"])
        for user in demo["bureau_users"]:
            centre_user_ensure(username=user["username"], password=password, first_name=user["first_name"])
        for spec in demo["centres"]:
            if not Centre.objects.filter(schema_name=spec["code"]).exists():
                try:
                    centre_create(code=spec["code"], name=spec["name"])
                except ProvisioningError as exc:
                    raise CommandError(str(exc)) from exc
                self.stdout.write(_("Created centre %(name)s.") % {"name": spec["name"]})
            with schema_context(spec["code"]):
                for user in demo["centre_users"]:
                    centre_user_ensure(
                        username=user["username"],
                        password=password,
                        first_name=user["first_name"],
                        superuser=user.get("superuser", False),
                        groups=(role_group_name(Role(user["role"])),),
                    )
                demo_content_ensure()
        self.stdout.write(self.style.SUCCESS(_("Demo data is ready.")))

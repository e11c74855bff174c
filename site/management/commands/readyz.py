"""`django-admin readyz`: the checks of /readyz (database, broker, every active centre's migrations) from the command
line — the readiness probe of the worker pods, which serve no HTTP. Exit status 0 when ready, 1 otherwise."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from junxiu.health import readiness


class Command(BaseCommand):
    help = "Exit 0 when the database, the broker and every active centre's migrations are ready (as /readyz)."

    def handle(self, *args, **options) -> None:
        report = readiness()
        if report["status"] != "ok":
            raise CommandError(json.dumps(report["failed"], ensure_ascii=False))
        self.stdout.write("ready")

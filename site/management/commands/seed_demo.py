"""Create (idempotently) the demo centres, their demo users and demo content, synthetic demo people and their past."""

import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from junxiu.demo_history import (
    SURVEY_TEMPLATE,
    HistoryResult,
    Profile,
    demo_history_make,
    history_window,
    profile_from_json,
)
from junxiu.models import DemoHistory

from content.services import demo_content_ensure
from forms_engine.library import bureau_template_push, bureau_template_save, form_template_get
from registry.demo import demo_facilities_ensure, demo_registry_create, demo_staff_link
from reports.demo import demo_reports_ensure
from reports.roles import BureauRole, bureau_role_grant
from tenants.models import Centre
from tenants.roles import Role, role_group_name
from tenants.services import ProvisioningError, centre_create, centre_retire, centre_user_ensure

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo.json"
SURVEY_STANDARD = "satisfaction-survey"  # the shipped template the bureau's survey is made from
# The bureau's citywide survey is titled apart from the standard's survey each centre keeps for its own yearly
# self-evaluation (the reminder rule's form): two forms called 服务质量满意度测评 side by side told a user nothing.
SURVEY_TITLE = "服务质量满意度测评（市局统一）"


class Command(BaseCommand):
    help = (
        "Create the demo centres, users, content, synthetic cadres and their history since last year; "
        "running it again adds nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--centre",
            action="append",
            dest="centres",
            metavar="CODE",
            help="a demo centre to fill (may repeat; default: every demo centre)",
        )
        parser.add_argument("--cadres", type=int, help="synthetic cadres per centre (default: the centre's profile)")
        parser.add_argument("--seed", type=int, help="seed of the synthetic people (default: the centre's profile)")
        parser.add_argument("--no-history", action="store_true", help="make no past visits, reminders, complaints…")
        parser.add_argument("--jobs", type=int, default=2, help="centres whose history is made at once (default 2)")

    def handle(self, *args, **options):
        demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        if options["cadres"] is not None and options["cadres"] < 0:
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
            login = centre_user_ensure(username=user["username"], password=password, first_name=user["first_name"])
            bureau_role_grant(user=login, role=BureauRole(user["role"]))
        ready: list[tuple[Centre, Profile]] = []
        for spec in demo["centres"]:
            if spec["code"] not in chosen:
                continue
            profile = profile_from_json(spec.get("profile", {}))
            if options["seed"] is not None:
                profile = dataclasses.replace(profile, seed=options["seed"])
            centre = self._centre(spec, profile, demo, password, options["cadres"], not options["no_history"])
            if centre is not None:
                ready.append((centre, profile))
        self._survey_form([centre.schema_name for centre, _profile in ready])
        if not options["no_history"]:
            self._histories(ready, options["jobs"])
        # The bureau's figures and evaluations before a centre retires: its history stays in them.
        demo_reports_ensure(codes=chosen)
        self.stdout.write(_("The bureau's figures are refreshed."))
        self._demo_retire(demo, chosen)
        self.stdout.write(self.style.SUCCESS(_("Demo data is ready.")))

    def _centre(
        self, spec: dict, profile: Profile, demo: dict, password: str, cadres: int | None, history: bool
    ) -> Centre | None:
        """The centre, its people, users, content and rooms; None for a retired one (it is left as it is)."""
        centre = Centre.objects.filter(schema_name=spec["code"]).first()
        if centre is not None and centre.status == Centre.Status.RETIRED:
            self.stdout.write(_("%(name)s is retired: left as it is.") % {"name": spec["name"]})
            return None
        if centre is None:
            try:
                centre = centre_create(code=spec["code"], name=spec["name"]).centre
            except ProvisioningError as exc:
                raise CommandError(str(exc)) from exc
            # On the platform since its history begins (or since it was set up during it).
            start, _end = history_window(profile, today=timezone.localdate())
            created = timezone.make_aware(dt.datetime.combine(profile.created_on or start, dt.time(9)))
            Centre.objects.filter(pk=centre.pk).update(created_at=created)
            self.stdout.write(_("Created centre %(name)s.") % {"name": spec["name"]})
        with schema_context(spec["code"]):
            started = time.monotonic()
            count = profile.cadres if cadres is None else cadres
            # With a history, deaths and check-ups happen in it, not before.
            created = demo_registry_create(cadres=count, seed=profile.seed, shares=profile.shares, with_history=history)
            for user in demo["centre_users"]:
                login = centre_user_ensure(
                    username=user["username"],
                    password=password,
                    first_name=user["first_name"],
                    superuser=user.get("superuser", False),
                    groups=(role_group_name(Role(user["role"])),),
                )
                demo_staff_link(user=login, role=user["role"], seed=profile.seed)
            demo_content_ensure()
            demo_facilities_ensure(
                cadres=count, area_per_cadre=profile.area_per_cadre, short_rooms=profile.short_rooms, seed=profile.seed
            )
        self.stdout.write(
            _("%(name)s: %(created)d new demo cadres (%(seconds).1f s).")
            % {"name": spec["name"], "created": created, "seconds": time.monotonic() - started}
        )
        return centre

    def _survey_form(self, codes: list[str]) -> None:
        """The bureau's satisfaction survey, pushed to the demo centres (answers comparable by machine name)."""
        if not codes:
            return
        try:
            source = form_template_get(template_key=SURVEY_STANDARD)
            template = bureau_template_save(
                key=SURVEY_TEMPLATE,
                title=SURVEY_TITLE,
                fields=source["fields"],
                purpose=source["purpose"],
                description=source.get("description", ""),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        bureau_template_push(template=template, centres=codes)

    def _histories(self, todo: list[tuple[Centre, Profile]], jobs: int) -> None:
        """Each centre's past since last year, made once (the next run finds it recorded and skips it); centres in
        parallel processes, the biggest first."""
        today = timezone.localdate()
        todo = [(c, p) for c, p in todo if not DemoHistory.objects.filter(centre=c).exists()]
        todo = [(c, p, *history_window(p, today=today)) for c, p in todo]
        todo = sorted([item for item in todo if item[2] <= item[3]], key=lambda i: -i[1].cadres * (i[3] - i[2]).days)
        for centre, _profile, start, end in todo:
            self.stdout.write(
                _("%(name)s: making its history from %(start)s to %(end)s…")
                % {"name": centre.name, "start": start.isoformat(), "end": end.isoformat()}
            )
        work = [{"centre_id": c.pk, "profile": p, "start": start, "end": end} for c, p, start, end in todo]
        if jobs > 1 and len(work) > 1 and "fork" in multiprocessing.get_all_start_methods():
            connections.close_all()  # each process opens its own
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                for future in as_completed([pool.submit(demo_history_make, **kwargs) for kwargs in work]):
                    self._history_report(future.result())
        else:
            for kwargs in work:
                self._history_report(demo_history_make(**kwargs))

    def _history_report(self, made: tuple[str, HistoryResult, float] | None) -> None:
        if made is None:
            return
        name, result, seconds = made
        self.stdout.write(
            _(
                "%(name)s: %(visits)d visit records, %(items)d due items (%(done)d done), %(checks)d check-ups, "
                "%(deaths)d deaths, %(receptions)d receptions, %(transfers)d transfers out, %(complaints)d "
                "complaints, %(answers)d survey answers, %(activities)d activities (%(seconds).1f s)."
            )
            % {
                "name": name,
                "visits": result.visits,
                "items": result.due_items,
                "done": result.done,
                "checks": result.checks,
                "deaths": result.deaths,
                "receptions": result.receptions,
                "transfers": result.transfers,
                "complaints": result.complaints,
                "answers": result.survey_answers,
                "activities": result.activities,
                "seconds": seconds,
            }
        )

    def _demo_retire(self, demo: dict, chosen: list[str]) -> None:
        """Last: retire the demo centres whose profile ends (after their history is made), dated then."""
        for spec in demo["centres"]:
            if spec["code"] not in chosen:
                continue
            retired_on = profile_from_json(spec.get("profile", {})).retired_on
            if (
                retired_on is None
                or not Centre.objects.filter(schema_name=spec["code"], status=Centre.Status.ACTIVE).exists()
            ):
                continue
            centre = centre_retire(code=spec["code"])
            moment = timezone.make_aware(dt.datetime.combine(retired_on, dt.time(18)))
            Centre.objects.filter(pk=centre.pk).update(retired_at=moment)
            self.stdout.write(_("Retired centre %(name)s.") % {"name": spec["name"]})

"""Indicator definitions from reports/data/indicators.json, the bureau's role groups, and the nightly refresh."""

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import migrations

INDICATORS = Path(__file__).resolve().parent.parent / "data" / "indicators.json"
FIELDS = ("area", "name", "unit", "kind", "formula", "clause")


def forwards(apps, schema_editor):
    Indicator = apps.get_model("reports", "Indicator")
    for position, spec in enumerate(json.loads(INDICATORS.read_text(encoding="utf-8"))):
        Indicator.objects.update_or_create(
            code=spec["code"],
            defaults={
                **{key: spec[key] for key in FIELDS},
                "higher_is_better": spec.get("higher_is_better"),
                "breakdown": spec.get("breakdown", ""),
                "persons": spec.get("persons", False),
                "partition": spec.get("partition", False),
                "headline": spec.get("headline", False),
                "position": position,
            },
        )
    Group = apps.get_model("auth", "Group")
    for name in ("bureau:head", "bureau:analyst", "bureau:viewer"):
        Group.objects.get_or_create(name=name)
    Schedule = apps.get_model("django_q", "Schedule")
    shanghai = ZoneInfo("Asia/Shanghai")
    now = dt.datetime.now(shanghai)
    first = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(2, 0), tzinfo=shanghai)
    Schedule.objects.get_or_create(
        name="reports:nightly-refresh",
        defaults={
            "func": "reports.tasks.nightly_refresh",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

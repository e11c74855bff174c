"""The daily housekeeping (tenants.housekeeping): expired generated files and old access-log rows, at 03:30 Shanghai."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    shanghai = ZoneInfo("Asia/Shanghai")
    now = dt.datetime.now(shanghai)
    first = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(3, 30), tzinfo=shanghai)
    Schedule.objects.get_or_create(
        name="public:housekeeping",
        defaults={
            "func": "tenants.housekeeping.housekeeping_run",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="public:housekeeping").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_bureau_and_template"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

"""Form exports move out of MEDIA: each job keeps its workbook under JUNXIU_PRIVATE_FILES/<schema>/form-exports/
(path relative to that root) and the name to download it by; the public `file` field goes."""

import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def move_old_exports(apps, schema_editor):
    """Every workbook still under MEDIA moves to the private folder (the daily housekeeping deletes expired ones)."""
    schema = schema_editor.connection.schema_name
    ExportJob = apps.get_model("forms_engine", "ExportJob")
    media = Path(settings.MEDIA_ROOT) / schema
    for job in ExportJob.objects.exclude(file=""):
        old = media / job.file.name
        name = job.file.name.rsplit("/", 1)[-1]
        path = ""
        if old.is_file():
            path = f"{schema}/form-exports/{secrets.token_urlsafe(24)}.xlsx"
            target = Path(settings.JUNXIU_PRIVATE_FILES) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(old, target)
        ExportJob.objects.filter(pk=job.pk).update(path=path, filename=name)


class Migration(migrations.Migration):
    dependencies = [
        ("forms_engine", "0004_submission_answer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="path",
            field=models.CharField(blank=True, max_length=300, verbose_name="file"),
        ),
        migrations.AddField(
            model_name="exportjob",
            name="filename",
            field=models.CharField(blank=True, max_length=200, verbose_name="file name"),
        ),
        migrations.RunPython(move_old_exports, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="exportjob",
            name="file",
        ),
    ]

"""Report workbooks move from JUNXIU_PRIVATE_FILES/reports/ to JUNXIU_PRIVATE_FILES/public/reports/: every generated
file lives in its schema's folder, and a download reads only from there."""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    ReportExport = apps.get_model("reports", "ReportExport")
    root = Path(settings.JUNXIU_PRIVATE_FILES)
    for export in ReportExport.objects.filter(path__startswith="reports/"):
        old, new = root / export.path, f"public/{export.path}"
        if old.is_file():
            (root / new).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(old, root / new)
            ReportExport.objects.filter(pk=export.pk).update(path=new)
        else:
            ReportExport.objects.filter(pk=export.pk).update(path="")


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_indicators_roles_schedule")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

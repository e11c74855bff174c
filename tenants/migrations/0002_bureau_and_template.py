"""The bureau's row for the public schema, and the template schema new centres are cloned from.

The template is a centre row without a domain, so `migrate_schemas` keeps its schema current.
"""

from django.conf import settings
from django.db import migrations


def create_bureau_and_template(apps, schema_editor):
    Centre = apps.get_model("tenants", "Centre")
    template = settings.TENANT_BASE_SCHEMA
    Centre.objects.get_or_create(
        schema_name="public", defaults={"name": "Municipal Bureau of Veterans Affairs", "kind": "bureau"}
    )
    Centre.objects.get_or_create(schema_name=template, defaults={"name": "Centre template", "kind": "template"})
    schema_editor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template}"')


def drop_template(apps, schema_editor):
    Centre = apps.get_model("tenants", "Centre")
    template = settings.TENANT_BASE_SCHEMA
    Centre.objects.filter(schema_name__in=["public", template]).delete()
    schema_editor.execute(f'DROP SCHEMA IF EXISTS "{template}" CASCADE')


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunPython(create_bureau_and_template, drop_template)]

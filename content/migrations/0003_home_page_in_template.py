"""Turn Wagtail's placeholder root child into a HomePage, in place, wherever it is still there.

That is the template schema (new centres are cloned from it, so provisioning only renames the page); centres made
before this migration already replaced the placeholder and are left alone.
"""

from django.db import migrations


def placeholder_to_home_page(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    HomePage = apps.get_model("content", "HomePage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    plain = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    placeholder = Page.objects.filter(depth=2, content_type=plain).order_by("path").first()
    if plain is None or placeholder is None or HomePage.objects.exists():
        return
    home_type, _created = ContentType.objects.get_or_create(app_label="content", model="homepage")
    HomePage(page_ptr_id=placeholder.pk, intro="", hotline="", body="[]").save_base(raw=True)
    Page.objects.filter(pk=placeholder.pk).update(
        content_type=home_type, title="Centre home", draft_title="Centre home", live=True,
        has_unpublished_changes=False, latest_revision=None, live_revision=None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_form_page"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(placeholder_to_home_page, migrations.RunPython.noop)]

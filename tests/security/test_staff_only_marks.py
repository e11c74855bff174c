"""Forms made from a library template before its fields were marked staff-only get the marks from the set-up step
that `centre_sync` runs, so their public pages stop showing those fields without republishing."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from forms_engine.library import form_from_template, staff_only_marks_ensure
from forms_engine.models import FormField
from forms_engine.services import form_field_add, form_publish
from tenants.services import centre_setup_sync
from tests.conftest import client_for

STAFF_ONLY = ["escalation_note", "feedback_date", "feedback_given", "handler", "result", "serious"]


def complaint_fields():
    return FormField.objects.filter(form__key="complaint")


def old_complaint_form(*, public: bool = False):
    """The complaint form from the library, published, with its fields as they were before the marks existed."""
    form = form_from_template(template_key="complaint")
    form.public = public
    form.save(update_fields=["public"])
    for field in complaint_fields():
        field.options = {k: v for k, v in (field.options or {}).items() if k != "staff_only"}
        field.save(update_fields=["options"])
    form_publish(form=form)
    return form


@pytest.mark.django_db
def test_the_set_up_step_marks_old_complaint_forms(centres):
    with schema_context("huangpu"):
        form = old_complaint_form()
        assert not any((f.options or {}).get("staff_only") for f in complaint_fields())
        own = form_field_add(form=form, name="result_note", field_type="text", label="中心自加字段")
        assert sorted(m.split(".")[1] for m in staff_only_marks_ensure()) == STAFF_ONLY
        marked = sorted(f.name for f in complaint_fields() if (f.options or {}).get("staff_only"))
        assert marked == STAFF_ONLY
        own.refresh_from_db()
        assert not (own.options or {}).get("staff_only")
        assert staff_only_marks_ensure() == []  # repeatable: nothing left to mark


@pytest.mark.django_db
def test_centre_sync_runs_it_and_the_public_page_hides_the_fields(centres):
    with schema_context("putuo"):
        old_complaint_form(public=True)
    centre_setup_sync()
    with schema_context("putuo"):
        assert sorted(f.name for f in complaint_fields() if (f.options or {}).get("staff_only")) == STAFF_ONLY
    body = client_for("putuo").get("/forms/complaint/").content.decode()
    assert 'name="content"' in body
    for name in STAFF_ONLY:
        assert f'name="{name}"' not in body

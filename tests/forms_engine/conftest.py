"""Forms fixtures: a published visit-record form with a condition, a repeat group and a calculation."""

import pytest
from django_tenants.utils import schema_context

from forms_engine.services import form_create, form_field_add, form_publish
from tests.registry.conftest import huangpu_people  # noqa: F401 - the registry's people, shared by the forms tests


def build_visit_form(key: str = "visit"):
    form = form_create(title="走访记录", key=key, purpose="visit")
    form_field_add(
        form=form,
        name="visit_type",
        field_type="choice",
        label="走访类型",
        required=True,
        choices=[{"value": "call", "label": "日常电话"}, {"value": "hospital", "label": "住院探望"}],
    )
    form_field_add(
        form=form,
        name="hospital",
        field_type="text",
        label="医院",
        relevant="${visit_type} = 'hospital'",
        required_if="${visit_type} = 'hospital'",
    )
    form_field_add(form=form, name="minutes", field_type="integer", label="时长（分钟）", min_value=1, max_value=600)
    form_field_add(
        form=form,
        name="needs",
        field_type="multichoice",
        label="需求",
        choices=[{"value": "meal", "label": "助餐"}, {"value": "clean", "label": "保洁"}],
    )
    form_field_add(
        form=form, name="need_count", field_type="calculated", label="需求数", calculation="count-selected(${needs})"
    )
    form_field_add(form=form, name="visitors", field_type="repeat", label="同行人员")
    form_field_add(form=form, name="visitor", field_type="text", label="姓名", group="visitors", required=True)
    form_field_add(form=form, name="health", field_type="rating", label="健康状况")
    form_publish(form=form)
    return form


@pytest.fixture
def visit_form(centres):
    with schema_context("huangpu"):
        return build_visit_form()


@pytest.fixture(autouse=True)
def _no_preloaded_forms(request):
    """Every centre starts with the forms its reminder rules need (visit record, survey…); these tests count and
    name forms from an empty list, so those are removed for the test (rolled back with it)."""
    if request.node.get_closest_marker("django_db") is None and "centres" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")  # inside the test's transaction
    from django.db import connection

    from forms_engine.models import FormDefinition, FormVersion
    from tests.conftest import TEST_CENTRES

    for code in TEST_CENTRES:
        with schema_context(code):
            FormDefinition.objects.update(current_version=None)
            FormVersion.objects.all().delete()
            FormDefinition.objects.all().delete()
    connection.set_schema_to_public()
    yield

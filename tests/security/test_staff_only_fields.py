"""Issue 13, defect 11: fields marked for staff never reach the public form, and are ignored when posted to it."""

import logging

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from forms_engine.library import form_from_template
from forms_engine.models import FormVersion, Submission
from forms_engine.services import form_publish, form_update
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

STAFF_ONLY = ["handler", "result", "feedback_given", "feedback_date", "serious", "escalation_note"]
PUBLIC = ["channel", "received_at", "complainant_name", "contact_phone", "content"]


@pytest.fixture
def complaint(centres):
    cache.clear()  # the rate limits of the public forms
    with schema_context("huangpu"):
        form = form_from_template(template_key="complaint", key="complaint-public")
        form_update(form=form, public=True)
        form_publish(form=form)
        return form


def names_in(html: str, names: list[str]) -> list[str]:
    return [name for name in names if f'name="{name}"' in html]


def test_the_public_complaint_page_has_no_staff_only_inputs(complaint):
    response = client_for("huangpu").get("/forms/complaint-public/")
    assert response.status_code == 200
    html = response.content.decode()
    assert names_in(html, STAFF_ONLY) == []
    assert names_in(html, PUBLIC) == PUBLIC
    for label in ("处理人", "已将处理结果反馈军休干部", "报告主管部门情况"):
        assert label not in html


def test_staff_only_answers_posted_anonymously_are_dropped_and_logged_without_values(complaint, caplog):
    answers = {
        "channel": "internet",
        "received_at": "2026-11-02T10:00",
        "content": "饭菜太咸",
        "handler": "1",
        "result": "已处理完毕-秘密",
        "feedback_given": "true",
        "serious": "true",
        "escalation_note": "不应出现",
    }
    with caplog.at_level(logging.WARNING, logger="forms_engine.services"):
        response = client_for("huangpu").post("/forms/complaint-public/", answers)
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=complaint)
        assert (submission.channel, submission.data["content"]) == ("public", "饭菜太咸")
        assert not set(submission.data) & set(STAFF_ONLY)
    logged = [r.getMessage() for r in caplog.records if "staff-only" in r.getMessage()]
    assert logged == [
        "Public submission to form complaint-public: ignored staff-only fields "
        "escalation_note, feedback_given, handler, result, serious"
    ]
    assert "秘密" not in caplog.text and "不应出现" not in caplog.text


def test_the_admin_still_shows_and_fills_the_staff_only_fields(complaint):
    make_user("huangpu", "forms-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": "forms-admin", "password": PASSWORD}).status_code == 302
    html = client.get(f"/admin/forms-engine/{complaint.pk}/submissions/new/").content.decode()
    assert names_in(html, STAFF_ONLY) == STAFF_ONLY


def test_a_version_published_before_the_mark_is_hidden_by_the_drafts_mark(complaint):
    with schema_context("huangpu"):
        version = complaint.current_version
        schema = version.schema
        for spec in schema["fields"]:
            spec.get("options", {}).pop("staff_only", None)
        FormVersion.objects.filter(pk=version.pk).update(schema=schema)  # as published before this change
    html = client_for("huangpu").get("/forms/complaint-public/").content.decode()
    assert names_in(html, STAFF_ONLY) == []

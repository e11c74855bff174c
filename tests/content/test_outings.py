"""Outings (5.9.4): the same-day return report is recorded in the admin; outings without one are flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from content.models import OutingReturn
from content.selectors import outings_missing_return
from forms_engine.library import form_from_template
from forms_engine.services import form_publish
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user
from tests.content.conftest import at, make_activity

pytestmark = pytest.mark.django_db

URL = "/admin/content/outings/"


def staff(username: str, role: Role):
    make_user("huangpu", username, groups=(role_group_name(role),))
    client = client_for("huangpu")
    client.post("/admin/login/", {"username": username, "password": PASSWORD})
    return client


@pytest.fixture
def outings(centres):
    now = timezone.localtime()
    today_start = now - dt.timedelta(hours=1)
    return {
        "yesterday": make_activity(
            "huangpu", title="参观纪念馆", slug="museum", outing=True, start=at(-1, 8), end=at(-1, 16),
            signup_opens=at(-9), signup_closes=at(-2),
        ),
        "today": make_activity(
            "huangpu", title="公园踏青", slug="park", outing=True, start=today_start,
            end=today_start + dt.timedelta(hours=4), signup_opens=at(-9), signup_closes=at(-2),
        ),
        "indoor": make_activity(
            "huangpu", title="室内讲座", slug="talk", start=at(-1, 9), end=at(-1, 11), signup_opens=at(-9),
            signup_closes=at(-2),
        ),
        "future": make_activity("huangpu", title="下周出游", slug="trip", outing=True),
    }  # fmt: skip


def test_outings_without_a_report_are_listed_and_flagged(outings):
    with schema_context("huangpu"):
        missing = [page.title for page in outings_missing_return()]
    assert missing == ["公园踏青", "参观纪念馆"]
    admin = staff("hp-editor", Role.EDITOR)
    html = admin.get(URL).content.decode()
    assert 'data-missing="2"' in html
    assert f'<tr data-outing="{outings["yesterday"].pk}" class="outing-overdue">' in html
    assert f'<tr data-outing="{outings["today"].pk}" class="outing-missing">' in html
    assert "室内讲座" not in html and "下周出游" not in html


def test_recording_the_return_clears_the_flag_and_checks_the_numbers(outings):
    admin = staff("hp-admin", Role.CENTRE_ADMIN)
    park = outings["today"].pk
    too_many = admin.post(URL, {"activity": park, f"o{park}-participants": 12, f"o{park}-returned": 13})
    assert too_many.status_code == 400
    assert "返回人数不能多于外出人数。" in too_many.content.decode()
    no_note = admin.post(URL, {"activity": park, f"o{park}-participants": 12, f"o{park}-returned": 11})
    assert "请说明哪些人员未返回，以及正在采取的措施。" in no_note.content.decode()
    with schema_context("huangpu"):
        assert OutingReturn.objects.count() == 0
    done = admin.post(URL, {"activity": park, f"o{park}-participants": 12, f"o{park}-returned": 12})
    assert (done.status_code, done["Location"]) == (302, URL)
    with schema_context("huangpu"):
        report = OutingReturn.objects.get()
        assert (report.activity_id, report.participants, report.returned, report.reported_by.username) == (
            park,
            12,
            12,
            "hp-admin",
        )
        assert [page.title for page in outings_missing_return()] == ["参观纪念馆"]


def test_the_full_return_form_is_linked_when_the_centre_has_it(outings):
    admin = staff("hp-admin", Role.CENTRE_ADMIN)
    assert "填写完整的活动返回报告表" not in admin.get(URL).content.decode()
    with schema_context("huangpu"):
        form = form_publish(form=form_from_template(template_key="activity-return")).form
    assert f'href="/admin/forms-engine/{form.pk}/submissions/new/"' in admin.get(URL).content.decode()


def test_only_staff_handling_outings_see_the_screen(outings):
    assert staff("hp-viewer", Role.VIEWER).get(URL).status_code == 404
    assert staff("hp-caseworker", Role.CASEWORKER).get(URL).status_code == 200

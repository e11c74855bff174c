"""Picking a cadre in the admin's fill page through the searchable chooser modal, in Chromium (Wagtail's modal,
searching by pinyin initials among more cadres than a page shows), and the submission storing the chosen ids."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, Submission
from forms_engine.services import form_create, form_field_add, form_publish
from registry.crypto import lookup_hash
from registry.idcard import resident_id_make
from registry.models import AccessLog, Cadre, RestHome
from registry.pinyin import name_search_keys
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user

KEY, HOME, USER = "browser-chooser", "浏览器选择器所", "browser-chooser"
POOL = "王李张刘陈杨黄周吴徐"
TARGET = "欧阳春雪"


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    AccessLog.objects.filter(username=USER).delete()
    LoginLog.objects.filter(username=USER).delete()
    AccessAttempt.objects.filter(username=USER).delete()
    Submission.objects.filter(form__key=KEY).delete()
    FormDefinition.objects.filter(key=KEY).delete()
    Cadre.objects.filter(rest_home__name=HOME).delete()
    RestHome.objects.filter(name=HOME).delete()
    get_user_model().objects.filter(username=USER).delete()


@pytest.fixture
def chooser_data(committed_db, centre_server):
    with schema_context("huangpu"):
        _clean()
        home = RestHome.objects.create(name=HOME)
        rows = []
        for index in range(60):  # three pages of the chooser; the one sought is on the last
            name = TARGET if index == 58 else POOL[index % 10] + "建" + POOL[index // 10]
            pinyin, initials = name_search_keys(name)
            number = resident_id_make("310106", dt.date(1938, 4, 5), 500 + index)
            rows.append(
                Cadre(
                    name=name,
                    name_pinyin=pinyin,
                    name_initials=initials,
                    gender="F",
                    birth_date=dt.date(1938, 4, 5),
                    id_number=number,
                    id_hash=lookup_hash(number),
                    level="division",
                    kind="lixiu",
                    rest_home=home,
                )
            )
        cadres = Cadre.objects.bulk_create(rows)
        form = form_create(title="选择器走访", key=KEY, purpose="visit")
        form_field_add(form=form, name="who", field_type="cadre", label="陪同的军休干部")
        form_field_add(form=form, name="note", field_type="text", label="备注")
        form_publish(form=form)
        make_user("huangpu", USER, groups=(role_group_name(Role.CENTRE_ADMIN),))
    connection.set_schema_to_public()
    yield {"form": form, "target": cadres[58], "other": cadres[0]}
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


def choose(page, field_id: str, query: str, name: str) -> None:
    """Open the field's chooser, search, click the name; the widget then shows it."""
    page.click(f"#{field_id}-chooser .unchosen [data-chooser-action-choose]")
    modal = page.locator(".modal-dialog")
    modal.locator('input[name="q"]').wait_for()
    modal.locator('input[name="q"]').fill(query)
    link = modal.locator("a[data-chooser-modal-choice]", has_text=name)
    link.wait_for()
    assert [text.strip() for text in modal.locator("a[data-chooser-modal-choice]").all_text_contents()] == [name]
    link.click()
    page.locator(f"#{field_id}-chooser .chosen [data-chooser-title]", has_text=name).wait_for()
    modal.wait_for(state="hidden")


def test_a_cadre_is_picked_through_the_chooser_modal_and_stored(browser, centre_server, chooser_data):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 900})
    page.goto(centre_server.url("huangpu", "/admin/login/"))
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))

    form = chooser_data["form"]
    page.goto(centre_server.url("huangpu", f"/admin/forms-engine/{form.pk}/submissions/new/"))
    assert page.locator("#fe-cadre-link-chooser .unchosen button").text_content().strip() == "选择军休干部"
    choose(page, "fe-cadre-link", "oycx", TARGET)
    choose(page, "fe-who", "wangjianz", "王建张")
    page.fill('input[name="note"]', "选择器")
    page.click("button.fe-button")
    page.wait_for_url(re.compile(r"/admin/forms-engine/submissions/\d+/$"))
    with schema_context("huangpu"):
        submission = Submission.objects.get(form__key=KEY)
        wang = Cadre.objects.get(rest_home__name=HOME, name="王建张")
        assert (submission.cadre_id, submission.data) == (chooser_data["target"].pk, {"who": wang.pk, "note": "选择器"})
    connection.set_schema_to_public()
    page.close()

"""The hostile-text corpus shown in Chromium: as text, exactly as stored, with no script run and no element injected.

All strings in one page load each: the admin's submission detail (an answer per string), the admin's cadre list (a
cadre per string short enough for a name) and each such cadre's page (its notes), and the public form (a question
per string, its label and help text) with its receipt page.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, Submission
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.models import AccessLog, Cadre, RestHome
from registry.services import cadre_create
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, make_user
from tests.security.hostile import STORABLE

KEY, PUBLIC_KEY, HOME, USER = "browser-hostile", "browser-hostile-public", "浏览器恶意文本所", "browser-hostile"
NAMES = [(name, text) for name, text in STORABLE if len(text) <= 50]  # what fits a cadre's name
LABELS = [(name, text) for name, text in STORABLE if len(text) <= 300]  # what fits a question's label
# Executable scripts holding the payload, elements given an event handler, javascript: links.
INJECTED = """() => [
    ...[...document.scripts].filter(s => !s.type || /javascript|module/.test(s.type))
        .filter(s => s.textContent.includes('alert(1)')).map(s => 'script: ' + s.textContent.slice(0, 60)),
    ...[...document.querySelectorAll('[onerror],[onload],[onmouseover]')].map(e => 'handler: ' + e.outerHTML),
    ...[...document.querySelectorAll('a[href^="javascript:" i]')].map(e => 'link: ' + e.outerHTML),
    ...[...document.querySelectorAll('img[src="x"]')].map(e => 'element: ' + e.outerHTML),
]"""


@pytest.mark.django_db
def test_the_centre_is_served(centres):
    """Makes pytest-django set up the test database when only this module runs."""
    assert centres["huangpu"].domains.filter(domain="huangpu.localhost").exists()


def _clean() -> None:
    """Remove what the test made, the access-log rows of its views included (the database is shared)."""
    from axes.models import AccessAttempt
    from axes.models import AccessLog as LoginLog

    AccessLog.objects.filter(username=USER).delete()
    LoginLog.objects.filter(username=USER).delete()
    AccessAttempt.objects.filter(username=USER).delete()
    Submission.objects.filter(form__key__in=[KEY, PUBLIC_KEY]).delete()
    FormDefinition.objects.filter(key__in=[KEY, PUBLIC_KEY]).delete()
    Cadre.objects.filter(rest_home__name=HOME).delete()
    RestHome.objects.filter(name=HOME).delete()
    get_user_model().objects.filter(username=USER).delete()


@pytest.fixture
def hostile_data(committed_db, centre_server):
    with schema_context("huangpu"):
        _clean()
        form = form_create(title="恶意文本（浏览器测试）", key=KEY, purpose="complaint")
        for n, _text in enumerate(STORABLE):
            form_field_add(form=form, name=f"f{n}", field_type="textarea", label=f"问题{n}", max_length=20000)
        form_publish(form=form)
        submission = submission_create(form=form, data={f"f{n}": text for n, (_name, text) in enumerate(STORABLE)})
        public = form_create(title="恶意文本（公开）", key=PUBLIC_KEY, purpose="complaint", public=True)
        for n, (_name, text) in enumerate(LABELS):
            form_field_add(form=public, name=f"q{n}", field_type="text", label=text, help_text=text)
        form_publish(form=public)
        home = RestHome.objects.create(name=HOME)
        cadres = [
            cadre_create(
                name=text,
                id_number=resident_id_make("310115", dt.date(1941, 2, 3), 300 + n),
                level="division",
                kind="lixiu",
                rest_home=home,
                notes=text,
            )
            for n, (_name, text) in enumerate(NAMES)
        ]
        make_user("huangpu", USER, groups=(role_group_name(Role.CENTRE_ADMIN),))
    connection.set_schema_to_public()
    yield {"submission": submission, "home": home, "cadres": cadres}
    with schema_context("huangpu"):
        _clean()
    connection.set_schema_to_public()


def in_dom(text: str) -> str:
    """The text as an HTML parser keeps it: CR LF and CR become LF (the HTML standard's newline normalisation)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def watched(browser):
    """A page whose dialogs (alert, confirm, prompt) are recorded and dismissed."""
    page = browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 900})
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return page, dialogs


def assert_nothing_injected(page, where: str) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # an injected onerror/onload handler would have fired by now
    assert page.evaluate(INJECTED) == [], where


def test_the_corpus_is_text_in_the_admin_and_on_the_public_form(browser, centre_server, hostile_data):
    page, dialogs = watched(browser)
    page.goto(centre_server.url("huangpu", "/admin/login/"))
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r"/admin/$"))

    # The submission's page: every answer is the stored text, shown as text.
    page.goto(centre_server.url("huangpu", f"/admin/forms-engine/submissions/{hostile_data['submission'].pk}/"))
    assert_nothing_injected(page, "submission detail")
    for n, (name, text) in enumerate(STORABLE):
        answer = page.locator(f'dd[data-name="f{n}"]')
        assert answer.text_content() == in_dom(text), name
        assert answer.is_visible(), name

    # The cadre list, filtered to these cadres: one row per name, each name as typed.
    page.goto(centre_server.url("huangpu", f"/admin/registry/cadres/?rest_home={hostile_data['home'].pk}"))
    assert_nothing_injected(page, "cadre list")
    for cadre, (name, text) in zip(hostile_data["cadres"], NAMES, strict=True):
        cell = page.locator(f'tr[data-cadre="{cadre.pk}"] td').first
        assert cell.text_content().strip() == in_dom(text), name
        assert cell.is_visible(), name

    # Each cadre's page: the name in the title and the notes as typed.
    for cadre, (name, text) in zip(hostile_data["cadres"], NAMES, strict=True):
        page.goto(centre_server.url("huangpu", f"/admin/registry/cadres/{cadre.pk}/"))
        assert_nothing_injected(page, f"cadre page {name}")
        notes = page.locator('xpath=//dt[normalize-space()="备注"]/following-sibling::dd[1]')
        assert notes.text_content() == in_dom(text), name
    page.close()

    # The public form: questions whose labels and help texts are the corpus, then its receipt.
    public, public_dialogs = watched(browser)
    public.goto(centre_server.url("huangpu", f"/forms/{PUBLIC_KEY}/"))
    assert_nothing_injected(public, "public form")
    for n, (name, text) in enumerate(LABELS):
        field = public.locator(f'[data-name="q{n}"]')
        assert field.locator("label.fe-label").text_content() == in_dom(text), name
        assert field.locator("p.fe-help").text_content() == in_dom(text), name
        assert field.locator("label.fe-label").is_visible(), name
    public.locator('[data-name="q0"] input').fill(STORABLE[0][1])
    public.get_by_role("button", name="提交").click()
    public.wait_for_url(re.compile(r"/done/"))
    assert_nothing_injected(public, "public receipt")
    public.close()

    assert (dialogs, public_dialogs) == ([], [])
    with schema_context("huangpu"):
        assert list(Submission.objects.filter(form__key=PUBLIC_KEY).values_list("data", flat=True)) == [
            {"q0": STORABLE[0][1]}
        ]
    connection.set_schema_to_public()

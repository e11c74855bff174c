"""A public form sent again (its first POST stored, the answer lost with a dying worker) is stored once: the retry
leads to the first receipt. The page's one-time key is bound to the browser, so a key someone else saw stores theirs."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import schema_context

from forms_engine.models import FormDefinition, FormField, FormVersion, Submission, SubmissionChange
from forms_engine.public import SUBMIT_KEY
from tests.conftest import client_for
from tests.forms_engine.test_public import answers, build_complaint_form


@pytest.fixture(autouse=True)
def _fresh_cache(django_db_setup):  # the test database first: a database cache would connect to the other one
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access outside a test transaction (two requests at once see each other's rows): what the test
    writes, it removes itself."""
    with django_db_blocker.unblock():
        yield


def page_key(client, form_key: str = "complaint") -> str:
    """GET the form as a browser does (it gets its CSRF cookie); the one-time key in the page."""
    html = client.get(f"/forms/{form_key}/").content.decode()
    found = re.findall(rf'<input type="hidden" name="{SUBMIT_KEY}" value="([0-9a-f]{{32}})">', html)
    assert len(found) == 1
    assert settings.CSRF_COOKIE_NAME in client.cookies
    return found[0]


def receipts(form_key: str = "complaint") -> list[str]:
    with schema_context("huangpu"):
        return list(Submission.objects.filter(form__key=form_key).order_by("pk").values_list("receipt", flat=True))


@pytest.mark.django_db
def test_a_post_sent_again_is_stored_once_and_leads_to_the_first_receipt(centres):
    with schema_context("huangpu"):
        build_complaint_form()
    client = client_for("huangpu")
    key = page_key(client)
    first = client.post("/forms/complaint/", {**answers(), SUBMIT_KEY: key}, REMOTE_ADDR="10.2.0.1")
    again = client.post("/forms/complaint/", {**answers(), SUBMIT_KEY: key}, REMOTE_ADDR="10.2.0.1")
    [receipt] = receipts()
    assert (first.status_code, first["Location"]) == (302, f"/forms/complaint/done/{receipt}/")
    assert (again.status_code, again["Location"]) == (302, f"/forms/complaint/done/{receipt}/")
    # A new page (a new key) is a new submission.
    other = client.post("/forms/complaint/", {**answers(), SUBMIT_KEY: page_key(client)}, REMOTE_ADDR="10.2.0.1")
    assert len(receipts()) == 2
    assert other["Location"] == f"/forms/complaint/done/{receipts()[1]}/"


@pytest.mark.django_db
def test_a_key_seen_by_another_browser_stores_its_own_submission_and_shows_it_no_other_receipt(centres):
    with schema_context("huangpu"):
        build_complaint_form()
    mine, theirs = client_for("huangpu"), client_for("huangpu")
    key = page_key(mine)
    page_key(theirs)  # their own CSRF cookie; the page they post is the one I got (a cached page, a shared link)
    posted = mine.post("/forms/complaint/", {**answers(), SUBMIT_KEY: key}, REMOTE_ADDR="10.2.0.2")
    other = theirs.post("/forms/complaint/", {**answers(content="另一位"), SUBMIT_KEY: key}, REMOTE_ADDR="10.2.0.3")
    first, second = receipts()
    assert posted["Location"] == f"/forms/complaint/done/{first}/"
    assert other["Location"] == f"/forms/complaint/done/{second}/"
    with schema_context("huangpu"):
        keys = list(Submission.objects.order_by("pk").values_list("client_key", flat=True))
    assert len(set(keys)) == 2
    assert all(len(stored) == 64 and key not in stored for stored in keys)  # the page's key is never stored as is


@pytest.mark.django_db
def test_a_post_without_a_key_or_with_a_malformed_one_is_stored_as_before(centres):
    with schema_context("huangpu"):
        build_complaint_form()
    client = client_for("huangpu")
    page_key(client)
    for sent in ({}, {SUBMIT_KEY: "not-a-key"}, {}):
        assert client.post("/forms/complaint/", {**answers(), **sent}, REMOTE_ADDR="10.2.0.4").status_code == 302
    assert len(receipts()) == 3
    with schema_context("huangpu"):
        assert list(Submission.objects.values_list("client_key", flat=True)) == [None] * 3


def test_the_same_post_twice_at_once_is_stored_once_and_both_lead_to_its_receipt(committed_db):
    with schema_context("huangpu"):
        form = build_complaint_form(key="retried-at-once")
    try:
        client = client_for("huangpu")
        key = page_key(client, "retried-at-once")
        cookie = client.cookies[settings.CSRF_COOKIE_NAME].value
        answered: list[tuple[int, str]] = []

        def post(address: str) -> None:
            browser = client_for("huangpu")
            browser.cookies[settings.CSRF_COOKIE_NAME] = cookie  # the same browser, sending twice
            try:
                response = browser.post("/forms/retried-at-once/", {**answers(), SUBMIT_KEY: key}, REMOTE_ADDR=address)
                answered.append((response.status_code, response["Location"]))
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(f"10.2.1.{n}",)) for n in range(2)]
        # Both find nothing stored under the key, then wait to insert (the table is locked against writes, not
        # reads); once it is free one stores, the other meets the unique key.
        table = Submission._meta.db_table
        with schema_context("huangpu"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")  # noqa: S608
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 20
            waiting = 0
            while waiting < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
                cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [table])
                waiting = cursor.fetchone()[0]
            assert waiting == 2
        for thread in threads:
            thread.join(timeout=30)
        [receipt] = receipts("retried-at-once")
        assert answered == [(302, f"/forms/retried-at-once/done/{receipt}/")] * 2
    finally:
        with schema_context("huangpu"), connection.cursor() as cursor:
            submissions = f"SELECT id FROM {Submission._meta.db_table} WHERE form_id = %s"  # noqa: S608
            for table, where in (
                (SubmissionChange._meta.db_table, f"submission_id IN ({submissions})"),
                (Submission._meta.db_table, "form_id = %s"),
                (FormField._meta.db_table, "form_id = %s"),
            ):
                cursor.execute(f"DELETE FROM {table} WHERE {where}", [form.pk])  # noqa: S608
            table = FormDefinition._meta.db_table
            cursor.execute(f"UPDATE {table} SET current_version_id = NULL WHERE id = %s", [form.pk])  # noqa: S608
            cursor.execute(f"DELETE FROM {FormVersion._meta.db_table} WHERE form_id = %s", [form.pk])  # noqa: S608
            cursor.execute(f"DELETE FROM {FormDefinition._meta.db_table} WHERE id = %s", [form.pk])  # noqa: S608


@pytest.mark.django_db
def test_a_form_page_of_the_site_carries_the_key_and_a_retry_from_it_is_stored_once(centres):
    from content.models import FormPage, HomePage

    with schema_context("huangpu"):
        form = build_complaint_form()
        page = FormPage(title="投诉建议", slug="complaints", form=form)
        HomePage.objects.get().add_child(instance=page)
        page.save_revision().publish()
    client = client_for("huangpu")
    html = client.get("/complaints/").content.decode()
    [key] = re.findall(rf'<input type="hidden" name="{SUBMIT_KEY}" value="([0-9a-f]{{32}})">', html)
    for _ in range(2):
        posted = client.post("/forms/complaint/", {**answers(), SUBMIT_KEY: key}, REMOTE_ADDR="10.2.0.5")
    [receipt] = receipts()
    assert posted["Location"] == f"/forms/complaint/done/{receipt}/"

"""The hostile-text corpus (tests/security/hostile.py) through every text input: public forms, the admin, the API,
searches and imports. Never a 500; NUL and lone surrogates get a 400 in Chinese and nothing is stored; every other
string is stored exactly as given (read back from the database). The exports and the browser have their own modules.

Each request is tallied; the module prints `hostile: N strings x M inputs = K requests, 0 server errors`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django_tenants.utils import schema_context
from openpyxl import Workbook
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from content.models import NoticePage
from forms_engine.models import FormDefinition, FormField, Submission, SubmissionChange
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.models import Cadre
from tenants.roles import Role, role_group_name
from tenants.text import spreadsheet_text
from tests.conftest import client_for, make_user
from tests.content.conftest import section
from tests.registry.conftest import huangpu_people  # noqa: F401
from tests.registry.test_spreadsheets import TEMPLATE_HEADERS
from tests.security.hostile import STORABLE, UNSTORABLE, injected_markup, texts

pytestmark = pytest.mark.django_db

REFUSED = "无法处理"  # part of every refusal of hostile input (junxiu.input_guard)
ALL = STORABLE + UNSTORABLE
FORM = "/admin/forms-engine/"


class Tally:
    """Every request (or import) sent with a corpus string: which string, which input, and the answer's status."""

    sent: list[tuple[str, str, int]] = []

    @classmethod
    def record(cls, where: str, text: str, status: int) -> None:
        cls.sent.append((where, text, status))
        assert status < 500, f"{where}: {status} for {text[:60]!r}"


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    if not Tally.sent:
        return
    strings = {text for _w, text, _s in Tally.sent}
    inputs = {where for where, _t, _s in Tally.sent}
    errors = sum(1 for *_x, status in Tally.sent if status >= 500)
    line = (
        f"hostile: {len(strings)} strings x {len(inputs)} inputs = {len(Tally.sent)} requests, {errors} server errors"
    )
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + line)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the public forms' rate limits
    yield
    cache.clear()


def enc(value: str) -> str:
    """Percent-encoded UTF-8; a lone surrogate is encoded as its three bytes, as a hostile client would send it."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def body(fields: dict) -> str:
    """An application/x-www-form-urlencoded body (the test client's multipart encoder refuses lone surrogates)."""
    pairs = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{enc(name)}={enc(str(item))}")
    return "&".join(pairs)


def post(client, url: str, fields: dict, *, where: str, text: str):
    response = client.post(url, body(fields), content_type="application/x-www-form-urlencoded")
    Tally.record(where, text, response.status_code)
    return response


def get(client, url: str, params: dict, *, where: str, text: str):
    response = client.get(url + "?" + body(params))
    Tally.record(where, text, response.status_code)
    return response


def errors(response) -> list[str]:
    """The form errors a page shows (for a failing assertion's message)."""
    html = response.content.decode()
    return [re.sub(r"\s+", " ", e).strip() for e in re.findall(r'class="error-message">(.*?)</', html, re.S)] + [
        re.sub(r"\s+", " ", e).strip() for e in re.findall(r'class="fe-error">(.*?)</', html, re.S)
    ]


def refused(response, *, json: bool = False) -> None:
    assert response.status_code == 400
    assert REFUSED in (response.json()["detail"] if json else response.content.decode())


def hostile(text: str) -> bool:
    return any(text == bad for _n, bad in UNSTORABLE)


def shown_as_text(html: str, text: str) -> None:
    """What the page says about the text: escaped where it is markup, never as live markup."""
    if injected_markup(text):
        assert text not in html


def staff_client(username: str = "hostile-admin", role: Role = Role.CENTRE_ADMIN):
    user = make_user("huangpu", username, groups=(role_group_name(role),))
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(user)
    return client


def person_id(seq: int) -> str:
    return resident_id_make("310101", dt.date(1940, 5, 1), seq)


def cadre_fields(**fields) -> dict:
    return {
        "name": "王德胜",
        "id_number": person_id(77),
        "level": "division",
        "kind": "lixiu",
        "nursing_fee_status": "none",
        "medical_subsidy_status": "none",
        **fields,
    }


# ---------------------------------------------------------------------------------------------------------------
# Public side (anonymous)


@pytest.fixture
def public_form(centres):
    with schema_context("huangpu"):
        form = form_create(title="意见建议", key="hostile", purpose="complaint", public=True)
        form_field_add(form=form, name="content", field_type="textarea", label="内容", required=True, max_length=20000)
        form_field_add(form=form, name="subject", field_type="text", label="标题")
        form_publish(form=form)
        return form


def answers(key: str = "hostile") -> list:
    with schema_context("huangpu"):
        return list(Submission.objects.filter(form__key=key).values_list("data", flat=True))


@pytest.mark.parametrize("text", texts(STORABLE))
def test_a_public_form_stores_the_text_as_given(public_form, text):
    client = client_for("huangpu")
    response = post(client, "/forms/hostile/", {"content": text}, where="public form", text=text)
    assert response.status_code == 302
    assert answers() == [{"content": text}]
    done = client.get(response["Location"])
    Tally.record("public receipt", text, done.status_code)
    assert done.status_code == 200


@pytest.mark.parametrize("text", texts(STORABLE))
def test_a_short_public_text_field_stores_it_or_says_it_is_too_long(public_form, text):
    response = post(
        client_for("huangpu"), "/forms/hostile/", {"content": "好", "subject": text}, where="public form", text=text
    )
    if len(text) <= 500:
        assert response.status_code == 302
        assert answers() == [{"content": "好", "subject": text}]
    else:
        assert response.status_code == 400
        assert "最多 500 个字" in response.content.decode() or "500" in response.content.decode()
        assert answers() == []


@pytest.mark.parametrize("text", texts(ALL))
def test_the_public_receipt_lookup_answers_without_an_error(public_form, text):
    response = get(client_for("huangpu"), "/forms/status/", {"receipt": text}, where="public receipt lookup", text=text)
    if hostile(text):
        refused(response)
    else:
        assert response.status_code == 404
        shown_as_text(response.content.decode(), text)


@pytest.mark.parametrize("text", texts(STORABLE))
def test_the_public_site_search_shows_the_query_as_text(centres, text):
    response = get(client_for("huangpu"), "/search/", {"q": text}, where="public site search", text=text)
    assert response.status_code == 200
    shown_as_text(response.content.decode(), text)


# ---------------------------------------------------------------------------------------------------------------
# Registry admin


@pytest.mark.parametrize("text", texts(ALL))
def test_the_admin_registers_a_cadre_with_the_text_as_name_and_notes(centres, text):
    admin = staff_client()
    fields = cadre_fields(name=text, notes=text)
    response = post(admin, "/admin/registry/cadres/add/", fields, where="admin cadre add", text=text)
    with schema_context("huangpu"):
        stored = list(Cadre.objects.values_list("name", "notes"))
    if hostile(text):
        refused(response)
        assert stored == []
    elif len(text) <= 50:
        assert response.status_code == 302, errors(response)
        assert stored == [(text, text)]
        detail = admin.get(response["Location"])
        Tally.record("admin cadre detail", text, detail.status_code)
        assert detail.status_code == 200
        shown_as_text(detail.content.decode(), text)
    else:
        assert response.status_code == 200
        assert errors(response) == [f"确保该变量包含不超过 50 字符 (目前字符数 {len(text)})。"]
        assert stored == []


@pytest.mark.parametrize("text", texts(ALL))
def test_the_admin_edits_a_cadres_free_text(centres, text):
    admin = staff_client()
    with schema_context("huangpu"):
        cadre = Cadre.objects.create(
            name="王德胜", id_number=person_id(78), id_hash="x", gender="M", birth_date=dt.date(1940, 5, 1),
            level="division", kind="lixiu",
        )  # fmt: skip
    fields = cadre_fields(id_number=person_id(78), service_needs=text, notes=text)
    response = post(admin, f"/admin/registry/cadres/{cadre.pk}/edit/", fields, where="admin cadre edit", text=text)
    with schema_context("huangpu"):
        stored = list(Cadre.objects.values_list("service_needs", "notes"))
    if hostile(text):
        refused(response)
        assert stored == [("", "")]
    else:
        assert response.status_code == 302, errors(response)
        assert stored == [(text, text)]
        detail = admin.get(f"/admin/registry/cadres/{cadre.pk}/")
        Tally.record("admin cadre detail", text, detail.status_code)
        assert detail.status_code == 200
        shown_as_text(detail.content.decode(), text)


@pytest.mark.parametrize("text", texts(ALL))
def test_the_cadre_list_search_answers(centres, text):
    response = get(staff_client(), "/admin/registry/cadres/", {"q": text}, where="admin cadre search", text=text)
    if hostile(text):
        refused(response)
    else:
        assert response.status_code == 200
        shown_as_text(response.content.decode(), text)


# ---------------------------------------------------------------------------------------------------------------
# Forms engine admin: builder, filling in, workflow, list filter


@pytest.mark.parametrize("text", texts(ALL))
def test_the_form_builder_stores_title_and_description(centres, text):
    admin = staff_client()
    fields = {"title": text, "key": "built", "purpose": "other", "description": text}
    response = post(admin, FORM + "new/", fields, where="form builder: new form", text=text)
    with schema_context("huangpu"):
        stored = list(FormDefinition.objects.filter(key="built").values_list("title", "description"))
    if hostile(text):
        refused(response)
        assert stored == []
    elif len(text) <= 200:
        assert response.status_code == 302
        assert stored == [(text, text)]
        page = admin.get(response["Location"])
        Tally.record("form builder: form page", text, page.status_code)
        assert page.status_code == 200
        shown_as_text(page.content.decode(), text)
    else:
        assert response.status_code == 200
        assert stored == []


@pytest.fixture
def draft(centres):
    with schema_context("huangpu"):
        form = form_create(title="草稿", key="draft")
        form_field_add(form=form, name="age", field_type="integer", label="年龄")
        return form


@pytest.mark.parametrize("text", texts(ALL))
def test_the_form_builder_stores_a_fields_texts(draft, text):
    admin = staff_client()
    fields = {"name": "hostile", "field_type": "text", "label": text, "help_text": text, "constraint_message": text}
    response = post(admin, f"{FORM}{draft.pk}/fields/add/", fields, where="form builder: field texts", text=text)
    with schema_context("huangpu"):
        stored = list(draft.fields.filter(name="hostile").values_list("label", "help_text", "constraint_message"))
    if hostile(text):
        refused(response)
        assert stored == []
    elif len(text) <= 300:
        assert response.status_code == 302
        assert stored == [(text, text, text)]
        with schema_context("huangpu"):
            version = form_publish(form=FormDefinition.objects.get(pk=draft.pk))
        assert [f["label"] for f in version.schema["fields"]] == ["年龄", text]
        page = admin.get(f"{FORM}{draft.pk}/")
        Tally.record("form builder: form page", text, page.status_code)
        assert page.status_code == 200
        shown_as_text(page.content.decode(), text)
    else:
        assert response.status_code == 200
        assert stored == []


EXPRESSIONS = ["relevant", "constraint", "calculation", "pattern", "default", "choices"]


@pytest.mark.parametrize("text", texts(STORABLE))
def test_the_form_builder_answers_expressions_patterns_and_choices(draft, text):
    """Hostile text where an expression, a pattern or a choice list is expected: saved or refused, never a 500."""
    admin = staff_client()
    for attribute in EXPRESSIONS:
        name = f"h_{attribute}"
        # Each setting on a field type it belongs to (the builder ignores the others: a calculation is a calculated
        # field's, a choice list a choice field's).
        field_type = {"choices": "choice", "calculation": "calculated"}.get(attribute, "text")
        fields = {"name": name, "field_type": field_type, "label": "问题", attribute: text}
        where = f"form builder: {attribute}"
        response = post(admin, f"{FORM}{draft.pk}/fields/add/", fields, where=where, text=text)
        with schema_context("huangpu"):
            stored = list(draft.fields.filter(name=name).values_list(attribute, flat=True))
        assert response.status_code in (200, 302), attribute
        if response.status_code == 200:
            assert stored == [], attribute
            assert errors(response), attribute
        elif attribute != "choices":
            assert stored == [text], attribute
    with schema_context("huangpu"):
        try:
            form_publish(form=FormDefinition.objects.get(pk=draft.pk))
        except ValidationError as error:  # what the builder kept may still not publish: said in words
            assert error.messages


@pytest.fixture
def staff_form(centres):
    with schema_context("huangpu"):
        form = form_create(title="工作记录", key="staff-record", purpose="complaint")
        form_field_add(form=form, name="content", field_type="textarea", label="内容", required=True, max_length=20000)
        form_publish(form=form)
        return form


@pytest.mark.parametrize("text", texts(ALL))
def test_staff_fill_in_edit_and_comment_with_the_text(staff_form, text):
    admin = staff_client()
    response = post(admin, f"{FORM}{staff_form.pk}/submissions/new/", {"content": text}, where="admin fill", text=text)
    if hostile(text):
        refused(response)
        assert answers("staff-record") == []
        with schema_context("huangpu"):
            submission = submission_create(form=staff_form, data={"content": "原文"})
        for action, fields in [("edit/", {"content": text}), ("comment/", {"text": text})]:
            url = f"{FORM}submissions/{submission.pk}/{action}"
            refused(post(admin, url, fields, where=f"admin submission {action[:-1]}", text=text))
        assert answers("staff-record") == [{"content": "原文"}]
        with schema_context("huangpu"):
            assert SubmissionChange.objects.filter(kind="comment").count() == 0
        return
    assert response.status_code == 302
    assert answers("staff-record") == [{"content": text}]
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=staff_form)
        submission_update_url = f"{FORM}submissions/{submission.pk}/"
    edited = post(admin, submission_update_url + "edit/", {"content": text + "改"}, where="admin edit", text=text)
    assert edited.status_code == 302
    assert answers("staff-record") == [{"content": text + "改"}]
    comment = post(admin, submission_update_url + "comment/", {"text": text}, where="admin comment", text=text)
    assert comment.status_code == 302
    with schema_context("huangpu"):
        comments = list(SubmissionChange.objects.filter(kind="comment").values_list("text", flat=True))
    if len(text) <= 5000:
        assert comments == [text]
    else:  # refused and said so, never cut
        assert comments == []
        assert "评论最多 5000 个字。" in admin.get(comment["Location"]).content.decode()
    for url in [submission_update_url, f"{FORM}{staff_form.pk}/submissions/"]:
        page = admin.get(url)
        Tally.record("admin submission pages", text, page.status_code)
        assert page.status_code == 200
        shown_as_text(page.content.decode(), text)


@pytest.mark.parametrize("text", texts(ALL))
def test_the_submission_list_filter_answers(staff_form, text):
    url = f"{FORM}{staff_form.pk}/submissions/"
    response = get(staff_client(), url, {"cadre": text}, where="admin submission search", text=text)
    if hostile(text):
        refused(response)
    else:
        assert response.status_code == 200
        shown_as_text(response.content.decode(), text)


# ---------------------------------------------------------------------------------------------------------------
# Notices in Wagtail, shown on the public site


def notice_form(text: str) -> dict:
    return nested_form_data(
        {
            "title": text,
            "slug": "hostile-notice",
            "date": "2026-12-01",
            "category": "notice",
            "summary": text,
            "body": streamfield([("paragraph", rich_text(f"<p>{escape(text)}</p>"))]),
            "action-publish": "action-publish",
        }
    )


@pytest.mark.parametrize("text", texts(ALL))
def test_a_notice_published_in_wagtail_keeps_the_text(centres, text):
    notices = section("huangpu", "notices")
    admin = staff_client()
    url = f"/admin/pages/add/content/noticepage/{notices.pk}/"
    response = post(admin, url, notice_form(text), where="wagtail notice", text=text)
    with schema_context("huangpu"):
        stored = list(NoticePage.objects.filter(slug="hostile-notice").values_list("title", "summary", "live"))
    if hostile(text):
        refused(response)
        assert stored == []
    elif len(text) <= 255:
        assert response.status_code == 302
        assert stored == [(text, text, True)]
        public = client_for("huangpu").get("/notices/hostile-notice/")
        Tally.record("public notice page", text, public.status_code)
        assert public.status_code == 200
        shown_as_text(public.content.decode(), text)
        listing = client_for("huangpu").get("/notices/")
        Tally.record("public notice list", text, listing.status_code)
        assert listing.status_code == 200
    else:
        assert response.status_code == 200
        assert stored == []


# ---------------------------------------------------------------------------------------------------------------
# API


def api_post(client, url: str, payload: dict, *, where: str, text: str, method: str = "post"):
    import json

    raw = json.dumps(payload)  # ensure_ascii: a lone surrogate travels as \\udxxx, as a hostile client sends it
    response = getattr(client, method)(url, raw, content_type="application/json")
    Tally.record(where, text, response.status_code)
    return response


@pytest.mark.parametrize("text", texts(ALL))
def test_the_registry_api_stores_a_cadres_text(centres, text):
    client = staff_client()
    payload = {"name": text, "id_number": person_id(79), "level": "division", "kind": "lixiu", "notes": text}
    response = api_post(client, "/api/registry/cadres/", payload, where="registry API create", text=text)
    with schema_context("huangpu"):
        stored = list(Cadre.objects.values_list("name", "notes"))
    if hostile(text):
        refused(response, json=True)
        assert stored == []
        return
    if len(text) > 50:
        assert response.status_code == 400
        assert list(response.json()) == ["name"]
        assert stored == []
        payload["name"] = "王德胜"
        response = api_post(client, "/api/registry/cadres/", payload, where="registry API create", text=text)
        with schema_context("huangpu"):
            stored = list(Cadre.objects.values_list("name", "notes"))
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["notes"]) == (payload["name"], text)
    assert stored == [(payload["name"], text)]
    pk = response.json()["id"]
    patch = {"service_needs": text, "care_home_name": text[:100]}
    response = api_post(
        client, f"/api/registry/cadres/{pk}/", patch, where="registry API update", text=text, method="patch"
    )
    assert response.status_code == 200
    with schema_context("huangpu"):
        assert list(Cadre.objects.values_list("service_needs", "care_home_name")) == [(text, text[:100])]


@pytest.mark.parametrize("text", texts(ALL))
def test_the_registry_api_search_answers(centres, text):
    response = get(staff_client(), "/api/registry/cadres/", {"q": text}, where="registry API search", text=text)
    if hostile(text):
        refused(response, json=True)
    else:
        assert response.status_code == 200
        assert response.json()["results"] == []


@pytest.mark.parametrize("text", texts(ALL))
def test_the_forms_api_stores_an_answer_as_given(staff_form, text):
    client = staff_client()
    url = "/api/forms/staff-record/submissions/"
    response = api_post(client, url, {"data": {"content": text}}, where="forms API submission", text=text)
    if hostile(text):
        refused(response, json=True)
        assert answers("staff-record") == []
        return
    assert response.status_code == 201
    assert response.json()["data"] == {"content": text}
    assert answers("staff-record") == [{"content": text}]
    listed = get(client, url, {"search": text}, where="forms API list", text=text)
    assert listed.status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Notifications: a due item waived with a reason


@pytest.mark.parametrize("text", texts(ALL))
def test_a_due_item_is_waived_with_the_text_as_reason(huangpu_people, text):  # noqa: F811
    from notifications.models import DueItem
    from notifications.services import due_items_sweep

    with schema_context("huangpu"):
        due_items_sweep()
        item = DueItem.objects.filter(rule__key="daily-call", subject_id=huangpu_people["wang"].pk).get()
        liaison = client_for("huangpu")
        liaison.force_login(huangpu_people["liaison"].user)
    url = f"/admin/reminders/items/{item.pk}/waive/"
    response = post(liaison, url, {"reason": text}, where="reminder waive", text=text)
    with schema_context("huangpu"):
        stored = DueItem.objects.filter(pk=item.pk).values_list("state", "waived_reason").get()
    if hostile(text):
        refused(response)
        assert stored == ("open", "")
    elif len(text) <= 300:
        assert response.status_code == 302
        assert stored == ("waived", text)
    else:  # too long for the reason: said so, nothing cut silently
        assert response.status_code == 302
        assert stored == ("open", "")
        assert "原因最多 300 个字。" in liaison.get(response["Location"]).content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Imports


def as_text(cell, text: str) -> None:
    """Put text into a cell as Excel does: a text cell (never a formula), characters XML cannot hold as _xHHHH_."""
    cell.value = spreadsheet_text(text)
    cell.data_type = "s"


def xlsx(workbook: Workbook, name: str) -> io.BytesIO:
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = name
    return out


@pytest.mark.parametrize("text", texts(STORABLE))
def test_the_cadre_import_keeps_the_text_of_a_cell(centres, text):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "干部名册"
    sheet.append(TEMPLATE_HEADERS)
    row = {h: "" for h in TEMPLATE_HEADERS} | {"姓名": "王德胜", "身份证号": person_id(81), "级别": "师级"}
    row |= {"离退休类别": "离休", "服务需求": "", "备注": ""}
    sheet.append([row[h] for h in TEMPLATE_HEADERS])
    as_text(sheet.cell(2, TEMPLATE_HEADERS.index("备注") + 1), text)
    as_text(sheet.cell(2, TEMPLATE_HEADERS.index("服务需求") + 1), text)
    admin = staff_client()
    upload = xlsx(workbook, "roster.xlsx")
    response = admin.post("/admin/registry/cadres/import/", {"file": upload})
    Tally.record("cadre import", text, response.status_code)
    assert response.status_code == 200, errors(response)
    token = response.context["token"]
    committed = admin.post("/admin/registry/cadres/import/commit/", {"token": token})
    Tally.record("cadre import", text, committed.status_code)
    assert committed.status_code == 302
    with schema_context("huangpu"):
        assert list(Cadre.objects.values_list("name", "service_needs", "notes")) == [("王德胜", text, text)]


@pytest.mark.parametrize("text", texts(STORABLE))
def test_the_xlsform_import_keeps_the_text_of_a_label(centres, text):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label", "hint"])
    sheet.append(["text", "who", "", ""])
    as_text(sheet["C2"], text)
    as_text(sheet["D2"], text)
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["", "imported"])
    as_text(settings["A2"], text)
    response = staff_client().post(f"{FORM}import/", {"file": xlsx(workbook, "form.xlsx"), "key": "imported"})
    Tally.record("XLSForm import", text, response.status_code)
    assert response.status_code in (200, 302)
    with schema_context("huangpu"):
        labels = list(FormField.objects.filter(form__key="imported").values_list("label", "help_text"))
        titles = list(FormDefinition.objects.filter(key="imported").values_list("title", flat=True))
    if len(text) <= 200:
        assert response.status_code == 302, errors(response)
        assert (titles, labels) == ([text], [(text, text)])
    else:  # the title and label columns are limited; the import says so and saves nothing
        assert response.status_code == 200
        assert (titles, labels) == ([], [])

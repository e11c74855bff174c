"""Personal data in form answers (issue 13, defect 3): marked in the builder, sealed at rest, masked by kind in the
admin, exports and API, every unmasked read logged, older versions and other centres included."""

import datetime as dt
import io
import json
import re

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from forms_engine.exports import submissions_export_write
from forms_engine.library import form_from_template, personal_marks_ensure
from forms_engine.models import ExportJob, FormField, Submission, SubmissionChange
from forms_engine.personal import answers_reveal, personal_permission, reveal
from forms_engine.services import (
    form_create,
    form_field_add,
    form_field_update,
    form_publish,
    personal_answers_seal,
    submission_create,
    submission_update,
)
from forms_engine.xlsform import definition_export, definition_import
from registry import crypto
from registry.idcard import resident_id_make
from registry.models import AccessLog
from tenants.roles import Role
from tests.conftest import client_for
from tests.forms_engine.test_admin_ui import BASE, login, page
from tests.forms_engine.test_api import API, api_client, role_user
from tests.forms_engine.test_exports import sheet_rows

pytestmark = pytest.mark.django_db

ID_NUMBER = resident_id_make("310101", dt.date(1946, 5, 7), 33)
PHONE = "13812345678"
ADDRESS = "上海市黄浦区瑞金二路118号"
CONDITION = "高血压，每日服药"
CLEAR = (ID_NUMBER, PHONE, ADDRESS, CONDITION, "diabetes")
# As someone without the kind's permission sees them.
ID_MASKED = "*" * 17 + ID_NUMBER[-1]
PHONE_MASKED = "138****5678"
HIDDEN = "******"
LOG_FIELDS = ("username", "action", "channel", "model", "record_ids", "fields")


def build_health_visit(key: str = "hv", access: dict | None = None):
    form = form_create(title="健康走访", key=key, purpose="visit", access=access)
    form_field_add(form=form, name="visitor", field_type="text", label="走访人", required=True)
    form_field_add(form=form, name="idno", field_type="id_number", label="身份证号")
    form_field_add(form=form, name="phone", field_type="phone", label="联系电话")
    form_field_add(
        form=form,
        name="address",
        field_type="text",
        label="住址",
        options={"personal": "contact"},
        constraint="regex(., '上海市.*')",
        constraint_message="住址须以上海市开头",
    )
    form_field_add(form=form, name="condition", field_type="textarea", label="身体状况", options={"personal": "health"})
    form_field_add(
        form=form,
        name="diseases",
        field_type="multichoice",
        label="慢病",
        choices=[{"value": "diabetes", "label": "糖尿病"}, {"value": "copd", "label": "慢阻肺"}],
        options={"personal": "health"},
    )
    form_publish(form=form)
    return form


def answers(**extra) -> dict:
    return {
        "visitor": "张三",
        "idno": ID_NUMBER,
        "phone": PHONE,
        "address": ADDRESS,
        "condition": CONDITION,
        "diseases": ["diabetes"],
        **extra,
    }


def raw_data(code: str, submission_id: int) -> str:
    """The row as PostgreSQL holds it, read without the ORM."""
    with schema_context(code), connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM forms_engine_submission WHERE id = %s", [submission_id])
        return cursor.fetchone()[0]


def logged(code: str = "huangpu") -> list[tuple]:
    with schema_context(code):
        return list(AccessLog.objects.order_by("pk").values_list(*LOG_FIELDS))


@pytest.fixture
def visit(centres):
    with schema_context("huangpu"):
        form = build_health_visit(access={"fill": [], "view": ["viewer", "health_officer"], "edit": ["viewer"]})
        return form, submission_create(form=form, data=answers())


def test_the_kind_permissions_are_the_registrys_split():
    assert [personal_permission(kind) for kind in ("identity", "contact", "health")] == [
        "registry.view_identity_data",
        "registry.view_contact_data",
        "registry.view_health_data",
    ]


def test_personal_answers_are_stored_sealed_and_their_history_too(visit):
    form, submission = visit
    raw = raw_data("huangpu", submission.pk)
    assert [value for value in CLEAR if value in raw] == []
    stored = json.loads(raw)
    assert stored["visitor"] == "张三"
    assert [stored[name][:5] for name in ("idno", "phone", "address", "condition", "diseases")] == [
        "enc:g",
        "enc:g",
        "enc:g",
        "enc:g",
        "encj:",
    ]
    with schema_context("huangpu"):
        submission_update(submission=submission, data=answers(phone="13900001111", visitor="李四"))
        changes = list(SubmissionChange.objects.filter(submission=submission).values_list("field", "old", "new"))
        assert sorted(field for field, _o, _n in changes) == ["phone", "visitor"]
        assert json.loads(raw_data("huangpu", submission.pk))["idno"] == stored["idno"]  # unchanged: same seal
    history = json.dumps(changes, ensure_ascii=False)
    assert PHONE not in history and "13900001111" not in history and "李四" in history


def test_validation_runs_on_the_clear_answer_before_it_is_sealed(visit):
    form, _submission = visit
    response = api_client("huangpu", role_user("huangpu", "pf-admin", Role.CENTRE_ADMIN)).post(
        f"{API}hv/submissions/",
        {"data": answers(phone="12345", idno=ID_NUMBER[:-1] + "0", address="北京市东城区")},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "data": {
            "phone": ["不是有效的电话号码。"],
            "idno": ["身份证号的校验位不正确，请逐位核对。"],
            "address": ["住址须以上海市开头"],
        }
    }
    with schema_context("huangpu"):
        assert Submission.objects.count() == 1


def test_admin_detail_shows_each_kind_only_to_roles_allowed_and_logs_what_it_unmasked(visit):
    _form, submission = visit
    url = f"{BASE}submissions/{submission.pk}/"

    def shown(client) -> dict[str, str]:
        return dict(re.findall(r'<dd data-name="(\w+)">([^<]*)</dd>', page(client.get(url))))

    viewer = login("huangpu", "pf-viewer", Role.VIEWER)
    assert shown(viewer) == {
        "visitor": "张三",
        "idno": ID_MASKED,
        "phone": PHONE_MASKED,
        "address": HIDDEN,
        "condition": HIDDEN,
        "diseases": HIDDEN,
    }
    assert logged() == []
    health = login("huangpu", "pf-health", Role.HEALTH_OFFICER)
    assert shown(health) == {
        "visitor": "张三",
        "idno": ID_MASKED,
        "phone": PHONE,
        "address": ADDRESS,
        "condition": CONDITION,
        "diseases": "糖尿病",
    }
    admin = login("huangpu", "pf-admin", Role.CENTRE_ADMIN)
    assert shown(admin)["idno"] == ID_NUMBER
    assert logged() == [
        (
            "pf-health",
            "view",
            "admin",
            "Submission",
            [submission.pk],
            ["hv:address", "hv:condition", "hv:diseases", "hv:phone"],
        ),
        (
            "pf-admin",
            "view",
            "admin",
            "Submission",
            [submission.pk],
            ["hv:address", "hv:condition", "hv:diseases", "hv:idno", "hv:phone"],
        ),
    ]


def test_admin_edit_by_a_role_that_sees_masks_keeps_the_stored_answers(visit):
    _form, submission = visit
    with schema_context("huangpu"):
        before = Submission.objects.get(pk=submission.pk).data
    viewer = login("huangpu", "pf-viewer", Role.VIEWER)
    url = f"{BASE}submissions/{submission.pk}/edit/"
    html = page(viewer.get(url))
    assert [value for value in CLEAR[:4] if value in html] == []
    assert 'name="diseases" value="diabetes">' in html and " checked" not in html
    assert f"已存：{PHONE_MASKED}。留空则保持不变。" in html
    assert sorted(re.findall(r'name="(\w+)-keep" value="1"', html)) == [
        "address",
        "condition",
        "diseases",
        "idno",
        "phone",
    ]
    keep = {f"{name}-keep": "1" for name in ("idno", "phone", "address", "condition", "diseases")}
    assert viewer.post(url, {"visitor": "王五", **keep}).status_code == 302
    with schema_context("huangpu"):
        after = Submission.objects.get(pk=submission.pk).data
    assert after == {**before, "visitor": "王五"}
    assert logged() == []


def test_exports_mask_by_the_creators_kinds_and_log_what_they_unmasked(visit):
    form, submission = visit
    with schema_context("huangpu"):
        viewer = role_user("huangpu", "pf-viewer", Role.VIEWER)
        health = role_user("huangpu", "pf-health", Role.HEALTH_OFFICER)
        masked = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=viewer))
        partly = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=health))
        assert (masked.status, partly.status) == ("done", "done")
        assert sheet_rows(masked)[1][4:] == ["张三", ID_MASKED, PHONE_MASKED, HIDDEN, HIDDEN, HIDDEN]
        assert sheet_rows(partly)[1][4:] == ["张三", ID_MASKED, PHONE, ADDRESS, CONDITION, "糖尿病"]
    assert logged() == [
        (
            "pf-health",
            "export",
            "export",
            "Submission",
            [submission.pk],
            ["hv:address", "hv:condition", "hv:diseases", "hv:phone"],
        )
    ]


def test_the_api_masks_by_kind_keeps_masks_sent_back_and_logs_unmasked_reads(visit):
    _form, submission = visit
    url = f"{API}submissions/{submission.pk}/"
    viewer = api_client("huangpu", role_user("huangpu", "pf-viewer", Role.VIEWER))
    assert viewer.get(url).json()["data"] == {
        "visitor": "张三",
        "idno": ID_MASKED,
        "phone": PHONE_MASKED,
        "address": HIDDEN,
        "condition": HIDDEN,
        "diseases": HIDDEN,
    }
    listed = viewer.get(f"{API}hv/submissions/").json()["results"][0]["data"]
    assert (listed["phone"], listed["diseases"]) == (PHONE_MASKED, HIDDEN)
    assert logged() == []
    health = api_client("huangpu", role_user("huangpu", "pf-health", Role.HEALTH_OFFICER))
    assert health.get(url).json()["data"] == {
        "visitor": "张三",
        "idno": ID_MASKED,
        "phone": PHONE,
        "address": ADDRESS,
        "condition": CONDITION,
        "diseases": ["diabetes"],
    }
    assert logged() == [
        (
            "pf-health",
            "view",
            "api",
            "Submission",
            [submission.pk],
            ["hv:address", "hv:condition", "hv:diseases", "hv:phone"],
        )
    ]
    with schema_context("huangpu"):
        before = Submission.objects.get(pk=submission.pk).data
    # A viewer may edit this form: the masks sent back keep the stored answers.
    body = {"data": {**viewer.get(url).json()["data"], "visitor": "王五"}}
    changed = viewer.put(url, body, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["data"]["phone"] == PHONE_MASKED
    with schema_context("huangpu"):
        assert Submission.objects.get(pk=submission.pk).data == {**before, "visitor": "王五"}


def test_the_public_form_takes_personal_answers_and_the_receipt_does_not_echo_them(centres):
    with schema_context("huangpu"):
        form = build_health_visit(key="hv-public")
        form.public = True
        form.save()
    client = client_for("huangpu")
    response = client.post(
        "/forms/hv-public/", {"visitor": "张三", "idno": ID_NUMBER, "phone": "138 1234 5678", "address": ADDRESS}
    )
    assert response.status_code == 302
    with schema_context("huangpu"):
        submission = Submission.objects.get(form__key="hv-public")
    assert [value for value in CLEAR if value in raw_data("huangpu", submission.pk)] == []
    done = client.get(response["Location"]).content.decode()
    assert submission.receipt in done and [value for value in CLEAR if value in done] == []
    # A refused answer comes back as typed, to the person who typed it.
    refused = client.post("/forms/hv-public/", {"visitor": "", "phone": PHONE, "address": ADDRESS})
    assert refused.status_code == 400 and f'value="{PHONE}"' in refused.content.decode()


def test_marking_a_field_on_a_new_version_masks_and_seals_the_older_answers(centres):
    with schema_context("huangpu"):
        form = form_create(title="登记", key="reg", access={"fill": [], "view": ["viewer"], "edit": ["viewer"]})
        form_field_add(form=form, name="visitor", field_type="text", label="走访人")
        form_field_add(form=form, name="address", field_type="text", label="住址")
        form_field_add(form=form, name="mobile", field_type="phone", label="手机", options={"personal": ""})
        form_publish(form=form)
        old = submission_create(form=form, data={"visitor": "张三", "address": ADDRESS, "mobile": PHONE})
        edited = submission_create(form=form, data={"visitor": "王五", "address": ADDRESS, "mobile": PHONE})
        assert ADDRESS in raw_data("huangpu", old.pk) and PHONE in raw_data("huangpu", old.pk)
        form_field_update(field=form.fields.get(name="address"), options={"personal": "contact"})
        form_field_update(field=form.fields.get(name="mobile"), options={})
        form_publish(form=form)
    viewer = login("huangpu", "pf-viewer", Role.VIEWER)
    html = page(viewer.get(f"{BASE}submissions/{old.pk}/"))
    assert f'<dd data-name="address">{HIDDEN}</dd>' in html and f'<dd data-name="mobile">{PHONE_MASKED}</dd>' in html
    # Through the API, the masks of answers still in clear sent back keep them, and the edit seals them.
    viewer_api = api_client("huangpu", role_user("huangpu", "pf-viewer2", Role.VIEWER))
    url = f"{API}submissions/{edited.pk}/"
    sent = {"visitor": "王六", "address": HIDDEN, "mobile": PHONE_MASKED}
    assert viewer_api.get(url).json()["data"] == {**sent, "visitor": "王五"}
    assert viewer_api.put(url, {"data": sent}, content_type="application/json").json()["data"] == sent
    with schema_context("huangpu"):
        assert answers_reveal(Submission.objects.get(pk=edited.pk).data) == {
            "visitor": "王六",
            "address": ADDRESS,
            "mobile": PHONE,
        }
        assert [value for value in (ADDRESS, PHONE) if value in raw_data("huangpu", edited.pk)] == []
        assert list(SubmissionChange.objects.filter(submission=edited).values_list("field", flat=True)) == ["visitor"]
        assert personal_answers_seal() == 1
        assert personal_answers_seal() == 0  # idempotent
    raw = raw_data("huangpu", old.pk)
    assert ADDRESS not in raw and PHONE not in raw and "张三" in raw
    admin = login("huangpu", "pf-admin", Role.CENTRE_ADMIN)
    html = page(admin.get(f"{BASE}submissions/{old.pk}/"))
    assert f'<dd data-name="address">{ADDRESS}</dd>' in html and f'<dd data-name="mobile">{PHONE}</dd>' in html
    assert logged()[-1] == ("pf-admin", "view", "admin", "Submission", [old.pk], ["reg:address", "reg:mobile"])
    patched = api_client("huangpu", role_user("huangpu", "pf-admin2", Role.CENTRE_ADMIN)).patch(
        f"{API}submissions/{old.pk}/", {"data": {"visitor": "李四"}}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert patched.json()["data"] == {"visitor": "李四", "address": ADDRESS, "mobile": PHONE}
    assert json.loads(raw_data("huangpu", old.pk))["address"] == json.loads(raw)["address"]


def test_another_centre_sees_nothing_and_logs_nothing(visit):
    _form, submission = visit
    other = login("putuo", "pf-admin", Role.CENTRE_ADMIN)
    assert other.get(f"{BASE}submissions/{submission.pk}/").status_code == 404
    token_user = api_client("putuo", role_user("putuo", "pf-admin2", Role.CENTRE_ADMIN))
    assert token_user.get(f"{API}submissions/{submission.pk}/").status_code == 404
    assert token_user.get(f"{API}hv/submissions/").status_code == 404
    assert logged("putuo") == [] and logged("huangpu") == []


def test_the_builder_marks_fields_personal_with_phone_and_id_numbers_personal_by_default(centres):
    with schema_context("huangpu"):
        form = form_create(title="登记", key="reg")
    admin = login("huangpu", "pf-admin", Role.CENTRE_ADMIN)
    new_field = f"{BASE}{form.pk}/fields/add/"
    basic = {"label": "字段", "choices": "", "group": ""}
    for name, field_type, personal in (
        ("mobile", "phone", ""),
        ("idno", "id_number", ""),
        ("illness", "textarea", "health"),
        ("hobby", "text", ""),
    ):
        response = admin.post(new_field, {**basic, "name": name, "field_type": field_type, "personal": personal})
        assert response.status_code == 302, errors_of(response)
    with schema_context("huangpu"):
        options = dict(FormField.objects.filter(form=form).values_list("name", "options"))
        assert options == {
            "mobile": {"personal": "contact"},
            "idno": {"personal": "identity"},
            "illness": {"personal": "health"},
            "hobby": {},
        }
        mobile, idno = (form.fields.get(name=name).pk for name in ("mobile", "idno"))
    edit = {**basic, "field_type": "phone", "personal": ""}
    assert admin.post(f"{BASE}{form.pk}/fields/{mobile}/", edit).status_code == 302
    refused = admin.post(f"{BASE}{form.pk}/fields/{idno}/", {**basic, "field_type": "id_number", "personal": ""})
    assert errors_of(refused) == ["居民身份证号始终属于个人信息（身份）。"]
    with schema_context("huangpu"):
        options = dict(FormField.objects.filter(form=form).values_list("name", "options"))
        assert (options["mobile"], options["idno"]) == ({"personal": ""}, {"personal": "identity"})


def errors_of(response) -> list[str]:
    html = response.content.decode()
    return [re.sub(r"\s+", " ", e).strip() for e in re.findall(r'class="error-message">(.*?)</p>', html, re.S)]


def test_xlsform_reads_and_writes_the_personal_column(centres):
    workbook = Workbook()
    workbook.active.title = "survey"
    for row in (
        ["type", "name", "label", "个人信息"],
        ["text", "illness", "病情", "健康"],
        ["text", "mobile", "手机", "no"],
        ["text", "idno", "身份证", ""],
        ["text", "hobby", "爱好", ""],
    ):
        workbook.active.append(row)
    workbook.active["E1"] = "appearance"
    workbook.active["E3"], workbook.active["E4"] = "phone", "id_number"
    source = io.BytesIO()
    workbook.save(source)
    source.seek(0)
    with schema_context("huangpu"):
        form = definition_import(source=source, key="imported", title="导入")
        options = {f.name: (f.field_type, f.options) for f in form.fields.order_by("sort_order")}
        assert options == {
            "illness": ("text", {"personal": "health"}),
            "mobile": ("phone", {"personal": ""}),
            "idno": ("id_number", {}),
            "hobby": ("text", {}),
        }
        exported = definition_export(form=form)
    survey = load_workbook(io.BytesIO(exported))["survey"]
    header = [cell.value for cell in survey[1]]
    column = header.index("personal")
    assert [row[column] for row in survey.iter_rows(min_row=2, values_only=True)] == ["health", "no", None, None]


def test_library_templates_mark_personal_fields_and_the_setup_step_seals_earlier_answers(centres):
    with schema_context("huangpu"):
        form = form_from_template(template_key="visit-record", key="visit-old")
        marks = dict(form.fields.filter(name__in=["health", "medical_care"]).values_list("name", "options"))
        assert marks == {"health": {"personal": "health"}, "medical_care": {"personal": "health"}}
        complaint = form_from_template(template_key="complaint", key="complaint")
        # A form made before the marks: take them off, answer it in clear, then run the step.
        FormField.objects.filter(form=complaint, name="contact_phone").update(options={"personal": ""})
        form_publish(form=complaint)
        channel = complaint.fields.get(name="channel").choices[0]["value"]
        earlier = submission_create(
            form=complaint,
            data={"channel": channel, "received_at": "2026-12-01 09:30", "content": "饭菜偏咸", "contact_phone": PHONE},
        )
        assert PHONE in raw_data("huangpu", earlier.pk)
        FormField.objects.filter(form=complaint, name="contact_phone").update(options={})
        assert personal_marks_ensure() == ["complaint.contact_phone"]
        assert PHONE not in raw_data("huangpu", earlier.pk)
        assert form.fields.get(name="hobbies").options == {}


def test_the_seal_command_seals_answers_in_clear_in_the_centres_named(centres):
    with schema_context("huangpu"):
        form = form_create(title="登记", key="reg")
        form_field_add(form=form, name="mobile", field_type="phone", label="手机", options={"personal": ""})
        form_publish(form=form)
        submission = submission_create(form=form, data={"mobile": PHONE})
        form_field_update(field=form.fields.get(name="mobile"), options={"personal": "contact"})
    out = io.StringIO()
    call_command("form_personal_seal", "--centre", "huangpu", stdout=out)
    assert out.getvalue() == "huangpu：已加密 1 条提交记录。\n"
    assert PHONE not in raw_data("huangpu", submission.pk)


def test_rotation_seals_the_answers_and_their_history_again_under_the_newest_key(visit, settings):
    form, submission = visit
    with schema_context("huangpu"):
        submission_update(submission=submission, data=answers(phone="13900001111"))
    old_keys = list(settings.JUNXIU_FIELD_KEYS)
    new_key = Fernet.generate_key().decode()
    try:
        with override_settings(JUNXIU_FIELD_KEYS=[new_key, *old_keys]):
            crypto.keys_reset()
            out = io.StringIO()
            call_command("form_personal_seal", "--rotate", "--centre", "huangpu", stdout=out)
            assert out.getvalue() == "huangpu：已重新加密 1 条提交记录。\n"
        with override_settings(JUNXIU_FIELD_KEYS=[new_key]):  # the old key can now be dropped
            crypto.keys_reset()
            with schema_context("huangpu"):
                stored = Submission.objects.get(pk=submission.pk).data
                assert answers_reveal(stored) == answers(phone="13900001111")
                assert Fernet(new_key.encode()).decrypt(stored["phone"][len("enc:") :].encode()) == b"13900001111"
                change = SubmissionChange.objects.get(submission=submission, field="phone")
                assert (reveal(change.old), reveal(change.new)) == (PHONE, "13900001111")
    finally:
        crypto.keys_reset()

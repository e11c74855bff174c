"""Templates of the standard copied into a centre, and bureau templates pushed to every centre."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from forms_engine.bureau.models import BureauFormTemplate
from forms_engine.library import bureau_template_push, bureau_template_save, form_from_template, form_template_list
from forms_engine.models import FormDefinition, FormField
from forms_engine.personal import answers_reveal
from forms_engine.services import (
    form_field_add,
    form_field_remove,
    form_field_update,
    form_publish,
    submission_create,
    submission_move,
)

pytestmark = pytest.mark.django_db

ATTACHMENTS = ("pledge", "invitation_letter", "filing_form", "resignation_proof", "check_form", "approval_form")
ATTACHMENT = {"name": "承诺书.pdf", "path": "forms/pledge.pdf", "size": 2048, "content_type": "application/pdf"}


def samples(cadre: int, staff: int) -> dict[str, dict]:
    """One valid submission per template."""
    return {
        "visit-record": {
            "cadre": cadre,
            "visit_type": "hospital",
            "visit_date": "2026-10-18",
            "visitor": staff,
            "hospital_name": "瑞金医院",
            "thought": "思想稳定",
            "health": "术后恢复良好",
            "suggestions": "<script>alert(1)</script>",
            "follow_up": True,
            "follow_up_note": "一周后电话回访",
        },
        "complaint": {
            "channel": "phone",
            "received_at": "2026-10-18T09:30",
            "cadre": cadre,
            "contact_phone": "13812345678",
            "content": "助餐点饭菜偏咸",
            "handler": staff,
            "feedback_given": True,
            "feedback_date": "2026-10-20",
            "serious": False,
        },
        "satisfaction-survey": {
            "year": 2026,
            "method": "online",
            "overall": 5,
            "q_attitude": "5",
            "q_response": "4",
            "q_visits": "4",
            "q_health": "3",
            "q_activities": "5",
            "q_information": "4",
        },
        "consultation": {
            "asked_at": "2026-10-18T10:00",
            "channel": "on_site",
            "topic": "policy",
            "referred": True,
            "question": "护理费如何申请？",
            "answer": "携带评估报告到中心办理",
            "answered_on": "2026-10-19",
        },
        "going-abroad": {
            "cadre": cadre,
            "level": "division",
            "destination": "新加坡",
            "trip_purpose": "family",
            "departs_on": "2026-11-01",
            "returns_on": "2026-11-20",
            "passport_kind": "passport",
            "passport_number": "E12345678",
        },
        "social-post": {
            "cadre": cadre,
            "level": "regiment",
            "organisation": "上海市老年书画研究会",
            "post": "理事",
            "term_from": "2027-01-01",
            "term_to": "2029-12-31",
            "paid": False,
            **{
                name: {**ATTACHMENT, "name": f"{name}.pdf"}
                for name in (
                    "pledge",
                    "invitation_letter",
                    "filing_form",
                    "resignation_proof",
                    "check_form",
                    "approval_form",
                )
            },
        },
        "activity-return": {
            "activity_name": "敬老节联欢会",
            "activity_date": "2026-10-18",
            "organiser": "区退役军人事务局",
            "participants": 30,
            "returned": 30,
            "reported_at": "2026-10-18T18:30",
            "reported_to": "区退役军人事务局",
        },
    }


def test_template_list_names_the_seven_templates_of_the_standard():
    listed = {t["key"]: (t["purpose"], t["clause"]) for t in form_template_list()}
    assert listed == {
        "activity-return": ("other", "DB31/T 1044 5.9.4"),
        "complaint": ("complaint", "DB31/T 1044 7.2"),
        "consultation": ("consultation", "DB31/T 1044 5.11"),
        "going-abroad": ("application", "DB31/T 1044 6.4.2"),
        "satisfaction-survey": ("survey", "DB31/T 1044 7.1.2"),
        "social-post": ("application", "DB31/T 1044 6.5"),
        "visit-record": ("visit", "DB31/T 1044 5.8.4"),
    }


def test_every_template_copies_publishes_and_takes_a_valid_submission(huangpu_people):
    cadre, staff = huangpu_people["wang"].pk, huangpu_people["liaison"].pk
    with schema_context("huangpu"):
        for key, data in samples(cadre, staff).items():
            form = form_from_template(template_key=key)
            assert form.key == key
            assert form.current_version is None  # an editable draft until the centre publishes it
            version = form_publish(form=form)
            submission = submission_create(form=form, data=data)
            assert submission.version == version
            stored = answers_reveal(submission.data)  # personal answers (phone, health…) are stored sealed
            assert {k: stored.get(k) for k in data} == data, key
        assert FormDefinition.objects.filter(key__in=list(samples(0, 0))).count() == 7


def test_visit_record_has_the_visit_types_and_topics_of_5_8_4(centres):
    with schema_context("huangpu"):
        form = form_from_template(template_key="visit-record", key="visits-2027", title="2027年走访记录")
        assert (form.key, form.title, form.purpose) == ("visits-2027", "2027年走访记录", "visit")
        fields = {f.name: f for f in form.fields.all()}
        assert [c["value"] for c in fields["visit_type"].choices] == [
            "daily_call",
            "weekly_greeting",
            "quarterly_visit",
            "yearly_leader_visit",
            "hospital",
            "heat_wave",
            "festival",
        ]
        for topic in ("thought", "health", "medical_care", "hobbies", "social_activity", "family", "living_conditions"):
            assert fields[topic].field_type == "textarea"
        assert fields["suggestions"].label == "对服务管理的建议和意见"


def test_complaint_template_uses_the_complaint_workflow(huangpu_people):
    with schema_context("huangpu"):
        form = form_from_template(template_key="complaint")
        form_publish(form=form)
        data = samples(huangpu_people["wang"].pk, huangpu_people["liaison"].pk)["complaint"]
        submission = submission_create(form=form, data=data)
        assert submission.state == "received"
        assert submission_move(submission=submission, to="escalated").state == "escalated"
        assert [c["value"] for c in form.fields.get(name="channel").choices] == [
            "on_site",
            "phone",
            "letter",
            "internet",
        ]


def test_social_post_requires_the_five_attachments_and_the_approval_form(huangpu_people):
    with schema_context("huangpu"):
        form = form_from_template(template_key="social-post")
        form_publish(form=form)
        data = samples(huangpu_people["wang"].pk, 1)["social-post"]
        for name in ATTACHMENTS:
            del data[name]
        with pytest.raises(ValidationError) as excinfo:
            submission_create(form=form, data=data)
        assert excinfo.value.message_dict == {
            name: ["此问题必须回答。"]
            for name in (
                "pledge",
                "invitation_letter",
                "filing_form",
                "resignation_proof",
                "check_form",
                "approval_form",
            )
        }
        assert form.submissions.count() == 0
        states = [s["key"] for s in form.workflow["states"]]
        assert states == ["submitted", "checked", "district_review", "city_review", "approved", "rejected"]
        routes = {(t["from"], t["to"]): t.get("when") for t in form.workflow["transitions"]}
        assert routes[("district_review", "city_review")] == "${level} = 'division'"
        assert routes[("district_review", "approved")] == "${level} = 'regiment'"


def test_activity_return_must_be_reported_the_same_day(centres):
    with schema_context("huangpu"):
        form = form_from_template(template_key="activity-return")
        form_publish(form=form)
        data = {**samples(1, 1)["activity-return"], "reported_at": "2026-10-19T08:00", "returned": 28}
        with pytest.raises(ValidationError) as excinfo:
            submission_create(form=form, data=data)
        assert excinfo.value.message_dict == {
            "not_returned_note": ["此问题必须回答。"],
            "reported_at": ["须于活动当日向组织方报告"],
        }
        ok = submission_create(form=form, data={**samples(1, 1)["activity-return"]})
        assert ok.data["all_returned"] == "是"


def test_unknown_template_and_taken_key_are_refused(centres):
    with schema_context("huangpu"):
        with pytest.raises(ValidationError) as excinfo:
            form_from_template(template_key="nothing")
        assert excinfo.value.message_dict == {"template_key": ["没有表单模板“nothing”。"]}
        form_from_template(template_key="consultation")
        with pytest.raises(ValidationError):
            form_from_template(template_key="consultation")
        assert FormDefinition.objects.filter(key="consultation").count() == 1
        assert FormField.objects.filter(form__key="consultation").count() == 9


# ---------------------------------------------------------------- bureau templates

BUREAU_FIELDS = [
    {"name": "cadre", "type": "cadre", "label": "军休干部", "required": True},
    {"name": "satisfied", "type": "rating", "label": "满意度", "required": True},
    {
        "name": "service",
        "type": "choice",
        "label": "服务项目",
        "choices": [{"value": "meal", "label": "助餐"}, {"value": "clean", "label": "保洁"}],
    },
]
CODES = ["changning", "huangpu", "putuo"]


def centre_fields(code: str, key: str = "bureau-quarterly") -> list[tuple]:
    with schema_context(code):
        return list(
            FormField.objects.filter(form__key=key)
            .order_by("sort_order")
            .values_list("name", "field_type", "label", "bureau_locked")
        )


def centre_versions(code: str, key: str = "bureau-quarterly") -> list[int]:
    with schema_context(code):
        return list(FormDefinition.objects.get(key=key).versions.order_by("number").values_list("number", flat=True))


def test_a_bureau_template_reaches_every_centre_with_the_same_machine_names(centres):
    template = bureau_template_save(key="quarterly", title="季度满意度回访", purpose="survey", fields=BUREAU_FIELDS)
    assert bureau_template_push(template=template) == {code: "已创建，版本 1" for code in CODES}
    expected = [
        ("cadre", "cadre", "军休干部", True),
        ("satisfied", "rating", "满意度", True),
        ("service", "choice", "服务项目", True),
    ]
    for code in CODES:
        assert centre_fields(code) == expected
        with schema_context(code):
            form = FormDefinition.objects.get(key="bureau-quarterly")
            assert (form.bureau_template, form.purpose) == ("quarterly", "survey")
            assert [f["name"] for f in form.current_version.schema["fields"]] == ["cadre", "satisfied", "service"]
    # Pushed twice: nothing changes, no new version.
    assert bureau_template_push(template=template) == {code: "未变，版本 1" for code in CODES}
    assert [centre_versions(code) for code in CODES] == [[1], [1], [1]]


def test_a_centres_own_field_survives_a_re_push_and_bureau_fields_stay(centres):
    template = bureau_template_save(key="quarterly", title="季度满意度回访", fields=BUREAU_FIELDS)
    bureau_template_push(template=template)
    with schema_context("putuo"):
        form = FormDefinition.objects.get(key="bureau-quarterly")
        form_field_add(form=form, name="putuo_extra", field_type="text", label="普陀补充问题")
        locked = form.fields.get(name="satisfied")
        with pytest.raises(ValidationError):
            form_field_remove(field=locked)
        with pytest.raises(ValidationError):
            form_field_update(field=locked, field_type="text")
        form_publish(form=form)
    changed = [
        {**BUREAU_FIELDS[0]},
        {**BUREAU_FIELDS[1], "label": "总体满意度", "help_text": "1分最低，5分最高"},
        {"name": "remark", "type": "textarea", "label": "备注"},
    ]
    template = bureau_template_save(key="quarterly", title="季度满意度回访", fields=changed)
    assert template.version == 2
    results = bureau_template_push(template=template, centres=["putuo", "huangpu"])
    kept = "；保留了模板中已删除的字段：service"
    assert results == {"huangpu": "已更新，版本 2" + kept, "putuo": "已更新，版本 3" + kept}
    assert centre_fields("putuo") == [
        ("cadre", "cadre", "军休干部", True),
        ("satisfied", "rating", "总体满意度", True),
        ("service", "choice", "服务项目", True),
        ("putuo_extra", "text", "普陀补充问题", False),
        ("remark", "textarea", "备注", True),
    ]
    with schema_context("putuo"):
        assert FormField.objects.get(form__key="bureau-quarterly", name="satisfied").help_text == "1分最低，5分最高"
    assert centre_versions("changning") == [1]  # not chosen this time
    assert bureau_template_push(template=template, centres=["putuo"]) == {"putuo": "未变，版本 3" + kept}


def test_the_public_schema_holds_bureau_templates_and_centres_do_not(centres):
    bureau_template_save(key="quarterly", title="季度满意度回访", fields=BUREAU_FIELDS)
    assert BureauFormTemplate.objects.filter(key="quarterly").count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'forms_bureau_bureauformtemplate'"
        )
        assert [row[0] for row in cursor.fetchall()] == ["public"]


def test_a_malformed_bureau_template_is_refused_and_nothing_is_saved(centres):
    bad = [*BUREAU_FIELDS, {"name": "when", "type": "text", "label": "时间", "relevant": "${later} = 1"}]
    with pytest.raises(ValidationError):
        bureau_template_save(key="quarterly", title="季度满意度回访", fields=bad)
    assert BureauFormTemplate.objects.count() == 0


def test_the_push_command_reports_each_centre(centres, capsys):
    bureau_template_save(key="quarterly", title="季度满意度回访", fields=BUREAU_FIELDS)
    call_command("bureau_form_push", "quarterly", "--centre", "huangpu")
    assert capsys.readouterr().out == "huangpu: 已创建，版本 1\n"
    with pytest.raises(Exception, match="没有局级表单模板“none”。"):
        call_command("bureau_form_push", "none")


def test_the_bureau_defines_a_template_from_a_standard_one_and_pushes_it(centres):
    call_command("bureau_form_push", "satisfaction", "--from-standard", "satisfaction-survey", "--centre", "putuo")
    with schema_context("putuo"):
        form = FormDefinition.objects.get(key="bureau-satisfaction")
        assert form.current_version is not None
        assert all(field.bureau_locked for field in form.fields.all())
    with schema_context("huangpu"):
        assert not FormDefinition.objects.filter(key="bureau-satisfaction").exists()

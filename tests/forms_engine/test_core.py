"""Definitions, publishing, validation with conditions, version pinning and the workflow."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from forms_engine.expressions import ExpressionError, evaluate, parse
from forms_engine.models import FormDefinition, FormVersion, Submission, SubmissionChange
from forms_engine.services import (
    form_create,
    form_field_add,
    form_field_update,
    form_publish,
    submission_bulk_create,
    submission_create,
    submission_move,
    submission_update,
)
from tenants.roles import Role, role_group_name
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_expressions_evaluate_like_xlsform():
    answers = {"a": "x", "b": ["m", "n"], "age": 85, "empty": None}
    assert evaluate(parse("${a} = 'x' and selected(${b}, 'n')"), answers) is True
    assert evaluate(parse("if(${age} >= 80, 'high', 'normal')"), answers) == "high"
    assert evaluate(parse("count-selected(${b}) + 1"), answers) == 3.0
    assert evaluate(parse(". > 0 and . <= 120"), answers, current=121) is False
    assert evaluate(parse("${empty} = ''"), answers) is True
    assert evaluate(parse("10 div 0"), answers) is None
    for bad in ["${a} = ", "__import__('os')", "(1", "selected(1)", "${a}.__class__"]:
        with pytest.raises(ExpressionError):
            parse(bad)


def test_valid_answers_are_cleaned_and_calculated(visit_form):
    with schema_context("huangpu"):
        submission = submission_create(
            form=visit_form,
            data={
                "visit_type": "hospital",
                "hospital": "瑞金医院",
                "minutes": "30",
                "needs": ["clean", "meal"],
                "visitors": [{"visitor": "李联络"}],
                "health": 4,
            },
        )
        assert submission.data == {
            "visit_type": "hospital",
            "hospital": "瑞金医院",
            "minutes": 30,
            "needs": ["meal", "clean"],
            "need_count": 2,
            "visitors": [{"visitor": "李联络"}],
            "health": 4,
        }
        assert submission.state == "submitted"
        assert submission.version.number == 1


def test_answers_are_refused_field_by_field_in_chinese(visit_form):
    with schema_context("huangpu"):
        with pytest.raises(ValidationError) as excinfo:
            submission_create(
                form=visit_form,
                data={
                    "visit_type": "call",
                    "hospital": "瑞金医院",
                    "minutes": 0,
                    "needs": ["fly"],
                    "need_count": 5,
                    "visitors": [{}],
                    "health": 6,
                    "extra": "x",
                },
            )
        assert errors_of(excinfo) == {
            "extra": ["此表单没有这个字段。"],
            "hospital": ["该问题因条件而隐藏，必须留空。"],
            "minutes": ["不能小于 1。"],
            "needs": ["不是可选项之一。"],
            "need_count": ["此字段无需填写：仅用于显示或自动计算。"],
            "visitors[0].visitor": ["此问题必须回答。"],
            "health": ["不能大于 5。"],
        }
        with pytest.raises(ValidationError) as excinfo:
            submission_create(form=visit_form, data={"visit_type": "hospital"})
        assert errors_of(excinfo) == {"hospital": ["此问题必须回答。"]}
        assert Submission.objects.count() == 0


def test_markup_in_answers_is_kept_as_text(visit_form):
    with schema_context("huangpu"):
        submission = submission_create(
            form=visit_form, data={"visit_type": "hospital", "hospital": "<script>alert(1)</script>"}
        )
        assert submission.data["hospital"] == "<script>alert(1)</script>"


def test_malformed_definitions_are_refused_naming_the_field(centres):
    with schema_context("huangpu"):
        form = form_create(title="坏表单", key="bad")
        form_field_add(form=form, name="a", field_type="text", label="甲", relevant="${b} = 1")
        form_field_add(form=form, name="b", field_type="integer", label="乙", calculation="${b} +")
        form_field_add(form=form, name="c", field_type="choice", label="丙")
        with pytest.raises(ValidationError) as excinfo:
            form_publish(form=form)
        assert excinfo.value.messages == [
            "字段“甲”（a）：表达式引用了后面或不存在的字段：b",
            "字段“乙”（b）：表达式“${b} +”无法解析：表达式不完整",
            "字段“丙”（c）：选择题需要选项。",
        ]
        with pytest.raises(ValidationError):
            form_field_add(form=form, name="a", field_type="text", label="重复")
        with pytest.raises(ValidationError):
            form_field_add(form=form, name="d", field_type="telepathy", label="未知")
        assert FormVersion.objects.filter(form=form).count() == 0


def test_a_submission_stays_pinned_to_its_version(visit_form):
    with schema_context("huangpu"):
        first = submission_create(form=visit_form, data={"visit_type": "call", "minutes": 10})
        minutes = visit_form.fields.get(name="minutes")
        form_field_update(field=minutes, label="通话时长", max_value=60)
        with pytest.raises(ValidationError):
            form_field_update(field=minutes, name="duration")
        visit_form.fields.get(name="health").delete()
        form_publish(form=visit_form)
        assert [f["name"] for f in first.version.schema["fields"]][-1] == "health"
        second = submission_create(form=visit_form, data={"visit_type": "call", "minutes": 10})
        assert (first.version.number, second.version.number) == (1, 2)
        with pytest.raises(ValidationError) as excinfo:
            submission_create(form=visit_form, data={"visit_type": "call", "health": 3})
        assert errors_of(excinfo) == {"health": ["此表单没有这个字段。"]}
        submission_update(submission=first, data={"visit_type": "call", "minutes": 90, "health": 5})
        first.refresh_from_db()
        assert first.data["minutes"] == 90  # its own version still allows 600
        assert list(first.changes.values_list("field", "old", "new")) == [("health", None, 5), ("minutes", 10, 90)]


def test_the_complaint_workflow_and_who_may_move_it(centres):
    with schema_context("huangpu"):
        form = form_create(title="投诉", key="complaint", purpose="complaint")
        form_field_add(form=form, name="content", field_type="textarea", label="内容", required=True)
        form_publish(form=form)
        caseworker = make_user("huangpu", "cw", groups=(role_group_name(Role.CASEWORKER),))
        admin = make_user("huangpu", "ca", groups=(role_group_name(Role.CENTRE_ADMIN),))
        complaint = submission_create(form=form, data={"content": "饭菜太咸"}, user=caseworker)
        assert complaint.state == "received"
        with pytest.raises(PermissionDenied):
            submission_move(submission=complaint, to="assigned", user=caseworker)
        with pytest.raises(ValidationError):
            submission_move(submission=complaint, to="closed", user=admin)
        for state in ("assigned", "handling", "answered", "closed"):
            complaint = submission_move(submission=complaint, to=state, user=admin)
        assert complaint.state == "closed"
        assert list(SubmissionChange.objects.filter(submission=complaint).values_list("old", "new")) == [
            ("received", "assigned"),
            ("assigned", "handling"),
            ("handling", "answered"),
            ("answered", "closed"),
        ]


def test_forms_of_huangpu_are_invisible_in_putuo(visit_form):
    with schema_context("huangpu"):
        submission_create(form=visit_form, data={"visit_type": "call"})
    with schema_context("putuo"):
        assert FormDefinition.objects.count() == 0
        assert Submission.objects.count() == 0


def test_cadre_answers_must_name_a_cadre_the_user_may_see(huangpu_people):
    with schema_context("huangpu"):
        form = form_create(title="探访", key="cadre-visit")
        form_field_add(form=form, name="who", field_type="cadre", label="军休干部", required=True)
        form_field_add(form=form, name="by", field_type="staff", label="联络员")
        form_publish(form=form)
        liaison = huangpu_people["liaison"]
        mine, theirs = huangpu_people["wang"], huangpu_people["zhao"]  # zhao lives in the other rest home
        made = submission_create(form=form, data={"who": mine.pk, "by": liaison.pk}, user=liaison.user)
        assert made.data == {"who": mine.pk, "by": liaison.pk}
        for data in ({"who": theirs.pk}, {"who": 999999}, {"who": mine.pk, "by": 999999}):
            with pytest.raises(ValidationError) as excinfo:
                submission_create(form=form, data=data, user=liaison.user)
            assert list(errors_of(excinfo).values()) == [["请从列表中选择。"]]
        assert Submission.objects.filter(form=form).count() == 1


def test_many_answers_are_stored_together_or_not_at_all(huangpu_people):
    with schema_context("huangpu"):
        form = form_create(title="探访", key="cadre-visit")
        form_field_add(form=form, name="who", field_type="cadre", label="军休干部", required=True)
        form_field_add(form=form, name="minutes", field_type="integer", label="时长（分钟）", min_value=1)
        form_publish(form=form)
        wang, zhao = huangpu_people["wang"], huangpu_people["zhao"]
        made = submission_bulk_create(
            form=form,
            rows=[{"data": {"who": wang.pk, "minutes": "20"}, "cadre": wang.pk}, {"data": {"who": zhao.pk}}],
        )
        stored = list(
            Submission.objects.filter(form=form).order_by("pk").values_list("data", "cadre", "state", "channel")
        )
        assert stored == [
            ({"who": wang.pk, "minutes": 20}, wang.pk, "submitted", "import"),
            ({"who": zhao.pk}, None, "submitted", "import"),
        ]
        assert [submission.pk for submission in made] == list(
            Submission.objects.filter(form=form).order_by("pk").values_list("pk", flat=True)
        )
        with pytest.raises(ValidationError) as excinfo:
            submission_bulk_create(
                form=form,
                rows=[{"data": {"who": wang.pk}}, {"data": {"who": wang.pk, "minutes": 0}}, {"data": {"who": 999999}}],
            )
        assert errors_of(excinfo) == {"2.minutes": ["不能小于 1。"]}
        with pytest.raises(ValidationError) as excinfo:
            submission_bulk_create(form=form, rows=[{"data": {"who": wang.pk}}, {"data": {"who": 999999}}])
        assert errors_of(excinfo) == {"2.who": ["请从列表中选择。"]}
        # A liaison may name only the cadres of their own rest home (赵建华 lives in the other).
        with pytest.raises(ValidationError):
            submission_bulk_create(form=form, rows=[{"data": {"who": zhao.pk}}], user=huangpu_people["liaison"].user)
        assert Submission.objects.filter(form=form).count() == 2


def test_answers_of_the_past_keep_the_time_they_were_given(huangpu_people):
    import datetime as dt
    from zoneinfo import ZoneInfo

    wang = huangpu_people["wang"]
    given = [
        dt.datetime(2025, 3, 4, 9, 15, tzinfo=ZoneInfo("Asia/Shanghai")),
        dt.datetime(2025, 3, 5, 16, 40, tzinfo=ZoneInfo("Asia/Shanghai")),
    ]
    with schema_context("huangpu"):
        form = form_create(title="探访", key="cadre-visit")
        form_field_add(form=form, name="who", field_type="cadre", label="军休干部", required=True)
        form_publish(form=form)
        made = submission_bulk_create(
            form=form, rows=[{"data": {"who": wang.pk}, "cadre": wang.pk}, {"data": {"who": wang.pk}}], at=given
        )
        stored = list(Submission.objects.filter(form=form).order_by("pk").values_list("pk", "created_at", "updated_at"))
        assert stored == [(made[0].pk, given[0], given[0]), (made[1].pk, given[1], given[1])]
        assert len({s.receipt for s in made}) == 2

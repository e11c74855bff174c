"""The builder's add/edit-field page as a centre admin meets it: only the settings that fit the type (the others
ignored by the server), the condition picker's rows and the stored expression, choice values and machine names made
from the labels (pinyin), a machine name editable until a version with it is published."""

import json
import re

import pytest
from django_tenants.utils import schema_context

from forms_engine.admin_ui.forms import choices_from_rows
from forms_engine.conditions import expression_rows, expression_write
from forms_engine.models import FormField
from forms_engine.names import identifier_from_label
from forms_engine.services import form_create, form_field_add, form_publish
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user

BASE = "/admin/forms-engine/"
TYPES = {"visit_type": "choice", "needs": "multichoice", "age": "integer", "alone": "yesno", "place": "text"}


def admin_client(username: str = "fb-admin"):
    make_user("huangpu", username, groups=(role_group_name(Role.CENTRE_ADMIN),))
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def errors_shown(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return [re.sub(r"\s+", " ", e).strip() for e in re.findall(r'class="error-message">(.*?)</p>', html, re.S)]


def picker_state(response) -> dict:
    html = response.content.decode()
    return json.loads(re.search(r'<script id="fe-picker-state" type="application/json">(.*?)</script>', html, re.S)[1])


def shown_settings(response) -> tuple[list[str], list[str]]:
    """The type-dependent settings the page shows (not hidden), in page order: in the page, under 更多设置."""
    html = response.content.decode()
    main, more = html.split('<details class="fe-more"')

    def shown(part: str) -> list[str]:
        chunks = re.split(r'(?=<(?:div|fieldset) class="fe-setting)', part)[1:]
        opening = [re.sub(r'data-fe-types="[^"]*"', "", re.match(r"<[^>]*>", chunk)[0]) for chunk in chunks]
        names = [re.search(r'<(?:input|select|textarea)[^>]* name="(\w+)"', chunk)[1] for chunk in chunks]
        return [name for name, tag in zip(names, opening, strict=True) if " hidden" not in tag]

    return shown(main), shown(more)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (
            "${visit_type} = 'hospital' and selected(${needs}, 'meal')",
            {
                "join": "and",
                "rows": [
                    {"field": "visit_type", "op": "=", "value": "hospital"},
                    {"field": "needs", "op": "selected", "value": "meal"},
                ],
            },
        ),
        (
            "${age} >= 80 or ${alone} = true() or ${place} != ''",
            {
                "join": "or",
                "rows": [
                    {"field": "age", "op": ">=", "value": "80"},
                    {"field": "alone", "op": "=", "value": "yes"},
                    {"field": "place", "op": "filled", "value": ""},
                ],
            },
        ),
        (
            "not(selected(${needs}, \"it's\")) and ${alone} = false() and ${place} = ''",
            {
                "join": "and",
                "rows": [
                    {"field": "needs", "op": "not_selected", "value": "it's"},
                    {"field": "alone", "op": "=", "value": "no"},
                    {"field": "place", "op": "empty", "value": ""},
                ],
            },
        ),
        ("", {"join": "and", "rows": []}),
    ],
)
def test_an_expression_of_the_pickers_shape_is_shown_as_rows_and_written_back_the_same(text, parsed):
    assert expression_rows(text, TYPES) == parsed
    assert expression_write(parsed["join"], parsed["rows"], TYPES) == text


@pytest.mark.parametrize(
    "text",
    [
        "${visit_type} = 'a' and ${place} = 'b' or ${age} > 3",  # and/or mixed
        "string-length(${place}) <= 20",  # a function the picker does not offer
        "${age} = '80'",  # the picker writes a number as a number
        "${place} = 80",  # and text as quoted text
        "${nowhere} = 'x'",  # not an earlier question
        "${visit_type} = ",  # does not parse
    ],
)
def test_a_hand_written_expression_that_does_not_fit_stays_text(text):
    assert expression_rows(text, TYPES) is None


def test_machine_names_and_choice_values_are_made_from_the_labels_in_pinyin():
    assert [
        identifier_from_label(label)
        for label in ("走访类型", "长期服药", "单位电话", "1. 姓名", "BMI指数", "血压(mmHg)", "？？")
    ] == [
        "zou_fang_lei_xing",
        "chang_qi_fu_yao",
        "dan_wei_dian_hua",
        "xing_ming",
        "bmi_zhi_shu",
        "xue_ya_mmhg",
        "field",
    ]
    assert (
        identifier_from_label("走访类型", taken={"zou_fang_lei_xing", "zou_fang_lei_xing_2"}) == "zou_fang_lei_xing_3"
    )
    assert identifier_from_label("是否需要后续跟进服务以及其他很长的说明") == "shi_fou_xu_yao_hou_xu_gen_jin_fu_wu_yi"
    assert choices_from_rows([("住院探望", ""), ("电话", ""), ("上门", "home"), ("", ""), ("电话", ""), ("3", "")]) == [
        {"value": "zhu_yuan_tan_wang", "label": "住院探望"},
        {"value": "dian_hua", "label": "电话"},
        {"value": "home", "label": "上门"},
        {"value": "dian_hua_2", "label": "电话"},
        {"value": "3", "label": "3"},
    ]


@pytest.mark.django_db
def test_only_the_settings_of_the_type_are_shown_and_the_others_are_ignored(centres):
    with schema_context("huangpu"):
        form = form_create(title="走访", key="fb-settings")
        form_field_add(form=form, name="place", field_type="text", label="地点", pattern="[a-z]+", max_length=20)
    admin = admin_client()
    add = f"{BASE}{form.pk}/fields/add/"
    page = admin.get(add)
    assert shown_settings(page) == (
        ["help_text", "required", "relevant"],
        [
            "default",
            "min_length",
            "max_length",
            "pattern",
            "constraint",
            "constraint_message",
            "required_if",
            "personal",
            "staff_only",
            "group",
        ],
    )
    assert re.search(r'<details class="fe-more">\s*<summary>更多设置</summary>', page.content.decode())
    assert page.content.decode().count('name="choice_label" value=""') == 3  # rows to type into without JavaScript
    # Posted settings of other types are ignored: a choice question keeps its choices and widget only.
    posted = {
        "field_type": "choice",
        "label": "走访方式",
        "choice_label": ["电话", "上门", ""],
        "choice_value": ["", "home", ""],
        "widget": "select",
        "pattern": "x+",
        "min_value": "3",
        "max_length": "9",
        "max_mb": "5",
        "max_rows": "4",
        "calculation": "1 + 1",
        "accept": "pdf",
    }
    assert admin.post(add, posted).status_code == 302
    with schema_context("huangpu"):
        row = FormField.objects.get(form=form, label="走访方式")
        assert (row.name, row.choices, row.options, row.pattern, row.min_value, row.max_length, row.calculation) == (
            "zou_fang_fang_shi",
            [{"value": "dian_hua", "label": "电话"}, {"value": "home", "label": "上门"}],
            {"widget": "select"},
            "",
            None,
            None,
            "",
        )
        place = FormField.objects.get(form=form, name="place")
    edit = f"{BASE}{form.pk}/fields/{row.pk}/"
    assert shown_settings(admin.get(edit)) == (
        ["choice_label", "help_text", "required", "relevant"],
        ["default", "widget", "required_if", "personal", "staff_only", "group"],
    )
    labels = re.findall(r'name="choice_label" value="([^"]*)"', admin.get(edit).content.decode())
    assert labels == ["电话", "上门", ""]
    # A text field changed to an integer loses its text-only settings.
    changed = {"field_type": "integer", "label": "地点", "name": "place", "pattern": "[a-z]+", "max_value": "9"}
    assert admin.post(f"{BASE}{form.pk}/fields/{place.pk}/", changed).status_code == 302
    with schema_context("huangpu"):
        place.refresh_from_db()
        assert (place.field_type, place.pattern, place.max_length, str(place.max_value)) == (
            "integer",
            "",
            None,
            "9.0000",
        )


@pytest.mark.django_db
def test_a_condition_on_a_choice_must_name_one_of_its_choices_and_is_shown_back_in_the_picker(centres):
    with schema_context("huangpu"):
        form = form_create(title="走访", key="fb-picker")
        form_field_add(
            form=form,
            name="visit_type",
            field_type="choice",
            label="走访类型",
            choices=[{"value": "call", "label": "电话"}, {"value": "hospital", "label": "住院探望"}],
        )
        form_field_add(form=form, name="note", field_type="note", label="说明")
        form_field_add(form=form, name="alone", field_type="yesno", label="独居")
    admin = admin_client()
    add = f"{BASE}{form.pk}/fields/add/"
    refused = admin.post(add, {"field_type": "text", "label": "医院", "relevant": "${visit_type} = 'clinic'"})
    assert errors_shown(refused) == ["“clinic”不是问题“走访类型”的选项。"]
    state = picker_state(refused)
    assert [(q["name"], q["ops"], q["choices"]) for q in state["questions"]] == [
        (
            "visit_type",
            ["=", "!=", "filled", "empty"],
            [{"value": "call", "label": "电话"}, {"value": "hospital", "label": "住院探望"}],
        ),
        ("alone", ["=", "filled", "empty"], [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]),
    ]
    text = "${visit_type} = 'hospital' and ${alone} = true()"
    assert admin.post(add, {"field_type": "text", "label": "医院", "relevant": text}).status_code == 302
    hand = "string-length(${visit_type}) > 2"
    assert admin.post(add, {"field_type": "text", "label": "备注", "relevant": hand}).status_code == 302
    with schema_context("huangpu"):
        hospital, remark = (FormField.objects.get(form=form, label=label) for label in ("医院", "备注"))
        assert (hospital.name, hospital.relevant, remark.relevant) == ("yi_yuan", text, hand)
    shown = picker_state(admin.get(f"{BASE}{form.pk}/fields/{hospital.pk}/"))["conditions"]["relevant"]
    assert shown == {
        "text": text,
        "parsed": {
            "join": "and",
            "rows": [
                {"field": "visit_type", "op": "=", "value": "hospital"},
                {"field": "alone", "op": "=", "value": "yes"},
            ],
        },
    }
    shown = picker_state(admin.get(f"{BASE}{form.pk}/fields/{remark.pk}/"))["conditions"]["relevant"]
    assert shown == {"text": hand, "parsed": None}
    # The picker offers only questions above the field: 备注 sees 医院, 医院 does not see 备注.
    names = [q["name"] for q in picker_state(admin.get(f"{BASE}{form.pk}/fields/{hospital.pk}/"))["questions"]]
    assert names == ["visit_type", "alone"]


@pytest.mark.django_db
def test_a_machine_name_changes_until_a_version_with_it_is_published(centres):
    with schema_context("huangpu"):
        form = form_create(title="走访", key="fb-names")
        form_field_add(
            form=form, name="kind", field_type="choice", label="方式", choices=[{"value": "a", "label": "甲"}]
        )
        form_field_add(form=form, name="place", field_type="text", label="地点", relevant="${kind} = 'a'")
    admin = admin_client()
    # While the label is typed the page asks for the name it would get: pinyin, unused in this form.
    proposed = admin.get(f"{BASE}{form.pk}/fields/name/", {"label": "地点"})
    assert (proposed.status_code, proposed.json()) == (200, {"name": "di_dian"})
    with schema_context("huangpu"):
        form_field_add(form=form, name="di_dian", field_type="text", label="地点")
    assert admin.get(f"{BASE}{form.pk}/fields/name/", {"label": "地点"}).json() == {"name": "di_dian_2"}
    with schema_context("huangpu"):
        FormField.objects.filter(form=form, name="di_dian").delete()
        kind = FormField.objects.get(form=form, name="kind")
    edit = f"{BASE}{form.pk}/fields/{kind.pk}/"
    post = {"field_type": "choice", "label": "方式", "choice_label": ["甲"], "choice_value": ["a"]}
    # A name already used is refused; a free one is taken and the draft's conditions follow it.
    assert errors_shown(admin.post(edit, {**post, "name": "place"})) == ["字段名“place”已被使用。"]
    assert admin.post(edit, {**post, "name": "visit_way"}).status_code == 302
    with schema_context("huangpu"):
        assert dict(FormField.objects.filter(form=form).values_list("name", "relevant")) == {
            "visit_way": "",
            "place": "${visit_way} = 'a'",
        }
        form_publish(form=form)
    html = admin.get(edit).content.decode()
    assert re.search(r'<input type="text" name="name" value="visit_way" readonly', html)
    assert errors_shown(admin.post(edit, {**post, "name": "kind"})) == [
        "该字段已在发布的版本中：字段名保持为“visit_way”。"
    ]
    with schema_context("huangpu"):
        assert sorted(FormField.objects.filter(form=form).values_list("name", flat=True)) == ["place", "visit_way"]

"""XLSForm import and export of form definitions: round trip, real pyxform test files, limits, the command."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from forms_engine.models import FormDefinition
from forms_engine.services import form_create, form_field_add, form_publish
from forms_engine.xlsform import definition_export, definition_import, workbook_read

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
COMPARED = (
    "name",
    "field_type",
    "label",
    "help_text",
    "required",
    "default",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "pattern",
    "choices",
    "options",
    "relevant",
    "required_if",
    "constraint",
    "constraint_message",
    "calculation",
    "group",
)


def xlsx(survey: list[list], choices: list[list] | None = None, settings: list[list] | None = None) -> io.BytesIO:
    workbook = Workbook()
    workbook.active.title = "survey"
    for row in survey:
        workbook.active.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows is not None:
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def described(form: FormDefinition) -> list[tuple]:
    return [tuple(getattr(f, attr) for attr in COMPARED) for f in form.fields.order_by("sort_order")]


def every_type_form() -> FormDefinition:
    form = form_create(title="=全部题型", key="every", purpose="survey", description="-说明")
    add = form_field_add
    add(form=form, name="heading", field_type="note", label="基本情况", help_text="请如实填写")
    add(form=form, name="name", field_type="text", label="=姓名", required=True, max_length=20, pattern="[^0-9]+")
    add(form=form, name="story", field_type="textarea", label="经历", min_length=2)
    add(form=form, name="age", field_type="integer", label="年龄", min_value=60, max_value=120, default="80")
    add(form=form, name="weight", field_type="decimal", label="体重", constraint=". > 30", constraint_message="太轻")
    add(form=form, name="day", field_type="date", label="日期", min_value=None)
    add(form=form, name="at", field_type="time", label="时间")
    add(form=form, name="moment", field_type="datetime", label="时刻")
    add(
        form=form,
        name="kind",
        field_type="choice",
        label="类型",
        choices=[{"value": "call", "label": "电话"}, {"value": "home", "label": "+上门"}],
        options={"widget": "radio"},
    )
    add(
        form=form,
        name="needs",
        field_type="multichoice",
        label="需求",
        choices=[{"value": "meal", "label": "助餐"}, {"value": "clean", "label": "保洁"}],
        relevant="${kind} = 'home'",
    )
    add(form=form, name="alone", field_type="yesno", label="独居")
    add(form=form, name="health", field_type="rating", label="健康")
    add(form=form, name="happy", field_type="likert", label="满意")
    add(form=form, name="agree", field_type="likert", label="同意", choices=[{"value": "y", "label": "是"}])
    add(form=form, name="mobile", field_type="phone", label="电话", required_if="${alone}")
    add(form=form, name="idno", field_type="id_number", label="身份证号")
    add(form=form, name="cadre", field_type="cadre", label="军休干部")
    add(form=form, name="handler", field_type="staff", label="经办人")
    add(form=form, name="photo", field_type="file", label="照片", options={"accept": ["image/*"], "max_mb": 5})
    add(form=form, name="paper", field_type="file", label="附件", options={"accept": ["application/pdf"]})
    add(form=form, name="visitors", field_type="repeat", label="同行人员", options={"max_rows": 5})
    add(form=form, name="visitor", field_type="text", label="姓名", group="visitors", required=True)
    add(form=form, name="role", field_type="text", label="身份", group="visitors", relevant="${visitor} != ''")
    add(form=form, name="count", field_type="calculated", label="需求数", calculation="count-selected(${needs}) div 1")
    add(form=form, name="source", field_type="hidden", label="来源", default="web")
    add(form=form, name="older", field_type="note", label="高龄", relevant="${age} >= 90 and not(${alone})")
    return form


def test_export_then_import_gives_the_same_fields(centres):
    with schema_context("huangpu"):
        form = every_type_form()
        content = definition_export(form=form)
        copy = definition_import(source=io.BytesIO(content), key="every-copy")
        assert (copy.title, copy.key, copy.purpose, copy.description) == ("=全部题型", "every-copy", "survey", "-说明")
        assert described(copy) == described(form)
        assert len(described(copy)) == 26
        assert copy.import_warnings == []
        # A published version exports the same way.
        version = form_publish(form=form)
        again = definition_import(source=io.BytesIO(definition_export(form=form, version=version)), key="again")
        assert described(again) == described(form)


def test_export_is_in_the_xlsform_layout_with_formulas_neutralised(centres):
    with schema_context("huangpu"):
        form = every_type_form()
        workbook = load_workbook(io.BytesIO(definition_export(form=form)))
    survey = [list(row) for row in workbook["survey"].iter_rows(values_only=True)]
    assert survey[0][:11] == [
        "type",
        "name",
        "label",
        "hint",
        "required",
        "relevant",
        "constraint",
        "constraint_message",
        "calculation",
        "default",
        "appearance",
    ]
    types = [(row[0], row[1], row[10]) for row in survey[1:]]
    assert types == [
        ("note", "heading", None),
        ("text", "name", None),
        ("text", "story", "multiline"),
        ("integer", "age", None),
        ("decimal", "weight", None),
        ("date", "day", None),
        ("time", "at", None),
        ("dateTime", "moment", None),
        ("select_one kind", "kind", None),
        ("select_multiple needs", "needs", None),
        ("select_one yes_no", "alone", "yesno"),
        ("range", "health", None),
        ("select_one likert", "happy", "likert"),
        ("select_one agree", "agree", "likert"),
        ("text", "mobile", "phone"),
        ("text", "idno", "id_number"),
        ("cadre", "cadre", None),
        ("staff", "handler", None),
        ("image", "photo", None),
        ("file", "paper", None),
        ("begin_repeat", "visitors", None),
        ("text", "visitor", None),
        ("text", "role", None),
        ("end_repeat", "visitors", None),
        ("calculate", "count", None),
        ("hidden", "source", None),
        ("note", "older", None),
    ]
    name_row = survey[2]
    assert name_row[2] == "'=姓名" and workbook["survey"]["C3"].data_type == "s"
    assert survey[15][4] == "${alone}"  # required_if travels in the required column
    assert survey[10][5] == "${kind} = 'home'"
    choices = [list(row) for row in workbook["choices"].iter_rows(values_only=True)]
    assert choices[:5] == [
        ["list_name", "name", "label"],
        ["kind", "call", "电话"],
        ["kind", "home", "'+上门"],
        ["needs", "meal", "助餐"],
        ["needs", "clean", "保洁"],
    ]
    assert ["yes_no", "yes", "是"] in choices and ["likert", "5", "非常同意"] in choices
    settings = [list(row) for row in workbook["settings"].iter_rows(values_only=True)]
    assert settings == [
        ["form_title", "form_id", "version", "purpose", "description"],
        ["'=全部题型", "every", "draft", "survey", "'-说明"],
    ]


def spec_form_supported_part() -> io.BytesIO:
    """pyxform's spec form with what we refuse taken out: media columns, repeat_count, unsupported types, bad names."""
    workbook = load_workbook(DATA / "xlsform_spec_test.xlsx", data_only=True)  # formula cells keep their saved value
    survey = workbook["survey"]
    for row in survey.iter_rows(min_row=2, max_row=60):
        if isinstance(row[1].value, str):
            row[1].value = row[1].value.replace("-", "_").replace("_1", "n_1")
    survey["L57"] = None  # the "ex:" launcher appearance
    for number in (38, 37, 35, 34, 30):  # video, audio, barcode, geopoint, acknowledge
        survey.delete_rows(number)
    survey.delete_cols(19, 8)  # image … noAppErrorString
    survey.delete_cols(10)  # requiredMsg
    survey.delete_cols(4)  # repeat_count
    workbook["choices"].delete_cols(4)  # image
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


SKIP = "not(selected(${skip_to_end}, 'yes'))"
YES_NO = [{"label": "是", "value": "yes"}, {"label": "没有", "value": "no"}]


def test_the_supported_part_of_pyxforms_spec_form_imports(centres):
    with schema_context("huangpu"):
        form = definition_import(source=spec_form_supported_part())
        fields = {f.name: f for f in form.fields.all()}
        assert (form.key, form.title) == ("spec-test", "Spec test")
        assert [(f.name, f.field_type, f.group) for f in form.fields.order_by("sort_order")] == [
            ("skip_to_end", "choice", ""),
            ("my_name", "text", ""),
            ("invalid_variable", "note", ""),
            ("address", "text", ""),
            ("email_note", "note", ""),
            ("number_label", "note", ""),
            ("text_image_audio_video_test", "text", ""),
            ("display_image_test", "note", ""),
            ("autocomplete_test", "choice", ""),
            ("autocomplete_chars_test", "choice", ""),
            ("a_integer", "integer", ""),
            ("a_decimal", "decimal", ""),
            ("repeat_test", "repeat", ""),
            ("required_text", "text", "repeat_test"),
            ("select_multiple_test", "multichoice", "repeat_test"),
            ("labeled_select_group", "note", "repeat_test"),  # a labelled group becomes a heading
            ("label_test", "choice", "repeat_test"),
            ("list_nolabel_test", "choice", "repeat_test"),
            ("table_list_question", "choice", "repeat_test"),
            ("compact_test", "choice", "repeat_test"),
            ("compact_2_test", "choice", "repeat_test"),
            ("date_test", "date", ""),
            ("time_test", "time", ""),
            ("datetime_test", "datetime", ""),
            ("image_test", "file", ""),
            ("note_test", "note", ""),
            ("calculate_test", "calculated", ""),
            ("calculate_test_output", "note", ""),
            ("start_test_output", "note", ""),
            ("end_test_output", "note", ""),
            ("today_test_output", "note", ""),
            ("deviceid_test_output", "note", ""),
            ("uri_deviceid_test_output", "note", ""),
            ("phonenumber_test_output", "note", ""),
            ("n_1", "text", ""),
            ("false", "text", ""),  # the name cell is the formula =FALSE(): its saved value, never calculated
            ("launch", "integer", ""),
        ]
        # label::chinese wins where it is filled in, the first label column elsewhere; the group's condition is
        # ANDed into its children's.
        assert (fields["address"].label, fields["address"].help_text) == ("您好", "ni hao")
        assert fields["email_note"].relevant == (
            f"({SKIP}) and (regex(${{address}}, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{{2,4}}'))"
        )
        assert fields["repeat_test"].relevant == SKIP and fields["required_text"].relevant == ""
        assert fields["launch"].relevant == ""
        assert fields["skip_to_end"].choices == YES_NO
        assert fields["compact_test"].choices == [{"label": "a", "value": "a"}, {"label": "b", "value": "b"}]
        assert (fields["select_multiple_test"].constraint, fields["select_multiple_test"].constraint_message) == (
            "not(selected(., 'yes') and selected (., 'no'))",
            "對不起 ${my_name}，你可以不選擇“是”和“否”。",
        )
        assert fields["list_nolabel_test"].required is True  # =TRUE() in the required column
        assert fields["required_text"].required is True
        assert fields["calculate_test"].calculation == "2+2"
        assert fields["image_test"].options == {"accept": ["image/*"]}
        assert form.import_warnings[:3] == [
            "已忽略工作表“columns”。",
            "已忽略“rows”列。",
            "第 11 行：已忽略外观（appearance）“autocomplete”。",
        ]
        assert form.import_warnings[-6:] == [
            "第 37 行：已跳过元数据问题“start”。",
            "第 39 行：已跳过元数据问题“end”。",
            "第 41 行：已跳过元数据问题“today”。",
            "第 43 行：已跳过元数据问题“deviceid”。",
            "第 45 行：已跳过元数据问题“uri:deviceid”。",
            "第 47 行：已跳过元数据问题“phonenumber”。",
        ]
        form_publish(form=form)
    with schema_context("putuo"):
        assert not FormDefinition.objects.filter(key="spec-test").exists()


def refusal(path: Path) -> list[str]:
    with schema_context("huangpu"), path.open("rb") as source:
        with pytest.raises(ValidationError) as excinfo:
            definition_import(source=source)
        assert FormDefinition.objects.count() == 0
    return excinfo.value.messages


MEDIA = "不支持问题中的图片、音频和视频"
BAD_NAME = "不是有效的字段名：只能使用字母、数字和 _，并以字母开头。"


def test_pyxforms_spec_form_is_refused_naming_every_unsupported_feature(centres):
    assert refusal(DATA / "xlsform_spec_test.xlsx") == [
        f"工作表“survey”第 9 行“image”列：{MEDIA}（另有 1 行）。",
        f"工作表“survey”第 9 行“audio”列：{MEDIA}。",
        f"工作表“survey”第 9 行“image::english”列：{MEDIA}。",
        f"工作表“survey”第 9 行“media::audio::chinese”列：{MEDIA}。",
        f"工作表“survey”第 9 行“media::video”列：{MEDIA}。",
        "工作表“survey”第 15 行“repeat_count”列：不支持固定的重复次数（repeat_count）。",
        "工作表“survey”第 17 行“requiredMsg”列：不支持必答题的自定义提示。",
        f"工作表“survey”第 21 行“name”列：“label-test”{BAD_NAME}",
        f"工作表“survey”第 22 行“name”列：“list-nolabel-test”{BAD_NAME}",
        f"工作表“survey”第 27 行“name”列：“compact-test”{BAD_NAME}",
        f"工作表“survey”第 28 行“name”列：“compact-2-test”{BAD_NAME}",
        "工作表“survey”第 30 行“type”列：不支持问题类型“acknowledge”。",
        "工作表“survey”第 34 行“type”列：不支持问题类型“geopoint”。",
        "工作表“survey”第 35 行“type”列：不支持问题类型“barcode”。",
        "工作表“survey”第 37 行“type”列：不支持问题类型“audio”。",
        "工作表“survey”第 38 行“type”列：不支持问题类型“video”。",
        f"工作表“survey”第 54 行“name”列：“_1”{BAD_NAME}",
        "工作表“survey”第 57 行“buttonText”列：不支持“buttonText”列。",
        "工作表“survey”第 57 行“noAppErrorString”列：不支持“noAppErrorString”列。",
        "工作表“survey”第 57 行“appearance”列：不支持外观（appearance）“ex:org.thirdparty.app.ActivityName”。",
        f"工作表“choices”第 4 行“image”列：{MEDIA}。",
    ]


def test_a_sheet_claiming_a_million_rows_is_read_to_its_end_only(centres):
    with (DATA / "UCL_Biomass_Plot_Form.xlsx").open("rb") as source:
        book = workbook_read(source)
    # survey: 91 rows + a run of 50 empty ones; choices: 28 + 50; settings: 2 (its dimension says 1,048,576 rows)
    assert (book.rows_read, len(book.survey.rows), len(book.choices.rows)) == (221, 81, 27)
    messages = refusal(DATA / "UCL_Biomass_Plot_Form.xlsx")
    assert len(messages) == 25
    for message in [
        "工作表“survey”第 16 行“type”列：不支持问题类型“select_one_from_file UCL_regions.csv”。",
        "工作表“survey”第 17 行“choice_filter”列：不支持按前面的回答筛选选项（choice_filter）（另有 2 行）。",
        "工作表“survey”第 22 行“type”列：不支持问题类型“geopoint”。",
        "工作表“survey”第 26 行“calculation”列：不支持表达式“round(15 div (sqrt(cos(atan(${slope} div 100)))),2)”："
        "无法识别的词或函数“sqrt”",
        "工作表“survey”第 43 行“repeat_count”列：不支持固定的重复次数（repeat_count）。",
        "工作表“survey”第 43 行“type”列：不支持重复组内再嵌套重复组。",
    ]:
        assert message in messages
    # Typographic quotes in an XPath are refused, naming the row and column.
    assert messages[0].startswith("工作表“survey”第 9 行“relevant”列：不支持表达式“${leader_name} = ‘other’”：")


def test_cascading_selects_and_duplicate_choices_are_refused(centres):
    assert refusal(DATA / "choice_filter_test.xlsx") == [
        "工作表“survey”第 3 行“choice_filter”列：不支持按前面的回答筛选选项（choice_filter）（另有 1 行）。",
        "工作表“choices”第 6 行“name”列：选项“king”已在选项列表“counties”中（第 4 行）。",
    ]


def test_sheets_and_headers_are_matched_whatever_their_case(centres):
    assert refusal(DATA / "case_insensitivity.xlsx") == [
        "工作表“SURVEY”第 3 行“CHOICE_FILTER”列：不支持按前面的回答筛选选项（choice_filter）。",
        "工作表“SURVEY”第 3 行“TYPE”列：不支持问题类型“select_one_external c1”。",
        "工作表“SURVEY”第 4 行“TYPE”列：不支持问题类型“osm c1”。",
    ]


def test_a_duplicate_column_is_refused(centres):
    assert refusal(DATA / "duplicate_columns.xlsx") == ["工作表“survey”：“label”列出现了两次（第 E 列）。"]


def import_errors(source, **kwargs) -> list[str]:
    with schema_context("huangpu"):
        before = list(FormDefinition.objects.values_list("key", flat=True))
        with pytest.raises(ValidationError) as excinfo:
            definition_import(source=source, **kwargs)
        assert list(FormDefinition.objects.values_list("key", flat=True)) == before
    return excinfo.value.messages


HEADER = ["type", "name", "label", "relevant", "calculation", "required"]


def test_unsupported_expressions_types_and_structure_are_named(centres):
    survey = [
        HEADER,
        ["select_one yn or_other", "a", "甲"],
        ["text", "b", "乙", "pulldata('x', 'y', 'z', ${a}) = 1"],
        ["calculate", "c", "丙", None, "search('x')"],
        ["begin repeat", "r", "组"],
        ["begin repeat", "r2", "内组"],
        ["end repeat"],
        ["text", "d", "丁", None, None, "maybe"],
        ["select_one missing", "e", "戊"],
        ["text", "b", "重名"],
        ["trigger", "f", "己"],
        [None, None, "无类型"],
        ["end group"],
    ]
    assert import_errors(xlsx(survey, choices=[["list_name", "name", "label"], ["yn", "y", "是"]])) == [
        "工作表“survey”第 2 行“type”列：不支持“or_other”：请添加“其他”选项和一个文本问题。",
        "工作表“survey”第 3 行“relevant”列：不支持表达式“pulldata('x', 'y', 'z', ${a}) = 1”："
        "无法识别的词或函数“pulldata”",
        "工作表“survey”第 4 行“calculation”列：不支持表达式“search('x')”：无法识别的词或函数“search”",
        "工作表“survey”第 5 行“type”列：“begin repeat” r 没有对应的“end repeat”。",
        "工作表“survey”第 6 行“type”列：不支持重复组内再嵌套重复组。",
        "工作表“survey”第 8 行“required”列：不支持表达式“maybe”：无法识别的词或函数“maybe”",
        "工作表“survey”第 9 行“type”列：choices 工作表中没有选项列表“missing”。",
        "工作表“survey”第 10 行“name”列：名称“b”已在第 3 行使用。",
        "工作表“survey”第 11 行“type”列：不支持问题类型“trigger”。",
        "工作表“survey”第 12 行“type”列：该行没有类型。",
        "工作表“survey”第 13 行“type”列：“end group”没有对应的“begin group”。",
    ]


def test_a_definition_that_would_not_publish_is_refused_with_the_reasons(centres):
    survey = [HEADER, ["text", "a", "甲", "${b} = 1"], ["integer", "b", "乙"]]
    assert import_errors(xlsx(survey)) == ["字段“甲”（a）：表达式引用了后面或不存在的字段：b"]


def test_groups_are_flattened_and_required_conditions_kept(centres):
    survey = [
        ["TYPE", "Name", "Label", "label::中文", "Relevant", "Required", "Default"],
        ["integer", "age", "Age", "年龄", None, "TRUE()"],
        ["begin_group", "old", "Elderly", None, "${age} >= 80"],
        ["select_multiple needs", "needs", "Needs", "需求", "${age} < 100", "${age} > 90", "meal"],
        ["end_group"],
        ["begin group", "quiet"],
        ["text", "note_text", "Remark"],
        ["end group"],
        ["username", "username"],
    ]
    choices = [["list_name", "name", "label", "label::中文"], ["needs", "meal", "Meal", "助餐"], ["needs", 7, 7]]
    settings = [["form_title", "form_id"], ["老年需求", "老年需求"]]
    with schema_context("huangpu"):
        form = definition_import(source=xlsx(survey, choices, settings))
        assert (form.key, form.title) == ("imported-form", "老年需求")  # form_id has no latin letters to slugify
        assert [
            (f.name, f.field_type, f.label, f.required, f.required_if, f.relevant, f.default, f.choices)
            for f in form.fields.order_by("sort_order")
        ] == [
            ("age", "integer", "年龄", True, "", "", "", []),
            ("old", "note", "Elderly", False, "", "${age} >= 80", "", []),
            (
                "needs",
                "multichoice",
                "需求",
                False,
                "${age} > 90",
                "(${age} >= 80) and (${age} < 100)",
                "meal",
                [{"value": "meal", "label": "助餐"}, {"value": "7", "label": "7"}],
            ),
            ("note_text", "text", "Remark", False, "", "", "", []),
        ]
        assert form.import_warnings == ["第 9 行：已跳过元数据问题“username”。"]


def test_keys_titles_and_limits(centres):
    survey = [HEADER, ["text", "a", "甲"]]
    with schema_context("huangpu"):
        form = definition_import(source=xlsx(survey), key="my-form", title="我的表单")
        assert (form.key, form.title, form.fields.count()) == ("my-form", "我的表单", 1)
        second = definition_import(source=xlsx(survey, settings=[["form_id"], ["my-form"]]))
        assert second.key == "my-form-2"
    assert import_errors(xlsx(survey), key="my-form") == ["标识为“my-form”的表单已存在。"]
    assert import_errors(xlsx(survey), key="坏 key") == ["标识“坏 key”只能使用字母、数字、- 和 _。"]
    assert import_errors(io.BytesIO(b"PK\x03\x04 not really")) == [
        "这不是 Excel 工作簿（.xlsx）。请另存为 .xlsx 格式（Excel 2007 及以后版本）后重新上传。"
    ]
    assert import_errors(io.BytesIO(b"x" * (5 * 1024 * 1024 + 1))) == ["文件太大（5.0 MB），最大 5 MB。"]
    many = [HEADER] + [["text", f"q{i}", "问"] for i in range(2001)]
    assert import_errors(xlsx(many)) == ["工作表“survey”超过 2000 行。"]
    workbook = Workbook()
    workbook.active.title = "questions"
    out = io.BytesIO()
    workbook.save(out)
    assert import_errors(out) == ["工作簿中没有“survey”工作表，不是 XLSForm 格式。"]
    assert import_errors(xlsx([HEADER])) == ["survey 工作表中没有问题。"]


def test_form_import_command_creates_a_draft_in_one_centre(centres, tmp_path, capsys):
    path = tmp_path / "form.xlsx"
    path.write_bytes(spec_form_supported_part().getvalue())
    call_command("form_import", str(path), "--centre", "huangpu", "--key", "spec", "--title", "规范表单")
    out = capsys.readouterr()
    assert out.out == "已创建草稿表单“规范表单”，标识为 spec，共 37 个字段。\n"
    assert "提示：第 37 行：已跳过元数据问题“start”。" in out.err
    with schema_context("huangpu"):
        form = FormDefinition.objects.get(key="spec")
        assert (form.title, form.versions.count()) == ("规范表单", 0)
    with schema_context("putuo"):
        assert FormDefinition.objects.count() == 0


def test_form_import_command_exits_with_every_reason(centres):
    with pytest.raises(CommandError) as excinfo:
        call_command("form_import", str(DATA / "choice_filter_test.xlsx"), "--centre", "huangpu")
    assert str(excinfo.value).split("\n") == [
        "无法导入该表单：",
        "工作表“survey”第 3 行“choice_filter”列：不支持按前面的回答筛选选项（choice_filter）（另有 1 行）。",
        "工作表“choices”第 6 行“name”列：选项“king”已在选项列表“counties”中（第 4 行）。",
    ]
    with pytest.raises(CommandError) as excinfo:
        call_command("form_import", str(DATA / "choice_filter_test.xlsx"), "--centre", "nowhere")
    assert str(excinfo.value) == "没有代码为“nowhere”的军休中心。"
    with schema_context("huangpu"):
        assert FormDefinition.objects.count() == 0


def test_form_export_command_writes_the_draft_or_a_version(centres, tmp_path):
    with schema_context("huangpu"):
        form = every_type_form()
        form_publish(form=form)
    call_command("form_export", "every", str(tmp_path / "v1.xlsx"), "--centre", "huangpu", "--number", "1")
    settings = list(load_workbook(tmp_path / "v1.xlsx")["settings"].iter_rows(values_only=True))
    assert settings[1][1:3] == ("every", "1")
    with pytest.raises(CommandError) as excinfo:
        call_command("form_export", "every", str(tmp_path / "x.xlsx"), "--centre", "putuo")
    assert str(excinfo.value) == "没有标识为“every”的表单。"

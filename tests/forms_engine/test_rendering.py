"""Rendering a version's fields without JavaScript and reading a POST back into answers the services accept."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.template.loader import render_to_string
from django_tenants.utils import schema_context

from forms_engine.personal import reveal
from forms_engine.rendering import add_row_requested, data_from_post, fill_context
from forms_engine.services import form_create, form_field_add, form_publish, submission_create
from tenants.roles import Role, role_group_name
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def post_of(pairs: list[tuple[str, str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    return query


def render(context: dict) -> str:
    return render_to_string("forms_engine/fields/form_fields.html", context)


def test_every_field_is_rendered_accessibly_with_its_condition_as_json(visit_form):
    with schema_context("huangpu"):
        version = visit_form.current_version
        context = fill_context(version=version)
        html = render(context)
    names = [item["name"] for item in context["fields"]]
    assert names == ["visit_type", "hospital", "minutes", "needs", "need_count", "visitors", "health"]
    hospital = re.search(r'<div class="fe-field fe-field--text"[^>]*data-name="hospital"[^>]*>', html)[0]
    relevant = re.search(r'data-relevant="([^"]*)"', hospital)[1].replace("&quot;", '"').replace("&#x27;", "'")
    assert json.loads(relevant) == version.schema["fields"][1]["relevant"]["tree"]
    assert 'data-required-if="' in hospital
    assert '<label class="fe-label" for="fe-hospital">医院' in html
    # Choices are a fieldset with a legend and one label per radio; repeat groups start with one row.
    assert '<legend class="fe-label">走访类型 <span class="fe-required">（必填）</span></legend>' in html
    assert '<label class="fe-choice" for="fe-visit_type-1"><input type="radio" id="fe-visit_type-1"' in html
    assert 'name="visitors-rows" value="1"' in html and 'name="visitors-0-visitor"' in html
    assert 'name="_add_row" value="visitors" formnovalidate>添加一行</button>' in html
    assert (
        'type="number" id="fe-minutes" name="minutes" value="" step="1" inputmode="numeric" min="1" max="600"' in html
    )


def test_a_post_becomes_answers_the_service_accepts(visit_form):
    post = post_of(
        [
            ("visit_type", "call"),
            ("hospital", ""),
            ("minutes", "30"),
            ("needs", "meal"),
            ("needs", "clean"),
            ("visitors-rows", "3"),
            ("visitors-0-visitor", "李联络"),
            ("visitors-1-visitor", ""),
            ("visitors-2-visitor", "王医生"),
            ("health", "4"),
        ]
    )
    with schema_context("huangpu"):
        data, stored = data_from_post(version=visit_form.current_version, post=post, files={})
        assert data == {
            "visit_type": "call",
            "minutes": "30",
            "needs": ["meal", "clean"],
            "visitors": [{"visitor": "李联络"}, {"visitor": "王医生"}],
            "health": "4",
        }
        assert stored == []
        submission = submission_create(form=visit_form, data=data)
        assert submission.data["need_count"] == 2 and submission.data["minutes"] == 30


def test_add_row_renders_one_more_row_and_errors_sit_by_their_field(visit_form):
    post = post_of([("visitors-rows", "1"), ("visitors-0-visitor", "甲"), ("_add_row", "visitors")])
    with schema_context("huangpu"):
        version = visit_form.current_version
        data, _ = data_from_post(version=version, post=post, files={})
        assert add_row_requested(post) == "visitors"
        context = fill_context(
            version=version,
            data=data,
            errors={"visit_type": ["必须回答此问题。"], "visitors[1].visitor": ["错"]},
            add_row=add_row_requested(post),
        )
        html = render(context)
    assert 'name="visitors-rows" value="2"' in html
    assert 'name="visitors-0-visitor" value="甲"' in html and 'name="visitors-1-visitor" value=""' in html
    assert '<p class="fe-error">必须回答此问题。</p>' in html
    assert (
        'id="fe-visitors-1-visitor" name="visitors-1-visitor" value="" aria-describedby="fe-visitors-1-visitor-error"'
        in (html)
    )


def test_markup_in_labels_and_answers_is_escaped(centres):
    with schema_context("huangpu"):
        form = form_create(title="<b>表</b>", key="xss-render")
        form_field_add(form=form, name="q", field_type="text", label="<script>alert(1)</script>", help_text="<i>h</i>")
        form_publish(form=form)
        html = render(fill_context(version=form.current_version, data={"q": '"><img src=x onerror=alert(1)>'}))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>h</i>" not in html and "<img" not in html
    assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html


def file_form(key: str):
    form = form_create(title="附件", key=key)
    form_field_add(form=form, name="photo", field_type="file", label="照片", options={"max_mb": 1, "accept": "jpg png"})
    form_publish(form=form)
    return form


def test_uploads_are_stored_per_centre_and_limits_refuse_the_field(centres):
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 100
    with schema_context("huangpu"):
        form = file_form("files-render")
        version = form.current_version
        data, stored = data_from_post(
            version=version, post=post_of([]), files={"photo": SimpleUploadedFile("家 照片.jpg", jpeg, "image/jpeg")}
        )
        record = data["photo"]
        assert record["name"] == "家_照片.jpg" and record["size"] == 104 and record["content_type"] == "image/jpeg"
        assert re.fullmatch(r"forms/[0-9a-f]{32}/家_照片\.jpg", record["path"]) and stored == [record["path"]]
        assert default_storage.path(record["path"]).endswith("/huangpu/" + record["path"])
        submission = submission_create(form=form, data=data)
        assert submission.data["photo"] == record
        refused = {
            "big.jpg": (jpeg + b"0" * (1024 * 1024), "文件大于 1 MB。"),
            "a.pdf": (b"%PDF-1.4", "不接受这种文件；允许：jpg, png。"),
            "fake.png": (b"MZ\x90\x00", "文件内容与其类型不符。"),
        }
        for name, (content, message) in refused.items():
            with pytest.raises(ValidationError) as excinfo:
                data_from_post(version=version, post=post_of([]), files={"photo": SimpleUploadedFile(name, content)})
            assert excinfo.value.message_dict == {"photo": [message]}
        default_storage.delete(record["path"])


def test_id_numbers_show_only_to_who_may_see_them_and_are_kept_when_untouched(huangpu_people):
    with schema_context("huangpu"):
        form = form_create(title="身份", key="id-render")
        form_field_add(form=form, name="idno", field_type="id_number", label="身份证号")
        form_field_add(form=form, name="who", field_type="cadre", label="军休干部")
        form_publish(form=form)
        number = huangpu_people["zhao"].id_number
        submission = submission_create(form=form, data={"idno": number})
        viewer = make_user("huangpu", "render-viewer", groups=(role_group_name(Role.VIEWER),))
        admin = make_user("huangpu", "render-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        masked_context = fill_context(version=form.current_version, data=submission.data, user=viewer)
        html = render(masked_context)
        assert number not in html and "*" * 17 + number[-1] in html
        assert 'name="idno-keep" value="1"' in html and masked_context["sensitive_shown"] == []
        kept, _ = data_from_post(
            version=form.current_version, post=post_of([("idno", ""), ("idno-keep", "1")]), previous=submission.data
        )
        assert kept == {"idno": submission.data["idno"]}  # kept sealed, as stored; the service checks it in clear
        assert reveal(kept["idno"]) == number
        full = fill_context(version=form.current_version, data=submission.data, user=admin)
        assert f'value="{number}"' in render(full) and full["sensitive_shown"] == ["idno"]
        # A signed-in user picks the cadre through the searchable chooser (scoped: tests/registry/test_choosers.py);
        # a public form (no user) has no chooser and no one to pick.
        who = masked_context["fields"][1]
        assert (who["template"], who["choices"]) == ("forms_engine/fields/chooser.html", [])
        assert 'new Chooser("fe-who", {"modalUrl": "/admin/registry/choose/cadre/"});' in html
        public = fill_context(version=form.current_version)
        assert (public["fields"][1]["template"], public["fields"][1]["choices"]) == (
            "forms_engine/fields/select.html",
            [],
        )
        assert "Chooser" not in render(public)

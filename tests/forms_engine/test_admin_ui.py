"""The 表单 screens of the Wagtail admin: building and publishing, submissions by version, masking, workflow, scoping,
exports, and isolation between centres."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from forms_engine.exports import submissions_export_write
from forms_engine.models import ExportJob, FormDefinition, FormField, FormVersion, Submission, SubmissionChange
from forms_engine.services import form_create, form_field_add, form_field_remove, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.models import AccessLog
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user
from tests.forms_engine.conftest import build_visit_form

pytestmark = pytest.mark.django_db
BASE = "/admin/forms-engine/"


def login(code: str, username: str, role: Role | None = None):
    make_user(code, username, groups=(role_group_name(role),) if role else ())
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def liaison_client():
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": "liaison", "password": PASSWORD}).status_code == 302
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def errors_shown(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", e).strip() for e in re.findall(r'class="error-message">(.*?)</p>', html, re.S)]


def test_a_centre_admin_builds_publishes_and_edits_into_a_new_version(centres):
    admin = login("huangpu", "fa-admin", Role.CENTRE_ADMIN)
    assert "新建表单" in page(admin.get(BASE))
    response = admin.post(
        BASE + "new/",
        {"title": "慰问登记", "key": "greeting", "purpose": "visit", "description": "", "access_fill": ["caseworker"]},
    )
    with schema_context("huangpu"):
        form = FormDefinition.objects.get(key="greeting")
        assert (form.title, form.purpose, form.access["fill"], form.access["move"]) == (
            "慰问登记",
            "visit",
            ["caseworker"],
            [],
        )
    assert response["Location"] == f"{BASE}{form.pk}/"
    add = f"{BASE}{form.pk}/fields/add/"
    assert (
        admin.post(
            add, {"name": "kind", "field_type": "choice", "label": "方式", "choices": "call|电话\nhome|上门"}
        ).status_code
        == 302
    )
    # An expression naming an unknown field is refused in Chinese, naming the field; nothing is saved.
    html = page(admin.post(add, {"name": "place", "field_type": "text", "label": "地点", "relevant": "${nowhere} = 1"}))
    assert errors_shown(html) == ["字段“地点”（place）：表达式引用了后面或不存在的字段：nowhere"]
    html = page(admin.post(add, {"name": "place", "field_type": "text", "label": "地点", "relevant": "${kind} = "}))
    assert "字段“地点”（place）：表达式“${kind} =”无法解析：表达式不完整" in errors_shown(html)[0]
    assert (
        admin.post(
            add, {"name": "place", "field_type": "text", "label": "地点", "relevant": "${kind} = 'home'"}
        ).status_code
        == 302
    )
    with schema_context("huangpu"):
        assert list(form.fields.order_by("sort_order").values_list("name", "choices")) == [
            ("kind", [{"value": "call", "label": "电话"}, {"value": "home", "label": "上门"}]),
            ("place", []),
        ]
        place = form.fields.get(name="place")
    assert admin.post(f"{BASE}{form.pk}/publish/").status_code == 302
    # Editing after publishing edits the draft: the machine name stays, the label changes, v2 is made on publish.
    edit = f"{BASE}{form.pk}/fields/{place.pk}/"
    name_input = re.search(r'<input type="text" name="name"[^>]*>', page(admin.get(edit)))[0]
    assert 'value="place"' in name_input and " readonly" in name_input
    forged = {"name": "other", "field_type": "text", "label": "上门地点", "relevant": "${kind} = 'home'"}
    assert errors_shown(page(admin.post(edit, forged))) == ["该字段已在发布的版本中：字段名保持为“place”。"]
    with schema_context("huangpu"):
        assert list(form.fields.values_list("name", "label")) == [("kind", "方式"), ("place", "地点")]
    assert admin.post(edit, {**forged, "name": "place"}).status_code == 302
    assert admin.post(f"{BASE}{form.pk}/fields/{place.pk}/move/", {"direction": "up"}).status_code == 302
    html = page(admin.get(f"{BASE}{form.pk}/"))
    assert "草稿有改动：发布后成为第 2 版。" in html
    # Moved above the field its condition reads, it cannot be published: the errors are listed, nothing is made.
    html = page(admin.post(f"{BASE}{form.pk}/publish/", follow=True))
    assert "未发布，请修改：" in html and "字段“上门地点”（place）：表达式引用了后面或不存在的字段：kind" in html
    admin.post(f"{BASE}{form.pk}/fields/{place.pk}/move/", {"direction": "down"})
    assert "已发布为第 2 版。" in page(admin.post(f"{BASE}{form.pk}/publish/", follow=True))
    with schema_context("huangpu"):
        schemas = {v.number: [(f["name"], f["label"]) for f in v.schema["fields"]] for v in form.versions.all()}
    assert schemas == {1: [("kind", "方式"), ("place", "地点")], 2: [("kind", "方式"), ("place", "上门地点")]}


def test_publishing_lists_the_errors_and_only_admins_build(huangpu_people):
    admin = login("huangpu", "fa-admin", Role.CENTRE_ADMIN)
    with schema_context("huangpu"):
        form = form_create(title="空表", key="empty")
    response = admin.post(f"{BASE}{form.pk}/publish/", follow=True)
    assert "表单至少需要一个字段。" in page(response)
    caseworker = liaison_client()
    for url in [f"{BASE}{form.pk}/", f"{BASE}{form.pk}/fields/add/"]:
        assert caseworker.get(url).status_code == 404
    assert caseworker.post(f"{BASE}{form.pk}/publish/").status_code == 404
    assert caseworker.get(BASE + "new/").status_code == 302  # Wagtail's answer to a missing permission
    with schema_context("huangpu"):
        assert FormVersion.objects.filter(form=form).count() == 0


def test_a_submission_keeps_showing_its_own_versions_fields(centres):
    with schema_context("huangpu"):
        form = build_visit_form("visit-pinned")
        old = submission_create(form=form, data={"visit_type": "hospital", "hospital": "瑞金医院", "needs": ["meal"]})
        form_field_remove(field=form.fields.get(name="hospital"))
        form_publish(form=form)
        new = submission_create(
            form=form, data={"visit_type": "call", "visitors": [{"visitor": "张三"}, {"visitor": "李四"}]}
        )
    admin = login("huangpu", "fa-admin", Role.CENTRE_ADMIN)
    html = page(admin.get(f"{BASE}submissions/{old.pk}/"))
    assert '<dt data-name="hospital">医院</dt>' in html and '<dd data-name="hospital">瑞金医院</dd>' in html
    assert '<dd data-name="visit_type">住院探望</dd>' in html and '<dd data-name="needs">助餐</dd>' in html
    html = page(admin.get(f"{BASE}submissions/{new.pk}/"))
    assert 'data-name="hospital"' not in html
    assert "<td>张三</td></tr><tr><td>李四</td>" in html
    listing = page(admin.get(f"{BASE}{form.pk}/submissions/"))
    assert re.findall(r'<tr data-submission="(\d+)">', listing) == [str(new.pk), str(old.pk)]


def id_form():
    form = form_create(title="登记", key="idcheck")
    form_field_add(form=form, name="idno", field_type="id_number", label="身份证号")
    form_field_add(form=form, name="note", field_type="text", label="备注")
    form_publish(form=form)
    return form


def test_detail_masks_id_numbers_unless_permitted_and_logs_unmasked_views(huangpu_people):
    number = resident_id_make("310101", dt.date(1950, 1, 2), 55)
    with schema_context("huangpu"):
        form = id_form()
        submission = submission_create(form=form, data={"idno": number, "note": "<b>备注</b>"})
    viewer = login("huangpu", "fa-viewer", Role.VIEWER)
    html = page(viewer.get(f"{BASE}submissions/{submission.pk}/"))
    assert number not in html and f'<dd data-name="idno">{"*" * 17}{number[-1]}</dd>' in html
    assert "&lt;b&gt;备注&lt;/b&gt;" in html and "<b>备注</b>" not in html
    with schema_context("huangpu"):
        assert AccessLog.objects.count() == 0
    admin = login("huangpu", "fa-admin", Role.CENTRE_ADMIN)
    assert f'<dd data-name="idno">{number}</dd>' in page(admin.get(f"{BASE}submissions/{submission.pk}/"))
    with schema_context("huangpu"):
        assert list(
            AccessLog.objects.values_list("username", "action", "channel", "model", "record_ids", "fields")
        ) == [("fa-admin", "view", "admin", "Submission", [submission.pk], ["idcheck:idno"])]


def complaint_form():
    form = form_create(title="投诉", key="complaint-ui", purpose="complaint")
    form_field_add(form=form, name="content", field_type="textarea", label="投诉内容", required=True)
    form_publish(form=form)
    return form


def test_workflow_buttons_move_assign_comment_and_edit_with_history(huangpu_people):
    with schema_context("huangpu"):
        form = complaint_form()
        submission = submission_create(form=form, data={"content": "饭菜太咸"}, cadre=huangpu_people["wang"])
    admin = login("huangpu", "fa-admin", Role.CENTRE_ADMIN)
    url = f"{BASE}submissions/{submission.pk}/"
    html = page(admin.get(url))
    assert re.findall(r'data-fe-move="(\w+)">([^<]+)<', html) == [("assigned", "分派"), ("escalated", "上报市局")]
    assert admin.post(url + "move/", {"to": "closed"}).status_code == 302  # not allowed from 已受理
    admin.post(url + "move/", {"to": "assigned"})
    admin.post(url + "assign/", {"staff": str(huangpu_people["liaison"].pk)})
    admin.post(url + "comment/", {"text": "已电话联系<script>"})
    admin.post(url + "edit/", {"content": "饭菜太咸，已改善"})
    with schema_context("huangpu"):
        submission.refresh_from_db()
        assert (submission.state, submission.assignee_id, submission.data) == (
            "assigned",
            huangpu_people["liaison"].pk,
            {"content": "饭菜太咸，已改善"},
        )
    html = page(admin.get(url))
    rows = re.findall(r'<tr data-kind="(\w+)">\s*<td>[^<]+</td>\s*<td>([^<]+)</td>\s*(.*?)</tr>', html, re.S)
    cells = [(kind, who, re.sub(r"<[^>]+>", "|", rest).replace("\n", "").replace(" ", "")) for kind, who, rest in rows]
    assert [(kind, who) for kind, who, _ in cells] == [
        ("state", "fa-admin"),
        ("assign", "fa-admin"),
        ("comment", "fa-admin"),
        ("answer", "fa-admin"),
    ]
    assert "已受理" in cells[0][2] and "已分派" in cells[0][2] and "李联络" in cells[1][2]
    assert "已电话联系&lt;script&gt;" in cells[2][2]
    assert "投诉内容||饭菜太咸||饭菜太咸，已改善|" in cells[3][2]
    assert "当前状态下不能进行此操作。" in page(admin.post(url + "move/", {"to": "closed"}, follow=True))


def test_a_caseworker_gets_404_on_another_homes_cadres_submission_and_changes_nothing(huangpu_people):
    with schema_context("huangpu"):
        form = complaint_form()
        form.access = {"fill": ["caseworker"], "view": ["caseworker"], "edit": ["caseworker"], "move": ["caseworker"]}
        form.save()
        theirs = submission_create(form=form, data={"content": "西所的投诉"}, cadre=huangpu_people["zhao"])
        mine = submission_create(form=form, data={"content": "东所的投诉"}, cadre=huangpu_people["wang"])
        before = (Submission.objects.get(pk=theirs.pk).data, SubmissionChange.objects.count())
    caseworker = liaison_client()
    listing = page(caseworker.get(f"{BASE}{form.pk}/submissions/"))
    assert re.findall(r'<tr data-submission="(\d+)">', listing) == [str(mine.pk)]
    url = f"{BASE}submissions/{theirs.pk}/"
    assert caseworker.get(url).status_code == 404 and caseworker.get(url + "edit/").status_code == 404
    for action, data in [("edit/", {"content": "改"}), ("move/", {"to": "assigned"}), ("comment/", {"text": "x"})]:
        assert caseworker.post(url + action, data).status_code == 404
    # Filling in about a cadre of another rest home is refused the same way.
    assert (
        caseworker.post(
            f"{BASE}{form.pk}/submissions/new/", {"cadre": huangpu_people["zhao"].pk, "content": "x"}
        ).status_code
        == 404
    )
    with schema_context("huangpu"):
        assert (Submission.objects.get(pk=theirs.pk).data, SubmissionChange.objects.count()) == before
        assert Submission.objects.get(pk=theirs.pk).state == "received" and Submission.objects.count() == 2
    assert page(caseworker.get(f"{BASE}submissions/{mine.pk}/"))


def test_filling_in_through_the_admin_links_the_cadre_and_shows_errors_in_place(huangpu_people):
    with schema_context("huangpu"):
        form = build_visit_form("visit-fill")
    caseworker = liaison_client()
    url = f"{BASE}{form.pk}/submissions/new/"
    html = page(caseworker.get(url))
    # The cadre is picked through the searchable chooser (tests/registry/test_choosers.py), not a list.
    assert '<input type="hidden" name="cadre" id="fe-cadre-link">' in html
    assert 'new Chooser("fe-cadre-link", {"modalUrl": "/admin/registry/choose/cadre/"});' in html
    assert "<option" not in html.split('id="fe-cadre-link-label"')[1].split('class="fe-field')[0]
    html = page(caseworker.post(url, {"visit_type": "hospital", "minutes": "0", "visitors-rows": "1"}))
    assert '<p class="fe-error">此问题必须回答。</p>' in html.split('data-name="hospital"')[1].split("</div>")[0]
    html = page(caseworker.post(url, {"visitors-rows": "1", "visitors-0-visitor": "甲", "_add_row": "visitors"}))
    assert 'name="visitors-rows" value="2"' in html
    response = caseworker.post(
        url,
        {
            "cadre": huangpu_people["wang"].pk,
            "visit_type": "call",
            "minutes": "20",
            "visitors-rows": "1",
            "visitors-0-visitor": "李联络",
        },
    )
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=form)
        assert (submission.cadre_id, submission.data["minutes"], submission.created_by.username) == (
            huangpu_people["wang"].pk,
            20,
            "liaison",
        )
    assert response["Location"] == f"{BASE}submissions/{submission.pk}/"


def test_a_form_filled_with_chosen_people_stores_their_ids(huangpu_people):
    with schema_context("huangpu"):
        form = form_create(title="探访", key="chooser-visit")
        form_field_add(form=form, name="who", field_type="cadre", label="军休干部", required=True)
        form_field_add(form=form, name="by", field_type="staff", label="联络员")
        form_publish(form=form)
    people = huangpu_people
    admin = login("huangpu", "fc-admin", Role.CENTRE_ADMIN)
    url = f"{BASE}{form.pk}/submissions/new/"
    html = page(admin.get(url))
    for name, kind in (("who", "cadre"), ("by", "staff")):
        assert f'<input type="hidden" name="{name}" id="fe-{name}">' in html
        assert f'new Chooser("fe-{name}", {{"modalUrl": "/admin/registry/choose/{kind}/"}});' in html
    response = admin.post(url, {"cadre": people["zeng"].pk, "who": people["zhao"].pk, "by": people["liaison"].pk})
    assert response.status_code == 302
    with schema_context("huangpu"):
        submission = Submission.objects.get(form=form)
        assert (submission.cadre_id, submission.data) == (
            people["zeng"].pk,
            {"who": people["zhao"].pk, "by": people["liaison"].pk},
        )
    # Editing shows the chosen people by name in their choosers.
    html = page(admin.get(f"{BASE}submissions/{submission.pk}/edit/"))
    assert f'<input type="hidden" name="who" value="{people["zhao"].pk}" id="fe-who">' in html
    assert re.findall(r"data-chooser-title [^>]*>([^<]+)<", html) == ["赵建华", "李联络"]


def test_export_runs_in_the_background_and_the_download_is_logged(huangpu_people, django_capture_on_commit_callbacks):
    with schema_context("huangpu"):
        form = complaint_form()
        first = submission_create(form=form, data={"content": '=HYPERLINK("x")'})
    admin = login("huangpu", "fa-admin", Role.CENTRE_ADMIN)
    with django_capture_on_commit_callbacks() as callbacks:
        assert admin.post(f"{BASE}{form.pk}/export/", {"state": "received"}).status_code == 302
    assert len(callbacks) == 1
    connection.set_schema_to_public()
    html = page(admin.get(BASE + "exports/"))
    assert '<meta http-equiv="refresh" content="3">' in html and 'data-status="queued"' in html
    with schema_context("huangpu"):
        job = ExportJob.objects.get(form=form)
        assert job.params == {"state": "received"}
        submissions_export_write(job=job)
    html = page(admin.get(BASE + "exports/"))
    assert "http-equiv" not in html and f"{BASE}exports/{job.pk}/download/" in html and "1 / 1" in html
    response = admin.get(f"{BASE}exports/{job.pk}/download/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    with schema_context("huangpu"):
        assert list(AccessLog.objects.values_list("username", "action", "channel", "model", "record_ids")) == [
            ("fa-admin", "export", "export", "Submission", [first.pk])
        ]
    # Someone else, even one who may view the form, cannot download another person's export.
    viewer = login("huangpu", "fa-viewer", Role.VIEWER)
    assert viewer.get(f"{BASE}exports/{job.pk}/download/").status_code == 404


def test_putuo_never_sees_huangpus_forms_submissions_or_exports(huangpu_people):
    with schema_context("huangpu"):
        form = complaint_form()
        submission = submission_create(form=form, data={"content": "黄浦的投诉"})
        hp_admin = make_user("huangpu", "fa-admin", groups=(role_group_name(Role.CENTRE_ADMIN),))
        job = submissions_export_write(job=ExportJob.objects.create(form=form, created_by=hp_admin))
    with schema_context("putuo"):
        other = form_create(title="普陀问卷", key="putuo-only")
    putuo = login("putuo", "fa-admin", Role.CENTRE_ADMIN)
    html = page(putuo.get(BASE))
    assert "普陀问卷" in html and "投诉" not in html
    for url in [
        f"{BASE}submissions/{submission.pk}/",
        f"{BASE}exports/{job.pk}/download/",
    ]:
        assert putuo.get(url).status_code == 404
    if other.pk != form.pk:
        assert putuo.get(f"{BASE}{form.pk}/submissions/").status_code == 404
    assert putuo.post(f"{BASE}submissions/{submission.pk}/move/", {"to": "assigned"}).status_code == 404
    assert "黄浦" not in page(putuo.get(BASE + "exports/"))
    with schema_context("huangpu"):
        assert Submission.objects.get(pk=submission.pk).state == "received"
        assert FormField.objects.filter(form=form).count() == 1


def sidebar_items(client) -> list[tuple[str, str]]:
    html = client.get("/admin/").content.decode()
    props = json.loads(re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html)[1])
    menu = next(m for m in props["modules"] if m["_type"] == "wagtail.sidebar.MainMenuModule")
    return [(item["_args"][0]["name"], item["_args"][0]["label"]) for item in menu["_args"][0]]


def test_the_forms_menu_and_list_queries_stay_bounded(huangpu_people, django_assert_max_num_queries):
    admin = login("huangpu", "fa-admin", Role.CENTRE_ADMIN)
    assert ("forms-engine", "表单") in sidebar_items(admin)
    editor = login("huangpu", "fa-editor", Role.EDITOR)
    assert "forms-engine" not in [name for name, _label in sidebar_items(editor)]
    with schema_context("huangpu"):
        form = complaint_form()
        for n in range(3):
            submission_create(form=form, data={"content": f"第{n}条"}, cadre=huangpu_people["wang"])
    url = f"{BASE}{form.pk}/submissions/"
    with django_assert_max_num_queries(30) as few:
        page(admin.get(url))
    with schema_context("huangpu"):
        for n in range(20):
            submission_create(form=form, data={"content": f"又{n}条"}, cadre=huangpu_people["zeng"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(re.findall(r"<tr data-submission=", page(admin.get(url)))) == 23

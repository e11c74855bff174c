"""The forms API: definitions and versions by role, submissions validated as in the page, masking, isolation."""

import pytest
from django.urls import include, path
from django_tenants.utils import schema_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from forms_engine.models import FormDefinition, Submission, SubmissionChange
from forms_engine.services import form_create, form_field_add, form_field_update, form_publish, submission_create
from registry.idcard import resident_id_make
from registry.models import AccessLog
from tenants.roles import Role, role_group_name
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

API = "/api/forms/"
ID_NUMBER = resident_id_make("310101", __import__("datetime").date(1950, 3, 4), 77)
MASKED = "*" * 17 + ID_NUMBER[-1]  # registry.masking: only the last character


def api_client(code: str, user):
    client = client_for(code)
    with schema_context(code):
        client.force_login(user)
    return client


def role_user(code: str, username: str, role: Role):
    return make_user(code, username, groups=(role_group_name(role),))


def build_intake(code: str = "huangpu", key: str = "intake", access: dict | None = None) -> FormDefinition:
    with schema_context(code):
        form = form_create(title="来访登记", key=key, purpose="visit", access=access)
        form_field_add(form=form, name="visitor", field_type="text", label="来访人", required=True, max_length=20)
        form_field_add(form=form, name="id_card", field_type="id_number", label="身份证号")
        form_field_add(form=form, name="age", field_type="integer", label="年龄", min_value=0, max_value=130)
        form_field_add(
            form=form,
            name="escort",
            field_type="text",
            label="陪同人",
            relevant="${age} >= 80",
            required_if="${age} >= 90",
        )
        form_publish(form=form)
        return form


@pytest.fixture
def intake(huangpu_people):
    return build_intake()


@pytest.fixture
def admin(centres):
    return role_user("huangpu", "forms-admin", Role.CENTRE_ADMIN)


@pytest.fixture
def viewer(centres):
    return role_user("huangpu", "forms-viewer", Role.VIEWER)


def submission_rows(code: str = "huangpu") -> list[tuple]:
    with schema_context(code):
        return list(Submission.objects.order_by("pk").values_list("form__key", "data", "state", "channel"))


def test_forms_are_listed_and_read_only_as_their_access_allows(intake, admin, viewer):
    build_intake(key="board-only", access={"fill": [], "view": [], "edit": [], "move": []})
    listed = api_client("huangpu", viewer).get(API)
    assert listed.status_code == 200
    assert [(f["key"], f["current_version"]) for f in listed.json()] == [("intake", 1)]
    assert sorted(f["key"] for f in api_client("huangpu", admin).get(API).json()) == ["board-only", "intake"]
    viewer_client = api_client("huangpu", viewer)
    assert viewer_client.get(f"{API}board-only/").status_code == 404
    assert viewer_client.get(f"{API}board-only/versions/1/").status_code == 404
    assert (
        viewer_client.post(f"{API}board-only/submissions/", {"data": {}}, content_type="application/json").status_code
        == 404
    )
    assert viewer_client.get(f"{API}nothing/").status_code == 404
    detail = viewer_client.get(f"{API}intake/").json()
    assert (detail["title"], detail["current_version"], [v["number"] for v in detail["versions"]]) == (
        "来访登记",
        1,
        [1],
    )
    assert [f["name"] for f in detail["schema"]["fields"]] == ["visitor", "id_card", "age", "escort"]
    assert client_for("huangpu").get(API).status_code in (401, 403)


def test_versions_keep_their_own_fields(intake, admin):
    with schema_context("huangpu"):
        field = intake.fields.get(name="visitor")
        form_field_update(field=field, label="来访人姓名")
        form_publish(form=intake)
    client = api_client("huangpu", admin)
    versions = client.get(f"{API}intake/versions/").json()
    assert [(v["number"], v["schema"]["fields"][0]["label"]) for v in versions] == [(2, "来访人姓名"), (1, "来访人")]
    assert client.get(f"{API}intake/versions/1/").json()["schema"]["fields"][0]["label"] == "来访人"
    assert client.get(f"{API}intake/versions/3/").status_code == 404


def test_a_submission_is_created_as_in_the_page_and_refused_field_by_field(intake, huangpu_people):
    liaison = api_client("huangpu", huangpu_people["liaison"].user)
    wang = huangpu_people["wang"]
    made = liaison.post(
        f"{API}intake/submissions/",
        {"data": {"visitor": "王德胜", "id_card": ID_NUMBER, "age": "86", "escort": "王小明"}, "cadre": wang.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["form"], body["version"], body["state"], body["cadre"], body["channel"]) == (
        "intake",
        1,
        "submitted",
        wang.pk,
        "api",
    )
    # A liaison sees contact data, not identity: the ID number they typed comes back masked.
    assert body["data"] == {"visitor": "王德胜", "id_card": MASKED, "age": 86, "escort": "王小明"}
    before = submission_rows()
    refused = liaison.post(
        f"{API}intake/submissions/",
        {"data": {"visitor": "", "id_card": "310101195003040000", "age": 40, "escort": "x", "extra": 1}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "data": {
            "extra": ["此表单没有这个字段。"],
            "visitor": ["此问题必须回答。"],
            "id_card": ["身份证号的校验位不正确，请逐位核对。"],
            "escort": ["该问题因条件而隐藏，必须留空。"],
        }
    }
    assert submission_rows() == before
    # A cadre the liaison may not see is refused like a missing one.
    hidden = liaison.post(
        f"{API}intake/submissions/",
        {"data": {"visitor": "赵建华"}, "cadre": huangpu_people["zhao"].pk},
        content_type="application/json",
    )
    assert hidden.status_code == 400 and list(hidden.json()) == ["cadre"]
    assert submission_rows() == before


def test_id_numbers_are_masked_unless_the_user_may_see_them_and_unmasked_reads_are_logged(intake, admin, viewer):
    with schema_context("huangpu"):
        submission = submission_create(form=intake, data={"visitor": "王德胜", "id_card": ID_NUMBER, "age": 70})
        assert submission.data["id_card"].startswith("enc:")
    url = f"{API}submissions/{submission.pk}/"
    assert api_client("huangpu", viewer).get(url).json()["data"]["id_card"] == MASKED
    listed = api_client("huangpu", viewer).get(f"{API}intake/submissions/").json()
    assert (listed["count"], listed["results"][0]["data"]["id_card"]) == (1, MASKED)
    with schema_context("huangpu"):
        assert AccessLog.objects.count() == 0
    assert api_client("huangpu", admin).get(url).json()["data"]["id_card"] == ID_NUMBER
    with schema_context("huangpu"):
        assert list(
            AccessLog.objects.values_list("username", "action", "channel", "model", "record_ids", "fields")
        ) == [("forms-admin", "view", "api", "Submission", [submission.pk], ["intake:id_card"])]


def test_submissions_of_other_cadres_are_404_across_roles(intake, huangpu_people, admin, viewer):
    with schema_context("huangpu"):
        about_zhao = submission_create(form=intake, data={"visitor": "赵建华"}, cadre=huangpu_people["zhao"])
        about_wang = submission_create(form=intake, data={"visitor": "王德胜"}, cadre=huangpu_people["wang"])
    liaison = api_client("huangpu", huangpu_people["liaison"].user)
    assert liaison.get(f"{API}submissions/{about_zhao.pk}/").status_code == 404  # west rest home: not theirs
    assert liaison.get(f"{API}submissions/{about_wang.pk}/").status_code == 200
    assert liaison.get(f"{API}submissions/999999/").status_code == 404
    assert [s["id"] for s in liaison.get(f"{API}intake/submissions/").json()["results"]] == [about_wang.pk]
    assert api_client("huangpu", viewer).get(f"{API}submissions/{about_zhao.pk}/").status_code == 200
    health = role_user("huangpu", "nobody-role", Role.EDITOR)
    assert api_client("huangpu", health).get(f"{API}submissions/{about_wang.pk}/").status_code == 404
    assert api_client("huangpu", health).get(f"{API}intake/").status_code == 404


def test_update_and_move_as_permitted(intake, huangpu_people, admin, viewer):
    with schema_context("huangpu"):
        submission = submission_create(
            form=intake, data={"visitor": "王德胜", "id_card": ID_NUMBER, "age": 85}, cadre=huangpu_people["wang"]
        )
    url = f"{API}submissions/{submission.pk}/"
    # A viewer may read but not edit or move.
    refused = api_client("huangpu", viewer).patch(url, {"data": {"age": 86}}, content_type="application/json")
    assert refused.status_code == 403
    assert (
        api_client("huangpu", viewer).post(f"{url}move/", {"to": "closed"}, content_type="application/json").status_code
        == 403
    )
    assert submission_rows()[0][1]["age"] == 85
    liaison = api_client("huangpu", huangpu_people["liaison"].user)
    changed = liaison.patch(url, {"data": {"age": 91, "escort": "王小明"}}, content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["data"] == {"visitor": "王德胜", "id_card": MASKED, "age": 91, "escort": "王小明"}
    bad = liaison.patch(url, {"data": {"age": 200}}, content_type="application/json")
    assert (bad.status_code, bad.json()) == (
        400,
        {"data": {"age": ["不能大于 130。"], "escort": ["该问题因条件而隐藏，必须留空。"]}},
    )
    with schema_context("huangpu"):
        assert Submission.objects.get(pk=submission.pk).data["age"] == 91
        # The untouched ID number is re-encrypted by submission_update; its history row is left to the service.
        changes = SubmissionChange.objects.filter(submission=submission).exclude(field="id_card")
        assert list(changes.values_list("field", "old", "new")) == [
            ("age", 85, 91),
            ("escort", None, "王小明"),
        ]
    # The liaison may not move (no role has "move" by default); the centre admin may.
    assert liaison.post(f"{url}move/", {"to": "closed"}, content_type="application/json").status_code == 403
    admin_client = api_client("huangpu", admin)
    wrong = admin_client.post(f"{url}move/", {"to": "answered"}, content_type="application/json")
    assert (wrong.status_code, wrong.json()) == (400, {"to": ["当前状态下不能进行此操作。"]})
    moved = admin_client.post(f"{url}move/", {"to": "closed", "comment": "已办结"}, content_type="application/json")
    assert (moved.status_code, moved.json()["state"]) == (200, "closed")


def test_a_huangpu_token_works_on_huangpu_and_is_refused_on_putuo(intake, admin):
    with schema_context("huangpu"):
        token = Token.objects.create(user=admin).key
    header = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert [f["key"] for f in client_for("huangpu").get(API, **header).json()] == ["intake"]
    made = client_for("huangpu").post(
        f"{API}intake/submissions/", {"data": {"visitor": "王德胜"}}, content_type="application/json", **header
    )
    assert made.status_code == 201
    refused = client_for("putuo").get(API, **header)
    assert (refused.status_code, refused.json()) == (401, {"detail": "认证令牌无效。"})
    assert (
        client_for("putuo")
        .post(f"{API}intake/submissions/", {"data": {"visitor": "x"}}, content_type="application/json", **header)
        .status_code
        == 401
    )


def test_huangpu_forms_and_submissions_are_invisible_from_putuo(intake):
    with schema_context("huangpu"):
        submission = submission_create(form=intake, data={"visitor": "王德胜"})
    putuo_admin = role_user("putuo", "putuo-admin", Role.CENTRE_ADMIN)
    putuo = api_client("putuo", putuo_admin)
    assert putuo.get(API).json() == []
    assert putuo.get(f"{API}intake/").status_code == 404
    assert putuo.get(f"{API}intake/submissions/").status_code == 404
    assert putuo.get(f"{API}submissions/{submission.pk}/").status_code == 404
    assert (
        putuo.post(f"{API}intake/submissions/", {"data": {"visitor": "x"}}, content_type="application/json").status_code
        == 404
    )
    assert submission_rows("putuo") == []
    assert len(submission_rows("huangpu")) == 1


def test_the_schema_lists_the_forms_api(admin):
    response = api_client("huangpu", admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {p for p in paths if p.startswith(API)} == {
        "/api/forms/",
        "/api/forms/{key}/",
        "/api/forms/{key}/versions/",
        "/api/forms/{key}/versions/{number}/",
        "/api/forms/{key}/submissions/",
        "/api/forms/submissions/{id}/",
        "/api/forms/submissions/{id}/move/",
    }
    assert set(paths["/api/forms/{key}/submissions/"]) == {"get", "post"}
    assert set(paths["/api/forms/submissions/{id}/"]) == {"get", "put", "patch"}
    GENERATOR_STATS.reset()
    with schema_context("huangpu"):
        SchemaGenerator(patterns=[path("api/forms/", include("forms_engine.api.urls"))]).get_schema(public=True)
    assert (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)) == ({}, {})

"""Public forms: only public, published forms are served; CSRF, honeypot, rate limits, receipts, escaping, isolation."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from forms_engine.models import Submission
from forms_engine.personal import answers_reveal, reveal
from forms_engine.services import form_create, form_field_add, form_publish, submission_move
from tests.conftest import client_for, host

SCRIPT = "<script>alert(1)</script>"


def build_complaint_form(*, key: str = "complaint", public: bool = True, publish: bool = True):
    form = form_create(title="意见建议", key=key, purpose="complaint", public=public, description="请如实填写")
    form_field_add(
        form=form,
        name="topic",
        field_type="choice",
        label="类别",
        required=True,
        choices=[{"value": "meal", "label": "助餐"}, {"value": "other", "label": "其他"}],
    )
    form_field_add(
        form=form,
        name="other_topic",
        field_type="text",
        label="其他类别",
        relevant="${topic} = 'other'",
        required_if="${topic} = 'other'",
    )
    form_field_add(form=form, name="content", field_type="textarea", label="内容", required=True)
    form_field_add(form=form, name="phone", field_type="phone", label="联系电话")
    if publish:
        form_publish(form=form)
    return form


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def complaint_form(centres):
    with schema_context("huangpu"):
        return build_complaint_form()


def stored(code: str = "huangpu") -> list[tuple]:
    with schema_context(code):
        rows = Submission.objects.order_by("pk").values_list("form__key", "data", "channel", "state", "created_by")
        return [(key, answers_reveal(data), *rest) for key, data, *rest in rows]  # phone numbers are stored sealed


def answers(**extra) -> dict:
    return {"topic": "meal", "content": "饭菜偏咸", **extra}


@pytest.mark.django_db
def test_get_renders_the_form_with_its_conditions(complaint_form):
    response = client_for("huangpu").get("/forms/complaint/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>意见建议</h1>" in html
    assert 'data-name="other_topic"' in html
    assert 'data-relevant="[&quot;op&quot;, &quot;=&quot;, [&quot;ref&quot;, &quot;topic&quot;]' in html
    assert "forms_engine/conditions.js" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="website"' in html  # the honeypot
    assert 'id="fe-limits"' in html


@pytest.mark.django_db
def test_a_valid_post_stores_a_public_submission_and_shows_its_receipt(complaint_form):
    client = client_for("huangpu")
    response = client.post("/forms/complaint/", answers(topic="other", other_topic="出行", phone="138 0013 8000"))
    assert response.status_code == 302
    assert stored() == [
        (
            "complaint",
            {"topic": "other", "other_topic": "出行", "content": "饭菜偏咸", "phone": "13800138000"},
            "public",
            "received",
            None,
        )
    ]
    with schema_context("huangpu"):
        receipt = Submission.objects.get().receipt
    assert response["Location"] == f"/forms/complaint/done/{receipt}/"
    page = client.get(response["Location"]).content.decode()
    assert f'<strong id="receipt-number">{receipt}</strong>' in page
    assert "谢谢，我们已收到" in page


@pytest.mark.django_db
def test_invalid_answers_are_refused_field_by_field_and_nothing_is_stored(complaint_form):
    response = client_for("huangpu").post("/forms/complaint/", {"topic": "other", "phone": "12345"})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="fe-error"') >= 3
    assert "This question must be answered." not in html  # shown in Chinese
    assert stored() == []


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["not_public", "draft_only", "missing"])
def test_only_public_published_forms_are_served(centres, case):
    with schema_context("huangpu"):
        if case == "not_public":
            build_complaint_form(key="inside", public=False)
        elif case == "draft_only":
            build_complaint_form(key="inside", publish=False)
    client = client_for("huangpu")
    assert client.get("/forms/inside/").status_code == 404
    assert client.post("/forms/inside/", answers()).status_code == 404
    assert stored() == []


@pytest.mark.django_db
def test_csrf_is_enforced(complaint_form):
    client = Client(HTTP_HOST=host("huangpu"), enforce_csrf_checks=True)
    assert client.post("/forms/complaint/", answers()).status_code == 403
    assert stored() == []
    page = client.get("/forms/complaint/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post("/forms/complaint/", {**answers(), "csrfmiddlewaretoken": token}).status_code == 302
    assert len(stored()) == 1


@pytest.mark.django_db
def test_a_filled_honeypot_pretends_success_and_stores_nothing(complaint_form):
    response = client_for("huangpu").post("/forms/complaint/", {**answers(), "website": "http://spam.example"})
    assert response.status_code == 200
    assert re.search(r'<strong id="receipt-number">[0-9A-F]{12}</strong>', response.content.decode())
    assert stored() == []


@pytest.mark.django_db
def test_five_forms_per_ten_minutes_from_one_address(complaint_form):
    client = client_for("huangpu")
    codes = [client.post("/forms/complaint/", answers(), REMOTE_ADDR="10.1.1.1").status_code for _ in range(6)]
    assert codes == [302, 302, 302, 302, 302, 429]
    refused = client.post("/forms/complaint/", answers(), REMOTE_ADDR="10.1.1.1")
    assert "过去几分钟内从此网络发送的表单过多，请稍后再试。" in refused.content.decode()
    assert len(stored()) == 5
    # Another address is not held up; refused attempts and invalid posts do not count.
    assert client.post("/forms/complaint/", {}, REMOTE_ADDR="10.1.1.2").status_code == 400
    assert client.post("/forms/complaint/", answers(), REMOTE_ADDR="10.1.1.2").status_code == 302
    assert len(stored()) == 6


@pytest.mark.django_db
def test_three_forms_per_hour_per_phone_number(complaint_form):
    client = client_for("huangpu")
    codes = [
        client.post("/forms/complaint/", answers(phone=phone), REMOTE_ADDR=f"10.2.0.{i}").status_code
        for i, phone in enumerate(["13800138000", "138 0013 8000", "13800138000", "138-0013-8000"])
    ]
    # The fourth is refused even though its spelling differs ("-" is not a valid phone anyway, so it's normalised first)
    assert codes == [302, 302, 302, 429]
    assert client.post("/forms/complaint/", answers(phone="13800138000"), REMOTE_ADDR="10.2.1.1").status_code == 429
    assert client.post("/forms/complaint/", answers(phone="13900139000"), REMOTE_ADDR="10.2.1.1").status_code == 302
    assert client.post("/forms/complaint/", answers(), REMOTE_ADDR="10.2.1.2").status_code == 302
    with schema_context("huangpu"):
        phones = [reveal(p) for p in Submission.objects.order_by("pk").values_list("data__phone", flat=True)]
    assert phones == ["13800138000", "13800138000", "13800138000", "13900139000", None]


@pytest.mark.django_db
def test_receipt_lookup_shows_title_state_and_date_but_no_answers(complaint_form):
    client = client_for("huangpu")
    client.post("/forms/complaint/", answers(content="秘密内容"))
    with schema_context("huangpu"):
        submission = Submission.objects.get()
        submission_move(submission=submission, to="assigned")
    page = client.get("/forms/status/", {"receipt": submission.receipt.lower()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<dd>意见建议</dd>" in html
    assert "<dd>已分派</dd>" in html
    assert "秘密内容" not in html and "助餐" not in html
    missing = client.get("/forms/status/", {"receipt": "000000000000"})
    assert missing.status_code == 404
    assert 'id="status-result"' in missing.content.decode()
    assert client.get("/forms/status/").status_code == 200


@pytest.mark.django_db
def test_receipts_of_forms_that_are_not_public_are_not_looked_up(centres):
    with schema_context("huangpu"):
        form = build_complaint_form(key="inside", public=False)
        from forms_engine.services import submission_create

        receipt = submission_create(form=form, data=answers()).receipt
    assert client_for("huangpu").get("/forms/status/", {"receipt": receipt}).status_code == 404


@pytest.mark.django_db
def test_markup_in_labels_help_and_answers_shows_as_text(centres):
    with schema_context("huangpu"):
        form = form_create(title=f"标题{SCRIPT}", key="xss", public=True, description=SCRIPT)
        form_field_add(form=form, name="a", field_type="text", label=f"问题{SCRIPT}", help_text=f"说明{SCRIPT}")
        form_field_add(form=form, name="n", field_type="integer", label="数字")
        form_publish(form=form)
    client = client_for("huangpu")
    html = client.get("/forms/xss/").content.decode()
    assert SCRIPT not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5  # title (head + h1), description, label, help
    refused = client.post("/forms/xss/", {"a": SCRIPT, "n": "x"}).content.decode()
    assert SCRIPT not in refused
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in refused
    client.post("/forms/xss/", {"a": SCRIPT})
    with schema_context("huangpu"):
        receipt = Submission.objects.get().receipt
    assert SCRIPT not in client.get("/forms/status/", {"receipt": receipt}).content.decode()


@pytest.mark.django_db
def test_forms_and_receipts_of_one_centre_are_unknown_on_another(complaint_form):
    with schema_context("putuo"):
        putuo_form = build_complaint_form(key="putuo-only")
    assert client_for("putuo").get("/forms/complaint/").status_code == 404
    assert client_for("putuo").post("/forms/complaint/", answers()).status_code == 404
    assert client_for("putuo").post("/forms/putuo-only/", answers()).status_code == 302
    with schema_context("putuo"):
        receipt = Submission.objects.get(form=putuo_form).receipt
    assert client_for("huangpu").get("/forms/status/", {"receipt": receipt}).status_code == 404
    assert client_for("putuo").get("/forms/status/", {"receipt": receipt}).status_code == 200
    assert client_for("huangpu").get(f"/forms/putuo-only/done/{receipt}/").status_code == 404
    assert stored("huangpu") == []


@pytest.mark.django_db
def test_a_form_page_shows_the_public_form_and_posts_to_its_url(complaint_form):
    from content.models import FormPage, HomePage

    with schema_context("huangpu"):
        home = HomePage.objects.get()
        page = FormPage(title="给我们提意见", slug="feedback", intro="欢迎来信", form=complaint_form)
        home.add_child(instance=page)
        page.save_revision().publish()
    client = client_for("huangpu")
    html = client.get("/feedback/").content.decode()
    assert "<h1>给我们提意见</h1>" in html
    assert 'action="/forms/complaint/"' in html
    assert 'data-name="other_topic"' in html
    api = client.get("/api/v2/pages/", {"type": "content.FormPage", "fields": "intro,form_key,form_url"}).json()
    assert [(p["title"], p["intro"], p["form_key"], p["form_url"]) for p in api["items"]] == [
        ("给我们提意见", "欢迎来信", "complaint", "/forms/complaint/")
    ]
    with schema_context("huangpu"):
        complaint_form.public = False
        complaint_form.save()
    assert "此表单暂未开放。" in client.get("/feedback/").content.decode()
    assert client_for("putuo").get("/feedback/").status_code == 404

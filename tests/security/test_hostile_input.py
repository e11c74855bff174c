"""Hostile input (NUL, lone surrogates, deep JSON) is refused with 400 and a Chinese message, and nothing is stored."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from tests.conftest import client_for, host
from tests.forms_engine.test_api import admin, api_client, build_intake, submission_rows  # noqa: F401
from tests.forms_engine.test_public import build_complaint_form, stored

pytestmark = pytest.mark.django_db

REFUSED = "无法处理"  # part of every refusal of hostile input


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def complaint_form(centres):
    with schema_context("huangpu"):
        return build_complaint_form()


@pytest.fixture
def intake(centres):
    return build_intake()


def refused_page(response) -> str:
    assert response.status_code == 400
    text = response.content.decode()
    assert REFUSED in text
    return text


@pytest.mark.parametrize(
    "body",
    [
        "topic=meal&content=%E9%A5%AD%00%E8%8F%9C",  # NUL
        "topic=meal&content=%ED%A0%80",  # a lone surrogate, UTF-8 encoded
        "topic=meal&content%00=x&content=ok",  # NUL in a name
    ],
)
def test_a_public_form_post_with_nul_or_a_lone_surrogate_is_refused(complaint_form, body):
    response = client_for("huangpu").post("/forms/complaint/", body, content_type="application/x-www-form-urlencoded")
    assert "<html" in refused_page(response)
    assert stored() == []


def test_a_multipart_public_form_post_with_nul_is_refused(complaint_form):
    response = client_for("huangpu").post("/forms/complaint/", {"topic": "meal", "content": "饭菜\x00偏咸"})
    refused_page(response)
    assert stored() == []


@pytest.mark.parametrize(
    "body",
    [
        '{"data": {"visitor": "王\\u0000德胜"}}',
        '{"data": {"visitor": "王\\ud800德胜"}}',
        '{"data": {"visitor\\u0000": "王德胜"}}',
        '{"data": {"visitor": "王德胜", "notes": ["\\udfff"]}}',
    ],
)
def test_an_api_json_body_with_nul_or_a_lone_surrogate_is_refused(intake, admin, body):  # noqa: F811
    before = submission_rows()
    response = api_client("huangpu", admin).post(
        "/api/forms/intake/submissions/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert REFUSED in response.json()["detail"]
    assert submission_rows() == before


def test_a_json_body_nested_a_thousand_deep_is_refused(intake, admin):  # noqa: F811
    before = submission_rows()
    body = '{"data": {"visitor": ' + "[" * 1000 + "]" * 1000 + "}}"
    response = api_client("huangpu", admin).post(
        "/api/forms/intake/submissions/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]
    assert submission_rows() == before


def test_a_shallow_json_body_still_works(intake, admin):  # noqa: F811
    response = api_client("huangpu", admin).post(
        "/api/forms/intake/submissions/", {"data": {"visitor": "王德胜"}}, content_type="application/json"
    )
    assert response.status_code == 201
    assert [row[1]["visitor"] for row in submission_rows()] == ["王德胜"]


@pytest.mark.parametrize("query", ["q=%00", "q=%E9%A5%AD%00", "q=%ED%A0%80", "q=ok&page=%00"])
def test_site_search_with_nul_or_a_lone_surrogate_is_refused(centres, query):
    refused_page(client_for("huangpu").get(f"/search/?{query}"))


@pytest.mark.parametrize("query", ["html_path=%00", "html_path=/%00/", "html_path=%ED%A0%80"])
def test_the_pages_api_find_with_nul_is_refused(centres, query):
    response = client_for("huangpu").get(f"/api/v2/pages/find/?{query}")
    assert response.status_code == 400
    assert REFUSED in response.json()["detail"]


def test_the_pages_api_find_view_itself_refuses_nul(centres):
    """Behind the middleware, too: the view answers 400, not 500."""
    from django.test import RequestFactory

    from content.api import ContentPagesAPIViewSet

    request = RequestFactory(HTTP_HOST=host("huangpu")).get("/api/v2/pages/find/", {"html_path": "/\x00/"})
    with schema_context("huangpu"):
        response = ContentPagesAPIViewSet.as_view({"get": "find_view"})(request)
        response.render()
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_a_page_path_with_nul_is_refused(centres):
    refused_page(client_for("huangpu").get("/news/%00/"))


def test_options_on_a_submission_detail_describes_it(intake, admin):  # noqa: F811
    client = api_client("huangpu", admin)
    made = client.post(
        "/api/forms/intake/submissions/", {"data": {"visitor": "王德胜"}}, content_type="application/json"
    )
    pk = made.json()["id"]
    before = submission_rows()
    response = client.options(f"/api/forms/submissions/{pk}/")
    assert response.status_code == 200
    assert set(response.json()["actions"]) == {"PUT"}
    assert client.options("/api/forms/submissions/999999/").status_code == 200  # missing: no actions, no 500
    assert "actions" not in client.options("/api/forms/submissions/999999/").json()
    assert submission_rows() == before

"""The headless API: filters by type, category and date, the signed preview, the schema, caching and query counts."""

from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from content.api import PREVIEW_MAX_AGE, PREVIEW_SALT, preview_url
from content.models import NoticePage
from tests.conftest import PASSWORD, client_for, make_user
from tests.content.conftest import make_activity, publish, section

pytestmark = pytest.mark.django_db

API = "/api/v2/pages/"


@contextmanager
def freeze_signing(*, seconds: int):
    """Signatures checked as if `seconds` had passed (signing reads time.time)."""
    real = time.time
    with mock.patch("django.core.signing.time.time", lambda: real() + seconds):
        yield


def notices(code: str, count: int, *, start: dt.date = dt.date(2026, 1, 1), prefix: str = "") -> list[NoticePage]:
    parent = section(code, "notices")
    with schema_context(code):
        return [
            publish(
                parent,
                NoticePage(
                    title=f"{prefix}{code}通知{n:02d}",
                    slug=f"{prefix or code}-n{n:02d}",
                    date=start + dt.timedelta(days=n * 7),
                    category="work_news" if n % 3 == 0 else "notice",
                    summary=f"摘要{n}",
                    body=[("paragraph", f"<p>正文{n}</p>")],
                ),
            )
            for n in range(count)
        ]


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def test_filters_by_type_category_and_date_range(centres):
    made = notices("huangpu", 10)  # dates 01-01, 01-08, … 03-05; work news at n = 0, 3, 6, 9
    make_activity("huangpu", title="书画笔会")
    client = client_for("huangpu")
    news = client.get(API, {"type": "content.NoticePage", "category": "work_news", "order": "date"})
    assert titles(news) == ["huangpu通知00", "huangpu通知03", "huangpu通知06", "huangpu通知09"]
    ranged = client.get(
        API, {"type": "content.NoticePage", "date_from": "2026-01-15", "date_to": "2026-02-05", "order": "-date"}
    )
    assert titles(ranged) == ["huangpu通知05", "huangpu通知04", "huangpu通知03", "huangpu通知02"]
    both = client.get(API, {"type": "content.NoticePage", "category": "notice", "date_to": "2026-01-15"})
    assert sorted(titles(both)) == ["huangpu通知01", "huangpu通知02"]
    activity_day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    activities = client.get(API, {"type": "content.ActivityPage", "date_from": activity_day, "fields": "place"})
    assert [(i["title"], i["place"]) for i in activities.json()["items"]] == [("书画笔会", "中心二楼书画室")]
    assert client.get(API, {"date_from": "2026-01-01"}).status_code == 400  # a date needs a type
    assert client.get(API, {"type": "content.NoticePage", "date_from": "1月1日"}).status_code == 400
    detail = client.get(f"{API}{made[0].pk}/").json()
    assert (detail["category"], detail["date"], detail["summary"]) == ("work_news", "2026-01-01", "摘要0")
    assert detail["body"] == [{"type": "paragraph", "value": "<p>正文0</p>", "id": detail["body"][0]["id"]}]


def test_list_endpoint_query_count_is_bounded(centres, django_assert_max_num_queries, settings):
    settings.JUNXIU_PAGE_CACHE_SECONDS = 300
    notices("huangpu", 20)
    client = client_for("huangpu")
    client.get("/")  # the site lookup and session machinery warmed up
    params = {"type": "content.NoticePage", "fields": "date,category,summary", "limit": 20}
    with CaptureQueriesContext(connection) as first:
        assert len(titles(client.get(API, {**params, "order": "-date"}))) == 20
    assert len(first.captured_queries) <= 15
    with django_assert_max_num_queries(15):
        client.get(API, {**params, "order": "date"})
    # A repeated anonymous request comes from the centre's cache: no query for the pages at all.
    with CaptureQueriesContext(connection) as cached:
        assert len(titles(client.get(API, {**params, "order": "-date"}))) == 20
    assert [q["sql"] for q in cached.captured_queries if "wagtailcore_page" in q["sql"]] == []


def test_cache_is_dropped_on_publish_and_unpublish_and_kept_per_centre(centres, settings):
    settings.JUNXIU_PAGE_CACHE_SECONDS = 300
    made = notices("huangpu", 2)
    huangpu, putuo = client_for("huangpu"), client_for("putuo")
    params = {"type": "content.NoticePage", "order": "title"}
    assert titles(huangpu.get(API, params)) == ["huangpu通知00", "huangpu通知01"]
    assert titles(putuo.get(API, params)) == []  # same path, other centre: its own entry
    with schema_context("huangpu"):
        made[0].unpublish()
    assert titles(huangpu.get(API, params)) == ["huangpu通知01"]
    notices("huangpu", 1, start=dt.date(2026, 6, 1), prefix="a")  # a title that sorts first
    assert titles(huangpu.get(API, params)) == ["ahuangpu通知00", "huangpu通知01"]
    assert titles(putuo.get(API, params)) == []


def test_preview_shows_the_latest_revision_with_a_valid_token_only(centres):
    page = notices("huangpu", 1)[0]
    with schema_context("huangpu"):
        page.title = "草稿标题"
        page.save_revision()  # not published
        url = preview_url(page=page)
    client = client_for("huangpu")
    preview = client.get(url)
    assert preview.status_code == 200
    assert (preview.json()["title"], preview.json()["id"]) == ("草稿标题", page.pk)
    assert preview["Cache-Control"] == "private, no-store"
    assert client.get(f"{API}{page.pk}/").json()["title"] == "huangpu通知00"  # the live one is unchanged
    with schema_context("huangpu"):
        page.title = "再改的草稿"
        page.save_revision()
    assert client.get(url).json()["title"] == "再改的草稿"  # the same link follows the newest revision
    token = url.split("token=")[1]
    assert client.get("/api/v2/preview/", {"token": token + "x"}).status_code == 404
    assert client.get("/api/v2/preview/").status_code == 404
    assert client_for("putuo").get(url).status_code == 404  # a huangpu token means nothing on putuo
    forged = signing.dumps({"s": "huangpu", "p": page.pk}, salt="another-salt")
    assert client.get("/api/v2/preview/", {"token": forged}).status_code == 404
    other_centre = signing.dumps({"s": "putuo", "p": page.pk}, salt=PREVIEW_SALT)
    assert client.get("/api/v2/preview/", {"token": other_centre}).status_code == 404
    with freeze_signing(seconds=PREVIEW_MAX_AGE + 5):
        assert client.get(url).status_code == 404  # an hour later the link is dead


def test_the_admin_gives_editors_a_preview_link(centres):
    page = notices("huangpu", 1)[0]
    make_user("huangpu", "hp-admin", superuser=True)
    admin = client_for("huangpu")
    admin.post("/admin/login/", {"username": "hp-admin", "password": PASSWORD})
    html = admin.get(f"/admin/content/pages/{page.pk}/preview-link/").content.decode()
    assert "http://huangpu.localhost/api/v2/preview/?token=" in html
    assert client_for("huangpu").get(f"/admin/content/pages/{page.pk}/preview-link/").status_code == 302


def test_openapi_schema_describes_the_pages_endpoints(centres):
    staff = make_user("huangpu", "schema-reader")
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(staff)  # the schema is for signed-in staff (issue 13, defect 8)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"/api/v2/pages/", "/api/v2/pages/{id}/", "/api/v2/pages/find/", "/api/v2/preview/"} <= set(paths)
    listing = paths["/api/v2/pages/"]["get"]
    assert listing["operationId"] == "pages_list"
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {"type", "fields", "category", "date_from", "date_to", "limit", "offset", "search"} <= names
    assert [p["name"] for p in paths["/api/v2/preview/"]["get"]["parameters"]] == ["token"]

"""Under `make run` (DEBUG on, JUNXIU_FRIENDLY_ERRORS from site/settings/dev.py) a wrong address or a failing page
shows the project's Chinese 404 and 500 pages on a centre's site and on the bureau portal; the traceback goes to the
console only."""

from __future__ import annotations

import logging

import pytest

import content.public_views
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
DEBUG_MARKERS = ("Traceback", "DEBUG = True", "Django tried these URL patterns", "Page not found at", "Request Method")


@pytest.fixture
def dev_errors(settings):
    settings.DEBUG = True
    settings.JUNXIU_FRIENDLY_ERRORS = True


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("huangpu", "/no-such-page/"),  # no Wagtail page there (Wagtail's serve raises 404)
        ("huangpu", "/cadre/no-such-view/"),
        (None, "/no-such-page/"),  # the bureau portal: no route at all
    ],
)
def test_a_wrong_address_shows_the_chinese_404_page_with_debug_on(centres, dev_errors, code, path):
    answer = client_for(code).get(path)
    html = answer.content.decode()
    assert answer.status_code == 404
    assert "<h1>页面不存在</h1>" in html
    assert "抱歉，您访问的页面不存在，请检查网址。" in html
    assert [marker for marker in DEBUG_MARKERS if marker in html] == []


def test_an_api_address_still_answers_json(centres, dev_errors):
    answer = client_for("huangpu").get("/api/no-such-thing/")
    assert (answer.status_code, answer.json()) == (404, {"detail": "未找到。"})


def test_a_failing_page_shows_the_chinese_500_page_and_logs_the_traceback(centres, dev_errors, monkeypatch, caplog):
    def broken(**_kwargs):
        raise RuntimeError("search index unreachable")

    monkeypatch.setattr(content.public_views, "public_pages_search", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = client_for("huangpu").get("/search/?q=通知")
    html = answer.content.decode()
    assert answer.status_code == 500
    assert "<h1>服务器错误</h1>" in html
    assert [marker for marker in DEBUG_MARKERS if marker in html] == []
    assert "search index unreachable" not in html
    traced = [r for r in caplog.records if r.name == "django.request" and r.exc_info and r.exc_info[0] is RuntimeError]
    assert [record.getMessage() for record in traced] == ["Internal Server Error: /search/"]
    assert "RuntimeError: search index unreachable" in caplog.text


def test_without_the_setting_debug_keeps_django_s_page(centres, settings):
    settings.DEBUG = True
    settings.JUNXIU_FRIENDLY_ERRORS = False
    html = client_for(None).get("/no-such-page/").content.decode()
    assert "Django tried these URL patterns" in html

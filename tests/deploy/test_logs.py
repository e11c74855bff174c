"""Structured logs (issue 16 §3): with the production JSON formatter every line is one JSON object carrying the
centre's schema and the request id the answer returns in X-Request-ID; tasks log the schema they entered."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context


@pytest.fixture
def json_lines():
    """The console handler of the settings' LOGGING with the JSON formatter, writing to a buffer, on the root logger
    (as production configures it); the lines it wrote, parsed."""
    config = settings.LOGGING
    factory = logging.config.DictConfigurator(config)
    formatter = factory.configure_formatter(dict(config["formatters"]["json"]))
    context_filter = factory.configure_filter(dict(config["filters"]["context"]))
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter)
    handler.addFilter(context_filter)
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)


def test_settings_choose_the_formatter_by_junxiu_log_format():
    assert settings.JUNXIU_LOG_FORMAT == "plain"  # tests and development: plain text
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "plain"
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["context"]


def test_a_request_logs_json_with_its_centre_and_its_request_id(db, json_lines):
    response = Client(HTTP_HOST="huangpu.localhost").get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0  # generated: a UUID's hex
    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert set(line) == {"time", "level", "logger", "message", "schema", "request_id", "status_code"}
    assert line["status_code"] == 404  # Django's extra attribute; its `request` (with the query string) is left out
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["schema"] == "huangpu"
    assert line["request_id"] == request_id
    assert line["time"].endswith("+00:00")  # ISO 8601, UTC


def test_a_sane_request_id_from_the_proxy_is_kept_and_an_insane_one_replaced(db, json_lines):
    client = Client(HTTP_HOST="putuo.localhost")
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="3f6c1a2b-nginx-0001")
    assert response["X-Request-ID"] == "3f6c1a2b-nginx-0001"
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID='"}, {"level": "forged')
    assert len(response["X-Request-ID"]) == 32 and response["X-Request-ID"].isalnum()
    ids = [(line["schema"], line["request_id"]) for line in json_lines() if line["logger"] == "django.request"]
    assert ids == [("putuo", "3f6c1a2b-nginx-0001"), ("putuo", response["X-Request-ID"])]


def test_a_task_logs_the_schema_it_entered(db, json_lines):
    with schema_context("changning"):
        logging.getLogger("notifications.tasks").warning("提醒扫描完成")
    [line] = json_lines()
    assert line["schema"] == "changning"
    assert line["message"] == "提醒扫描完成"
    assert line["request_id"] == ""  # no request


def test_an_unready_probe_logs_one_warning_naming_what_failed(db, json_lines, monkeypatch):
    """Not Django's ERROR "Service Unavailable" at every probe: one WARNING of junxiu.health with the reason."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
    monkeypatch.setattr(Conf, "REDIS", "redis://127.0.0.1:9/0")
    response = Client(HTTP_HOST="10.42.0.17").get("/readyz")
    assert response.status_code == 503
    assert [line for line in json_lines() if line["logger"] == "django.request"] == []
    [line] = [line for line in json_lines() if line["logger"] == "junxiu.health"]  # (django-q logs its own error)
    assert (line["logger"], line["level"], line["schema"]) == ("junxiu.health", "WARNING", "public")
    assert line["message"].startswith("not ready: {'broker': 'ConnectionError: ")
    assert line["request_id"] == response["X-Request-ID"]

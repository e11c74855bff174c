"""Log lines that say which centre and which request they belong to.

Every record handled by the console handler gets `schema` (the connection's schema: the request's centre, or the one
a task entered) and `request_id` (the request's X-Request-ID when it is sane, else a fresh one; returned in the
answer's X-Request-ID header). In production (JUNXIU_LOG_FORMAT=json) each line is one JSON object: time, level,
logger, message, schema, request_id.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or a client may send as a request id (nginx's $request_id, a UUID, a trace id); anything else is
# replaced, so a log line never carries a client's arbitrary text.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

request_id_var: ContextVar[str] = ContextVar("junxiu_request_id", default="")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_from(request: HttpRequest) -> str:
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    return sent if SANE_REQUEST_ID.fullmatch(sent) else request_id_new()


class RequestIdMiddleware:
    """First in the chain: the request's id is in the context for every log line the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        # Kept until the response is closed: Django logs a 4xx/5xx answer after the middleware chain has returned.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _request_id_forget(**_signal) -> None:
    request_id_var.set("")


request_finished.connect(_request_id_forget, dispatch_uid="junxiu.logs.request_id_forget")


def _schema() -> str:
    try:
        from django.db import connection

        return getattr(connection, "schema_name", "") or ""
    except Exception:  # noqa: BLE001 - a record written before settings are configured has no schema
        return ""


class ContextFilter(logging.Filter):
    """Adds `schema` and `request_id` to each record (a handler's filter, so records of every logger get them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "schema"):
            record.schema = _schema()
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def json_formatter(**options) -> logging.Formatter:
    """python-json-logger's formatter (LOGGING's "json"), which also writes a record's extra attributes (e.g. Django's
    status_code) — except `request`, whose text would carry the query string."""
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(reserved_attrs=[*RESERVED_ATTRS, "request"], **options)

"""Refuse hostile input before any view runs: NUL and lone surrogates in text, JSON nested too deep.

PostgreSQL cannot store U+0000 in text or jsonb, nor a lone surrogate in UTF-8, and Python's JSON parser recurses
once per level; such requests are answered 400 with a Chinese message instead of failing deep inside a view.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from tenants.text import text_is_hostile

# A NUL byte, or a surrogate (U+D800–U+DFFF) written as UTF-8 bytes.
BAD_BYTES = re.compile(rb"\x00|\xed[\xa0-\xbf]")
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
NOT_BRACKET = re.compile(rb"[^\[\]{}]")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _encoded_is_hostile(raw: bytes) -> bool:
    return bool(BAD_BYTES.search(unquote_to_bytes(raw.replace(b"+", b" "))))


def _json_depth(raw: bytes) -> int:
    depth = deepest = 0
    for bracket in NOT_BRACKET.sub(b"", JSON_STRING.sub(b"", raw)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _json_is_hostile(value) -> bool:
    if isinstance(value, str):
        return text_is_hostile(value)
    if isinstance(value, dict):
        return any(text_is_hostile(k) or _json_is_hostile(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_is_hostile(v) for v in value)
    return False


class HostileInputMiddleware:
    """Answer 400 to a request whose path, query, form fields or JSON body cannot be stored or parsed safely."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        problem = self._problem(request)
        if problem:
            return self._refuse(request, problem)
        return self.get_response(request)

    def _problem(self, request: HttpRequest) -> str | None:
        invalid = _("The request contains characters that cannot be processed (such as a NUL byte).")
        if text_is_hostile(request.path) or _encoded_is_hostile(
            request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
        ):
            return invalid
        if request.method not in BODY_METHODS:
            return None
        content_type = request.content_type or ""
        if content_type == "application/x-www-form-urlencoded":
            return invalid if _encoded_is_hostile(request.body) else None
        if content_type == "multipart/form-data":
            fields = [*request.POST.keys(), *(v for values in request.POST.lists() for v in values[1])]
            fields += [f.name or "" for f in request.FILES.values()]
            return invalid if any(text_is_hostile(v) for v in fields) else None
        if content_type == "application/json" or content_type.endswith("+json"):
            raw = request.body
            limit = settings.JUNXIU_JSON_MAX_DEPTH
            if _json_depth(raw) > limit:
                return _("The JSON data is nested too deeply (at most %(limit)s levels).") % {"limit": limit}
            try:
                data = json.loads(raw)
            except ValueError:
                return None  # the view answers malformed JSON itself
            return invalid if _json_is_hostile(data) else None
        return None

    def _refuse(self, request: HttpRequest, message: str) -> HttpResponse:
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": message}, status=400)
        title = escape(_("Request refused"))
        return HttpResponse(
            '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
            f"<title>{title}</title></head>\n"
            '<body style="font-size:18px;line-height:1.6;font-family:sans-serif;padding:1rem">\n'
            f"<h1>{title}</h1><p>{escape(message)}</p>\n</body></html>\n",
            status=400,
        )

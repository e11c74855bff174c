"""The OpenAPI schema class of both hosts: every operation documents the errors it can answer, with their bodies.

DRF answers 401/403/404/405/429 and a parse error with `{"detail": "..."}`, a refused serializer with messages by
field name (`{"name": ["..."], "non_field_errors": ["..."]}`, nested for nested fields); the Wagtail API answers its
400 and 404 with `{"message": "..."}`. The hostile-input guard and the log-in lockout answer `{"detail": "..."}` too.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.authtoken.views import ObtainAuthToken
from wagtail.api.v2.views import BaseAPIViewSet

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "Why the request was refused, in Chinese.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
)
FIELD_ERRORS = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={
        "type": "object",
        "description": "Refused input: messages in Chinese by field name (`non_field_errors`: the whole input); "
        "a nested field's messages are nested the same way.",
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
            ]
        },
    },
)
WAGTAIL_ERROR = ResolvedComponent(
    name="ContentError",
    type=ResolvedComponent.SCHEMA,
    object="ContentError",
    schema={
        "type": "object",
        "description": "Why the content API refused the request.",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
    },
)
DESCRIPTIONS = {
    "400": "The request was refused: a field, filter or body that is not valid, or hostile input.",
    "401": "No valid credentials (a token or session of this host's users).",
    "403": "The user may not do this.",
    "404": "No such object, or not one this user may see (the same answer for both).",
    "429": "Too many attempts: wait, then try again.",
}


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, adding to each operation the error answers it can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        wagtail = isinstance(self.view, BaseAPIViewSet)
        for component in (ERROR, FIELD_ERRORS, WAGTAIL_ERROR):
            self.registry.register_on_missing(component)
        detail = {"anyOf": [WAGTAIL_ERROR.ref, ERROR.ref]} if wagtail else ERROR.ref
        bad_request = [ERROR.ref, FIELD_ERRORS.ref] if not wagtail else [WAGTAIL_ERROR.ref, ERROR.ref]
        documented = responses.get("400", {}).get("content", {}).get("application/json", {}).get("schema")
        if documented is not None and documented not in bad_request:
            bad_request = [documented, *bad_request]
        errors = {"400": {"anyOf": bad_request}, "401": ERROR.ref, "403": ERROR.ref, "404": detail}
        if self._may_answer_429():
            errors["429"] = ERROR.ref
        for code, schema in errors.items():
            description = responses.get(code, {}).get("description") or DESCRIPTIONS[code]
            responses[code] = {"content": {"application/json": {"schema": schema}}, "description": description}
        return responses

    def _may_answer_429(self) -> bool:
        """Throttled views, the token log-in (locked by django-axes), and lists whose filter may throttle."""
        if self.view.get_throttles() or isinstance(self.view, ObtainAuthToken):
            return True
        backends = getattr(self.view, "filter_backends", None) or []
        return self._is_list_view() and any(getattr(backend, "answers_429", False) for backend in backends)

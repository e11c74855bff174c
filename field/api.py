"""The field app's JSON API under /field/api/ (the phone's sync): interfaces only — parse, call one service, answer.

Signed in with the staff user's session (the admin's log-in); a POST carries the CSRF token in X-CSRFToken. A device
signed out remotely is answered {"wipe": true} at its next contact, and the session ends.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from field.selectors import field_today
from field.services import NotFound, device_contact, device_register, field_items_close, field_submission_accept
from tenants.roles import user_roles

MAX_PAYLOAD = 2 * 1024 * 1024  # the answers' JSON; attachments come as file parts beside it


def _error(status: int, message: str, errors: dict | None = None) -> JsonResponse:
    body: dict = {"message": message}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _answer(body: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def field_api(view):
    """The centre's staff only, by their role (403 in JSON otherwise, as a session of another centre gets); never
    cached."""

    def wrapped(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and (user.is_superuser or user_roles(user))):
            return _error(403, _("Sign in with your staff account first."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


def _device(request: HttpRequest, device_id):
    """The device of this contact (registered at its first), or None when the id is no UUID."""
    parsed = _uuid(device_id)
    if parsed is None:
        return None
    return device_contact(user=request.user, device_id=parsed, user_agent=request.headers.get("User-Agent", ""))


def _wipe(request: HttpRequest, **extra) -> JsonResponse:
    """The device was signed out remotely: it is told to wipe what it holds, and its session ends."""
    logout(request)
    return _answer({"wipe": True, **extra})


def _no_device() -> JsonResponse:
    return _error(400, _("The device is not identified."), {"device_id": [_("Give the device's id (a UUID).")]})


@require_POST
@field_api
def devices(request: HttpRequest) -> JsonResponse:
    """POST {"device_id"}: the device is registered to the signed-in user (201), or was (200)."""
    body = _json_body(request)
    device_id = _uuid(body.get("device_id") if isinstance(body, dict) else None)
    if device_id is None:
        return _no_device()
    device, created = device_register(
        user=request.user, device_id=device_id, user_agent=request.headers.get("User-Agent", "")
    )
    if device.revoked_at is not None:
        return _wipe(request, device_id=str(device.device_id))
    return _answer({"device_id": str(device.device_id), "wipe": False}, status=201 if created else 200)


@require_GET
@field_api
def today(request: HttpRequest) -> JsonResponse:
    """GET ?device=: today's items, the cards of the user's cadres and the forms they may fill, for the phone."""
    device = _device(request, request.GET.get("device"))
    if device is None:
        return _no_device()
    if device.revoked_at is not None:
        return _wipe(request)
    field_items_close(user=request.user)  # a record saved since the sweep closes its item before the list is made
    return _answer(field_today(user=request.user))


@require_GET
@field_api
def ping(request: HttpRequest) -> JsonResponse:
    """GET ?device=: whether to wipe, and the server's time; the device's last contact is now."""
    device = _device(request, request.GET.get("device"))
    if device is None:
        return _no_device()
    now = timezone.now().isoformat()
    if device.revoked_at is not None:
        return _wipe(request, server_time=now)
    return _answer({"wipe": False, "server_time": now})


def _json_body(request: HttpRequest):
    """The request's JSON object: the body (application/json) or the multipart part "payload"; None if neither."""
    try:
        if request.content_type == "application/json":
            if len(request.body) > MAX_PAYLOAD:
                return None
            return json.loads(request.body or b"null")
        payload = request.POST.get("payload")
        return json.loads(payload) if payload and len(payload) <= MAX_PAYLOAD else None
    except (ValueError, UnicodeDecodeError):
        return None


@require_POST
@field_api
def submissions(request: HttpRequest) -> JsonResponse:
    """POST a submission made on the phone (JSON, or multipart with the JSON in "payload" and each attachment as a
    file part named by its field): 201 with its receipt the first time, 200 with the same receipt for the same key;
    422 with the reason in Chinese when refused; 404 for a key, version or item not of this user here."""
    body = _json_body(request)
    if not isinstance(body, dict):
        return _error(400, _("The submission could not be read."))
    device = _device(request, body.get("device_id"))
    if device is None:
        return _no_device()
    if device.revoked_at is not None:
        return _wipe(request)
    client_key, version_id = _uuid(body.get("client_key")), _int(body.get("version_id"))
    errors = {}
    if client_key is None:
        errors["client_key"] = [_("Give the key made on the device (a UUID).")]
    if version_id is None:
        errors["version_id"] = [_("Say which version of the form was filled in.")]
    cadre_id = _int(body.get("cadre_id")) if body.get("cadre_id") not in (None, "") else None
    if body.get("cadre_id") not in (None, "") and cadre_id is None:
        errors["cadre_id"] = [_("Choose from the list.")]
    filled_at = _filled_at(body.get("filled_at"))
    if errors:
        return _error(400, _("The submission is incomplete."), errors)
    assert client_key is not None and version_id is not None  # noqa: S101 - checked just above, for the type checker
    try:
        accepted = field_submission_accept(
            user=request.user,
            device=device,
            client_key=client_key,
            version_id=version_id,
            answers=body.get("answers") or {},
            cadre_id=cadre_id,
            due_item_id=_int(body.get("due_item_id")),
            filled_at=filled_at,
            files=request.FILES,
        )
    except NotFound:
        return _error(404, _("This form or submission is not known here."))
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        first = next(iter(messages.values()))[0]
        return _error(422, _("Not accepted: %(reason)s") % {"reason": first}, messages)
    submission = accepted.receipt.submission
    return _answer(
        {
            "receipt": accepted.receipt.receipt,
            "submission_id": submission.pk,
            "flagged": bool(submission.review_reason),
            "review_reason": submission.review_reason,
            "closed_items": sorted(accepted.closed),
        },
        status=201 if accepted.created else 200,
    )


def _filled_at(value) -> dt.datetime | None:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment

"""Public forms on a centre's site: cadres fill in a published form with no login, get a receipt, look up its state.

Interfaces only: the form is validated and stored by services.submission_create (no user, channel "public").
Protections: Django's CSRF, a honeypot field (filled → pretend success, store nothing), and rate limits per client
address (tenants.clientip) and per phone number (forms_engine.ratelimit).

Retries: each form page carries a one-time key (SUBMIT_KEY); the submission is stored under that key bound to the
browser's CSRF secret, so a POST sent again (the first stored, its answer lost with a dying worker) leads to the first
receipt instead of a second submission. Bound to the browser, a key seen by someone else (a cached page) leads
nowhere: their POST is stored as their own.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from forms_engine import ratelimit
from forms_engine.models import FormDefinition, FormVersion, Submission
from forms_engine.rendering import add_row_requested, data_from_post, fill_context, stored_files_discard
from forms_engine.selectors import submission_by_receipt
from forms_engine.services import staff_only_dropped_log, staff_only_names, submission_create
from tenants.clientip import client_ip

HONEYPOT = "website"
SUBMIT_KEY = "_submit_key"  # field names start with a letter: no form field can take this name
LIMIT_KEYS = ("min", "max", "min_length", "max_length", "pattern", "default")


def public_form_get(*, key: str) -> tuple[FormDefinition, FormVersion]:
    """A public form with a published version; anything else is 404."""
    form = FormDefinition.objects.filter(key=key, public=True).first()
    version = form.current_version if form is not None else None
    if version is None:
        raise Http404
    return form, version_for_public(form=form, version=version)


def version_for_public(*, form: FormDefinition, version: FormVersion) -> FormVersion:
    """The version as the public sees it: an unsaved copy without the fields marked for staff (never stored)."""
    hidden = staff_only_names(form=form, schema=version.schema)
    if not hidden:
        return version
    fields = [
        {**spec, "children": [c for c in spec["children"] if c["name"] not in hidden]} if "children" in spec else spec
        for spec in version.schema["fields"]
        if spec["name"] not in hidden
    ]
    # No pk: the copy must never reach version_schema's cache, which is keyed by pk.
    public = FormVersion(form=form, number=version.number, schema={**version.schema, "fields": fields})
    public.staff_only = hidden
    return public


def _staff_only_posted(version: FormVersion, request: HttpRequest) -> list[str]:
    hidden = getattr(version, "staff_only", set())
    sent = [*request.POST, *request.FILES]
    return sorted(name for name in hidden if any(key == name or key.startswith(f"{name}-") for key in sent))


def conditions_limits(version: FormVersion) -> dict[str, dict[str, Any]]:
    """What conditions.js needs to clean answers as the server does, by field name (repeat children included)."""
    limits: dict[str, dict[str, Any]] = {}
    for spec in version.schema["fields"]:
        for field in [spec, *spec.get("children", [])]:
            entry = {k: field[k] for k in LIMIT_KEYS if field.get(k) not in (None, "")}
            if field.get("choices"):
                entry["choices"] = [str(c["value"]) for c in field["choices"]]
            limits[field["name"]] = entry
    return limits


def _phone_of(version: FormVersion, data: dict) -> str:
    for spec in version.schema["fields"]:
        value = data.get(spec["name"])
        if spec["type"] == "phone" and isinstance(value, str) and value.strip():
            return value.strip().replace(" ", "").replace("-", "")
    return ""


def _site_root(request: HttpRequest):
    site = Site.find_for_request(request)
    return site.root_page.specific if site is not None else None


def form_page_context(request: HttpRequest, *, form: FormDefinition, version: FormVersion, **fill: Any) -> dict:
    """The context of the public form: used by the /forms/<key>/ view and by content.FormPage."""
    return {
        "form": form,
        "site_root": _site_root(request),
        "honeypot": HONEYPOT,
        "submit_key_name": SUBMIT_KEY,
        "submit_key": uuid.uuid4().hex,
        "limits": conditions_limits(version),
        "time_zone": settings.TIME_ZONE,
        "action": reverse("forms_public:form", kwargs={"key": form.key}),
        **fill_context(version=version, user=None, **fill),
    }


def public_form_context(request: HttpRequest, *, form: FormDefinition | None) -> dict | None:
    """The public form's context for a Wagtail FormPage, or None when the form is not public or not published."""
    if form is None or not form.public:
        return None
    version = form.current_version
    if version is None:
        return None
    return form_page_context(request, form=form, version=version_for_public(form=form, version=version))


def submission_client_key(request: HttpRequest, *, form: FormDefinition) -> str | None:
    """The stored key of this POST: its page's one-time key bound to the form and the browser's CSRF secret, or None
    when either is missing or malformed (then the POST is stored without a key, as before)."""
    token = request.POST.get(SUBMIT_KEY, "")
    browser = request.META.get("CSRF_COOKIE") or request.COOKIES.get(settings.CSRF_COOKIE_NAME) or ""
    try:
        token = uuid.UUID(hex=token).hex
    except ValueError:
        return None
    if not browser:
        return None
    value = f"{form.pk}:{token}:{browser}"
    return salted_hmac("forms_engine.public.submit_key", value, algorithm="sha256").hexdigest()


def _stored_before(form: FormDefinition, client_key: str | None) -> Submission | None:
    return Submission.objects.filter(form=form, client_key=client_key).first() if client_key else None


def _render_form(request, form, version, *, status: int = 200, message: str = "", **fill) -> HttpResponse:
    context = form_page_context(request, form=form, version=version, **fill)
    context["message"] = message
    return render(request, "forms_engine/public/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, key: str) -> HttpResponse:
    form, version = public_form_get(key=key)
    if request.method == "GET":
        return _render_form(request, form, version)
    if request.POST.get(HONEYPOT):
        # A robot filled the field people cannot see: it gets what looks like a receipt, nothing is stored.
        fake = secrets.token_hex(6).upper()
        return render(request, "forms_engine/public/done.html", {"form": form, "receipt": fake, "state": ""})
    client_key = submission_client_key(request, form=form)
    if first := _stored_before(form, client_key):
        # Sent again by the same browser (a retry after a lost answer): the receipt it should have seen.
        return redirect("forms_public:done", key=form.key, receipt=first.receipt)
    address = client_ip(request)
    if ratelimit.rate_limit_exceeded(limit=ratelimit.ADDRESS_LIMIT, ident=address):
        message = _("Too many forms were sent from this network in the last few minutes. Please try again later.")
        return _render_form(request, form, version, status=429, message=message)
    staff_only_dropped_log(form=form, names=_staff_only_posted(version, request))
    try:
        data, stored = data_from_post(version=version, post=request.POST, files=request.FILES)
    except ValidationError as error:
        return _render_form(request, form, version, status=400, data=None, errors=error.message_dict)
    row = add_row_requested(request.POST)
    if row:
        stored_files_discard(stored)
        return _render_form(request, form, version, data=data, add_row=row)
    phone = _phone_of(version, data)
    if ratelimit.rate_limit_exceeded(limit=ratelimit.PHONE_LIMIT, ident=phone):
        stored_files_discard(stored)
        message = _("Too many forms were sent with this phone number in the last hour. Please try again later.")
        return _render_form(request, form, version, status=429, message=message, data=data)
    try:
        submission = submission_create(form=form, data=data, user=None, channel="public", client_key=client_key)
    except ValidationError as error:
        stored_files_discard(stored)
        return _render_form(request, form, version, status=400, data=data, errors=error.message_dict)
    except IntegrityError:
        # The same POST twice at once: the other one stored it (its transaction committed before ours failed).
        first = _stored_before(form, client_key)
        if first is None:
            raise
        stored_files_discard(stored)
        return redirect("forms_public:done", key=form.key, receipt=first.receipt)
    ratelimit.rate_limit_count(limit=ratelimit.ADDRESS_LIMIT, ident=address)
    ratelimit.rate_limit_count(limit=ratelimit.PHONE_LIMIT, ident=phone)
    return redirect("forms_public:done", key=form.key, receipt=submission.receipt)


def state_label(submission: Submission) -> str:
    for state in submission.form.workflow.get("states", []):
        if state.get("key") == submission.state:
            return _(str(state.get("label") or submission.state))  # the labels are msgids (workflows.py)
    return submission.state


@require_http_methods(["GET"])
def public_done(request: HttpRequest, key: str, receipt: str) -> HttpResponse:
    form, _version = public_form_get(key=key)
    submission = Submission.objects.filter(form=form, receipt=receipt).first()
    if submission is None:
        raise Http404
    context = {"form": form, "receipt": submission.receipt, "state": state_label(submission)}
    return render(request, "forms_engine/public/done.html", {**context, "site_root": _site_root(request)})


@require_http_methods(["GET"])
def public_status(request: HttpRequest) -> HttpResponse:
    """Look a submission up by its receipt number: form title, state and date only — never the answers."""
    receipt = (request.GET.get("receipt") or "").strip()[:40]
    submission = submission_by_receipt(receipt=receipt) if receipt else None
    if submission is not None and not submission.form.public:
        submission = None
    context = {
        "receipt": receipt,
        "submission": submission,
        "state": state_label(submission) if submission else "",
        "site_root": _site_root(request),
    }
    return render(
        request, "forms_engine/public/status.html", context, status=404 if receipt and not submission else 200
    )

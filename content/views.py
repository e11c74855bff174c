"""The cadre's part of the public site: log in (SMS code or access code), sign up, my sign-ups, cancel, log out.

Interfaces only: parse, call one service, render. Everything works without JavaScript; every POST carries CSRF.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.models import Page

from content import services
from content.forms import AccessCodeForm, CodeForm, PhoneForm
from content.models import SignUpPageMixin
from content.selectors import cadre_session_id, signup_counts, signup_for_cadre, signups_for_cadre
from registry.selectors import cadre_served_by_id
from tenants.clientip import client_ip


def local_url(request: HttpRequest, candidate: str, default: str) -> str:
    """`candidate` when it is a path on this site (where to go back to), else `default`."""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _next_url(request: HttpRequest, default: str) -> str:
    return local_url(request, request.POST.get("next") or request.GET.get("next") or "", default)


def _login_redirect(next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("content_cadre:login") + "?" + urlencode({"next": next_url}))


def _cadre(request: HttpRequest):
    cadre_id = cadre_session_id(request)
    return cadre_served_by_id(cadre_id) if cadre_id else None


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


@never_cache
@require_http_methods(["GET", "POST"])
def cadre_login(request: HttpRequest) -> HttpResponse:
    """Three small forms on one page: ask for a code, enter the code, or use the access code."""
    next_url = _next_url(request, reverse("content_cadre:signups"))
    action = request.POST.get("action", "")
    phone_form, code_form, access_form = PhoneForm(), CodeForm(), AccessCodeForm()
    errors: list[str] = []
    code_sent = False
    address = client_ip(request)
    if action == "send":
        phone_form = PhoneForm(request.POST)
        if phone_form.is_valid():
            try:
                services.login_code_send(phone=phone_form.cleaned_data["phone"], address=address)
                code_sent = True
                code_form = CodeForm(initial={"phone": phone_form.cleaned_data["phone"]})
            except ValidationError as error:
                errors = _errors(error)
    elif action == "verify":
        code_form = CodeForm(request.POST)
        code_sent = True
        if code_form.is_valid():
            try:
                cadre_id = services.login_code_verify(
                    phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"], address=address
                )
            except ValidationError as error:
                errors = _errors(error)
            else:
                services.cadre_session_start(request=request, cadre_id=cadre_id)
                return HttpResponseRedirect(next_url)
    elif action == "access":
        access_form = AccessCodeForm(request.POST)
        if access_form.is_valid():
            try:
                cadre_id = services.access_code_verify(code=access_form.cleaned_data["access_code"], address=address)
            except ValidationError as error:
                errors = _errors(error)
            else:
                services.cadre_session_start(request=request, cadre_id=cadre_id)
                return HttpResponseRedirect(next_url)
    status = 400 if errors or any(form.errors for form in (phone_form, code_form, access_form)) else 200
    return render(
        request,
        "content/cadre/login.html",
        {
            "phone_form": phone_form,
            "code_form": code_form,
            "access_form": access_form,
            "code_sent": code_sent,
            "errors": errors,
            "next": next_url,
            "cadre": _cadre(request),
        },
        status=status,
    )


@require_POST
def cadre_logout(request: HttpRequest) -> HttpResponse:
    services.cadre_session_end(request=request)
    messages.success(request, _("You have logged out."))
    return HttpResponseRedirect("/")


@never_cache
def my_signups(request: HttpRequest) -> HttpResponse:
    """我的报名: the cadre's activities and courses with their status, and a cancel button for each open one."""
    cadre = _cadre(request)
    if cadre is None:
        return _login_redirect(request.path)
    return render(request, "content/cadre/signups.html", {"cadre": cadre, "rows": signups_for_cadre(cadre_id=cadre.pk)})


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, page_id: int) -> HttpResponse:
    """GET: the 报名 button of a list asks the logged-in cadre to confirm (logging in first); POST: sign the cadre up
    for an activity or course, then 我的报名 with the outcome (back to the page when refused)."""
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None:
        raise Http404
    page_url = page.get_url(request) or "/"
    cadre = _cadre(request)
    if cadre is None:
        return _login_redirect(request.path if request.method == "GET" else page_url)
    if request.method == "GET":
        specific = page.specific
        if not isinstance(specific, SignUpPageMixin):
            raise Http404
        return render(
            request,
            "content/cadre/signup_confirm.html",
            {
                "cadre": cadre,
                "item": specific,
                "item_url": page_url,
                "counts": signup_counts(page_id=page.pk),
                "own_signup": signup_for_cadre(page_id=page.pk, cadre_id=cadre.pk),
                "signup_state": specific.signup_state(),
            },
        )
    try:
        made = services.signup_create(page_id=page.pk, cadre_id=cadre.pk)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return HttpResponseRedirect(page_url)
    if made.status == made.Status.SIGNED_UP:
        messages.success(request, _("You have signed up for “%(title)s”.") % {"title": page.title})
    else:
        messages.warning(
            request,
            _("All places of “%(title)s” are taken: you are on the waiting list and will move up if someone cancels.")
            % {"title": page.title},
        )
    return HttpResponseRedirect(reverse("content_cadre:signups"))


@require_POST
def signup_cancel(request: HttpRequest, signup_id: int) -> HttpResponse:
    cadre = _cadre(request)
    if cadre is None:
        return _login_redirect(reverse("content_cadre:signups"))
    try:
        services.signup_cancel(signup_id=signup_id, cadre_id=cadre.pk)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Your sign-up has been cancelled."))
    return HttpResponseRedirect(reverse("content_cadre:signups"))

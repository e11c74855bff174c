"""Security headers on one route of each kind, the admin's looser policy, production's HTTPS settings and the API
docs for signed-in users only (issue 13, defect 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from django_tenants.utils import schema_context

from reports.roles import BureauRole, bureau_role_grant
from tests.conftest import client_for, make_user, publish_notice
from tests.forms_engine.test_public import complaint_form  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
ADMIN = {
    **STRICT,
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "frame-ancestors": "'self'",
}
PERMISSIONS = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


def policy(response, nonce: str = "") -> dict[str, str]:
    """The policy by directive; the given nonce (of an answer with an inline script or style) left out."""
    header = (
        response["Content-Security-Policy"].replace(f" 'nonce-{nonce}'", "")
        if nonce
        else response["Content-Security-Policy"]
    )
    return dict(part.split(" ", 1) for part in header.split("; "))


def nonce_in(response) -> str:
    return response.content.decode().split(' nonce="', 1)[1].split('"', 1)[0]


def assert_headers(response, csp: dict[str, str], nonce: str = "") -> None:
    assert policy(response, nonce) == csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Permissions-Policy"] == PERMISSIONS
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def centre_staff(centres):
    user = make_user("huangpu", "headers-admin", superuser=True)
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(user)
    return client


@pytest.fixture
def bureau_client(centres, django_user_model):
    user = django_user_model.objects.create_user(username="headers-bureau")
    bureau_role_grant(user=user, role=BureauRole.ANALYST)
    client = client_for(None)
    client.force_login(user)
    return client


def test_every_kind_of_route_has_the_strict_policy_and_headers(complaint_form, centre_staff, bureau_client):  # noqa: F811
    publish_notice("huangpu", title="头部测试通知", slug="headers-notice")
    centre, bureau = client_for("huangpu"), client_for(None)
    routes = {
        "public page": centre.get("/"),
        "notice page": centre.get("/headers-notice/"),
        "site search": centre.get("/search/", {"q": "通知"}),
        "public form": centre.get("/forms/complaint/"),
        "cadre login": centre.get("/cadre/login/"),
        "centre API (anonymous)": centre.get("/api/registry/cadres/"),
        "pages API": centre.get("/api/v2/pages/"),
        "API docs (signed in)": centre_staff.get("/api/docs/"),
        "API schema (signed in)": centre_staff.get("/api/schema/", {"format": "json"}),
        "bureau login": bureau.get("/login/"),
        "bureau portal": bureau_client.get("/centres/"),
        "reports": bureau_client.get("/"),
        "reports API": bureau_client.get("/api/reports/indicators/"),
        "static file": centre.get("/static/css/junxiu.css"),
    }
    statuses = {name: response.status_code for name, response in routes.items()}
    assert statuses == {
        "public page": 200,
        "notice page": 200,
        "site search": 200,
        "public form": 200,
        "cadre login": 200,
        "centre API (anonymous)": 401,
        "pages API": 200,
        "API docs (signed in)": 200,
        "API schema (signed in)": 200,
        "bureau login": 200,
        "bureau portal": 200,
        "reports": 200,
        "reports API": 200,
        "static file": 200,
    }
    for name, response in routes.items():
        try:
            assert_headers(response, STRICT, nonce=nonce_in(response) if name == "API docs (signed in)" else "")
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_a_cached_public_page_keeps_its_headers(centres, settings):
    settings.JUNXIU_PAGE_CACHE_SECONDS = 300
    cache.clear()
    try:
        publish_notice("huangpu", title="缓存头部", slug="cached-headers")
        first, second = (client_for("huangpu").get("/cached-headers/") for _n in range(2))
        assert (first.status_code, second.status_code) == (200, 200)
        assert first.content == second.content
        assert_headers(second, STRICT)
    finally:
        cache.clear()


def test_the_wagtail_admin_gets_its_looser_policy_and_nothing_more(centre_staff):
    for path in ("/admin/", "/admin/pages/", "/admin/locked-logins/"):
        response = centre_staff.get(path)
        assert response.status_code == 200, path
        assert_headers(response, ADMIN)
    login = client_for("huangpu").get("/admin/login/")
    assert login.status_code == 200
    assert_headers(login, ADMIN)


def test_an_inline_script_with_the_requests_nonce_is_allowed_by_that_answer_only(centre_staff):
    first, second = (centre_staff.get("/api/docs/") for _n in range(2))
    nonces = []
    for response in (first, second):
        nonce = nonce_in(response)
        assert '<style nonce="' + nonce + '">' in response.content.decode()
        assert policy(response)["style-src"] == f"'self' 'nonce-{nonce}'"
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) == 24


def test_api_docs_are_for_signed_in_users_only(centre_staff, bureau_client):
    for client in (client_for("huangpu"), client_for(None)):
        for path in ("/api/schema/", "/api/docs/"):
            response = client.get(path)
            assert response.status_code == 403, path
            assert "openapi" not in response.content.decode()
    assert centre_staff.get("/api/schema/").status_code == 200
    assert bureau_client.get("/api/schema/").status_code == 200
    # An API client signs in with its token, as on the API itself.
    staff = make_user("huangpu", "docs-token-holder")
    with schema_context("huangpu"):
        from rest_framework.authtoken.models import Token

        key = Token.objects.create(user=staff).key
    for path in ("/api/schema/", "/api/docs/"):
        assert client_for("huangpu").get(path, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200, path
    assert client_for("putuo").get("/api/schema/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 403
    # Another centre's session is no sign-in here.
    putuo = client_for("putuo")
    putuo.cookies = centre_staff.cookies
    assert putuo.get("/api/schema/").status_code == 403
    with override_settings(JUNXIU_API_DOCS_PUBLIC=True):  # development
        assert client_for("huangpu").get("/api/schema/").status_code == 200


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "production-test-" + "x" * 40,
    "DATABASE_URL": "postgresql://junxiu:secret@127.0.0.1:5432/junxiu",
    "JUNXIU_FIELD_KEYS": "k",
    "JUNXIU_LOOKUP_KEY": "k",
}
NAMES = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "JUNXIU_API_DOCS_PUBLIC",
    "X_FRAME_OPTIONS",
]


def production_settings(**env: str) -> dict:
    code = f"import json, junxiu.settings.production as s; print(json.dumps({{n: getattr(s, n) for n in {NAMES!r}}}))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JUNXIU_", "DATABASE_URL"))}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings module
        [sys.executable, "-c", code],
        env={**clean, **PRODUCTION_ENV, **env},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_force_https_with_hsts_and_can_be_tuned_by_environment():
    assert production_settings() == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "JUNXIU_API_DOCS_PUBLIC": False,
        "X_FRAME_OPTIONS": "DENY",
    }
    tuned = production_settings(
        DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_SECURE_HSTS_SECONDS="600", DJANGO_PROXY_SSL_HEADER="X-Scheme"
    )
    assert (tuned["SECURE_SSL_REDIRECT"], tuned["SECURE_HSTS_SECONDS"], tuned["SECURE_PROXY_SSL_HEADER"]) == (
        False,
        600,
        ["HTTP_X_SCHEME", "https"],
    )


HTTPS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


def test_with_production_https_plain_http_is_redirected_even_for_a_cached_page(centres, settings):
    settings.JUNXIU_PAGE_CACHE_SECONDS = 300
    cache.clear()
    try:
        publish_notice("huangpu", title="HTTPS 测试", slug="https-notice")
        with override_settings(**HTTPS):
            secure = client_for("huangpu").get("/https-notice/", HTTP_X_FORWARDED_PROTO="https")
            again = client_for("huangpu").get("/https-notice/", HTTP_X_FORWARDED_PROTO="https")
            plain = client_for("huangpu").get("/https-notice/")  # would be a cache hit
        assert (secure.status_code, again.status_code) == (200, 200)
        assert again["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert (plain.status_code, plain["Location"]) == (301, "https://huangpu.localhost/https-notice/")
    finally:
        cache.clear()


def test_the_docs_page_answers_every_method_without_a_server_error(centre_staff):
    anonymous = client_for("huangpu")
    answers = {
        (who, method): getattr(client, method)("/api/docs/").status_code
        for who, client in (("staff", centre_staff), ("anonymous", anonymous))
        for method in ("get", "head", "options", "post")
    }
    assert answers == {
        ("staff", "get"): 200,
        ("staff", "head"): 200,
        ("staff", "options"): 405,
        ("staff", "post"): 405,
        ("anonymous", "get"): 403,
        ("anonymous", "head"): 403,
        ("anonymous", "options"): 403,
        ("anonymous", "post"): 403,
    }

"""The client's address for rate limits: the proxy's header is believed only from a trusted proxy (issue 13, 5)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from tenants.clientip import client_ip
from tests.conftest import client_for
from tests.forms_engine.test_public import answers, complaint_form, stored  # noqa: F401  (fixture)

PROXY = "10.9.0.1"
BEHIND_NGINX = {
    "JUNXIU_CLIENT_IP_HEADER": "X-Forwarded-For",
    "JUNXIU_TRUSTED_PROXIES": ["127.0.0.1/32", "::1", "10.9.0.0/24"],
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def post(client, forwarded_for: str | None, remote: str = PROXY) -> int:
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post("/forms/complaint/", answers(), **extra).status_code


@pytest.mark.django_db
@override_settings(**BEHIND_NGINX)
def test_two_users_behind_a_trusted_proxy_are_limited_separately(complaint_form):  # noqa: F811
    client = client_for("huangpu")
    # The client's own (forged) entries on the left are ignored; nginx appends the real peer.
    assert [post(client, f"6.6.6.{i}, 203.0.113.7") for i in range(6)] == [302] * 5 + [429]
    # Another person behind the same proxy is not locked out by the first one's limit.
    assert post(client, "203.0.113.8") == 302
    # A chain of trusted proxies is skipped: the right-most untrusted address is the client.
    assert post(client, "203.0.113.7, 10.9.0.5") == 429
    assert post(client, "203.0.113.9, 10.9.0.5") == 302
    assert len(stored()) == 7


@pytest.mark.django_db
@override_settings(**BEHIND_NGINX)
def test_a_spoofed_header_from_an_untrusted_address_is_ignored(complaint_form):  # noqa: F811
    client = client_for("huangpu")
    codes = [post(client, f"198.51.100.{i}", remote="192.0.2.50") for i in range(6)]
    assert codes == [302] * 5 + [429]
    assert len(stored()) == 5


@pytest.mark.django_db
@override_settings(**BEHIND_NGINX)
def test_a_garbage_header_falls_back_to_remote_addr(complaint_form):  # noqa: F811
    client = client_for("huangpu")
    garbage = ["not-an-ip", "", "1.2.3.4, nonsense", "999.1.1.1", "<script>"]
    codes = [post(client, value) for value in garbage] + [post(client, None)]
    assert codes == [302] * 5 + [429]  # all counted against the proxy's own address
    assert post(client, "203.0.113.10") == 302


@pytest.mark.parametrize(
    ("settings_", "meta", "expected"),
    [
        # No header configured: REMOTE_ADDR, whatever is sent.
        ({"JUNXIU_CLIENT_IP_HEADER": ""}, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1"}, "127.0.0.1"),
        # Default trusted proxies: loopback only.
        (
            {"JUNXIU_CLIENT_IP_HEADER": "X-Forwarded-For"},
            {"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "1.1.1.1"},
            "1.1.1.1",
        ),
        (
            {"JUNXIU_CLIENT_IP_HEADER": "X-Real-IP"},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "2001:db8::1"},
            "2001:db8::1",
        ),
        (
            {"JUNXIU_CLIENT_IP_HEADER": "X-Real-IP"},
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_REAL_IP": "1.1.1.1"},
            "10.0.0.1",
        ),
        # Trusted proxies as an environment-style string; the left-most forged entry is not believed.
        (
            {"JUNXIU_CLIENT_IP_HEADER": "X-Forwarded-For", "JUNXIU_TRUSTED_PROXIES": "10.0.0.0/8, bad-entry"},
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 2.2.2.2, 10.1.1.1"},
            "2.2.2.2",
        ),
        # Every hop a proxy: the first one.
        (
            {"JUNXIU_CLIENT_IP_HEADER": "X-Forwarded-For"},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"},
            "127.0.0.1",
        ),
        # Garbage, or nothing at all.
        (
            {"JUNXIU_CLIENT_IP_HEADER": "X-Forwarded-For"},
            {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "x" * 3000},
            "127.0.0.1",
        ),
        ({"JUNXIU_CLIENT_IP_HEADER": "X-Forwarded-For"}, {"REMOTE_ADDR": ""}, "unknown"),
    ],
)
def test_client_ip(settings_, meta, expected):
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    with override_settings(**settings_):
        assert client_ip(request) == expected

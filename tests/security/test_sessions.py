"""Logging out, a password change and deactivation end the server-side session, on a centre and on the bureau."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

from tenants.services import centre_user_ensure
from tests.conftest import PASSWORD, client_for, host

SITES = {  # schema (None: the bureau): log-in path, a page that needs a login, log-out path
    "huangpu": ("/admin/login/", "/admin/", "/admin/logout/"),
    None: ("/login/", "/centres/", "/logout/"),
}


def logged_in(code, username):
    with schema_context(code or "public"):
        centre_user_ensure(username=username, password=PASSWORD, superuser=True)
    login, page, _logout = SITES[code]
    client = client_for(code)
    response = client.post(login, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(page).status_code == 200
    return client


def copy_of(client, code):
    """A second browser holding the same session cookie."""
    other = Client(HTTP_HOST=host(code))
    other.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return other


def assert_sent_to_login(client, code):
    login, page, _logout = SITES[code]
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(login)


def test_logout_ends_the_session_everywhere(centres):
    for code in SITES:
        client = logged_in(code, "leaving")
        other = copy_of(client, code)

        response = client.post(SITES[code][2])

        assert response.status_code == 302
        assert_sent_to_login(other, code)
        assert_sent_to_login(client, code)


def test_get_logout_asks_with_a_post_button_and_keeps_the_session(centres):
    for code in SITES:
        client = logged_in(code, "asking")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

        response = client.get(SITES[code][2])

        assert response.status_code == 200
        assert 'method="post"' in response.content.decode()
        assert client.cookies[settings.SESSION_COOKIE_NAME].value == cookie
        assert client.get(SITES[code][1]).status_code == 200


def test_password_change_ends_other_sessions(centres):
    for code in SITES:
        client = logged_in(code, "changing")
        with schema_context(code or "public"):
            user = get_user_model().objects.get(username="changing")
            user.set_password("another-long-passphrase-2026")
            user.save()

        assert_sent_to_login(copy_of(client, code), code)


def test_deactivation_ends_the_users_sessions(centres):
    for code in SITES:
        client = logged_in(code, "leaver")
        with schema_context(code or "public"):
            get_user_model().objects.filter(username="leaver").update(is_active=False)

        assert_sent_to_login(copy_of(client, code), code)

"""A generated one-time password must be changed before anything else, to one the validators accept."""

from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from tenants.services import centre_create, centre_user_ensure
from tests.conftest import client_for

NEW_PASSWORD = "lantern-orchard-river-42"


def account_form(client, **password):
    """Every field the Wagtail account page posts, as it shows them, with the password panel filled in."""
    page = client.get("/admin/account/")
    assert page.status_code == 200
    data = {
        "name_email-first_name": "静安",
        "name_email-last_name": "管理员",
        "name_email-email": "admin@jingan.example",
        "locale-preferred_language": "zh-hans",
        "locale-current_time_zone": "",
        "theme-theme": "system",
        "theme-density": "default",
        "theme-contrast": "system",
        "theme-keyboard_shortcuts": "on",
    }
    data.update({f"password-{name}": value for name, value in password.items()})
    return data


def test_centre_admin_changes_the_one_time_password_first(centres):
    created = centre_create(code="jingan", name="静安区军休中心", admin_email="admin@jingan.example")
    client = client_for("jingan")

    response = client.post("/admin/login/", {"username": "admin", "password": created.admin_password})
    assert response.status_code == 302
    for path in ("/admin/", "/admin/pages/", "/api/registry/cadres/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/admin/account/"), path

    short = account_form(
        client, old_password=created.admin_password, new_password1="Xq7-pine", new_password2="Xq7-pine"
    )
    response = client.post("/admin/account/", short)
    assert response.status_code == 200
    assert "密码太短：至少需要 12 个字符。" in response.content.decode()
    with schema_context("jingan"):
        assert get_user_model().objects.get(username="admin").password.startswith("pbkdf2_sha256_onetime$")
    assert client.get("/admin/").status_code == 302

    good = account_form(
        client, old_password=created.admin_password, new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD
    )
    response = client.post("/admin/account/", good)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    with schema_context("jingan"):
        assert get_user_model().objects.get(username="admin").check_password(NEW_PASSWORD)


def test_bureau_user_changes_the_one_time_password_first(centres):
    with schema_context("public"):
        centre_user_ensure(username="newcomer", password="generated-one-time-value", superuser=True, one_time=True)
    client = client_for(None)
    assert client.post("/login/", {"username": "newcomer", "password": "generated-one-time-value"}).status_code == 302

    response = client.get("/centres/")
    assert (response.status_code, response["Location"]) == (302, "/password/")

    response = client.post(
        "/password/",
        {"old_password": "generated-one-time-value", "new_password1": "Xq7-pine", "new_password2": "Xq7-pine"},
    )
    assert response.status_code == 200
    assert "密码太短：至少需要 12 个字符。" in response.content.decode()

    response = client.post(
        "/password/",
        {"old_password": "generated-one-time-value", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (response.status_code, response["Location"]) == (302, "/password/done/")
    assert client.get("/centres/").status_code == 200


def test_demo_and_test_users_keep_their_short_passwords(centres):
    with schema_context("huangpu"):
        user = centre_user_ensure(username="demo", password="junxiu-demo", superuser=True)
    assert user.check_password("junxiu-demo")
    client = client_for("huangpu")
    assert client.post("/admin/login/", {"username": "demo", "password": "junxiu-demo"}).status_code == 302
    assert client.get("/admin/").status_code == 200

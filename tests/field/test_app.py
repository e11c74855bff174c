"""The field app's pages as the server gives them: the shell only for a signed-in staff member of the host's centre,
under the strict CSP, in Chinese; its service worker scoped to /field/ and built from vendored files only (no CDN);
the manifest with its icons; the first load within its budget of 250 KB compressed."""

from __future__ import annotations

import gzip
import io
import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django_tenants.utils import schema_context
from PIL import Image

from field.views import SHELL_FILES, WORKER_FILES
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db
FIRST_LOAD_BUDGET = 250 * 1024


def signed_in(code: str, username: str, **kwargs):
    """Signed in through the centre's log-in page, as the liaison does before opening the app."""
    if kwargs:
        make_user(code, username, **kwargs)
    client = client_for(code)
    answer = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.content[:300]
    return client


def config_of(html: str) -> dict:
    found = re.search(r'<script id="field-config" type="application/json">(.*?)</script>', html, re.S)
    assert found, html[:500]
    return json.loads(found.group(1))


def test_the_shell_opens_for_a_liaison_in_chinese_under_the_strict_policy(centres):
    client = signed_in("huangpu", "field-shell", groups=(role_group_name(Role.CASEWORKER),))
    response = client.get("/field/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.cookies["csrftoken"].value  # the app sends it back in X-CSRFToken
    assert response["Cache-Control"].startswith("max-age=0")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    assert "<title>军休外勤</title>" in html
    assert '<link rel="manifest" href="/field/manifest.webmanifest">' in html
    # No inline script, style or handler: scripts are files, the settings a JSON block (never run).
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == ['<script id="field-config" type="application/json">']
    assert " style=" not in html and "<style" not in html and not re.search(r"\son[a-z]+=", html)
    for name in (
        "field/app.js",
        "field/queue.js",
        "forms_engine/conditions.js",
        "field/vendor/idb-keyval/idb-keyval.js",
    ):
        assert f'<script src="{static(name)}" defer></script>' in html
    config = config_of(html)
    assert (config["api"], config["sw"], config["scope"]) == ("/field/api/", "/field/sw.js", "/field/")
    assert config["login"] == "/admin/login/?next=/field/"
    text = config["text"]
    assert (text["overdue"], text["today"], text["week"], text["fill"]) == ("已逾期", "今天", "本周", "去填写")
    assert text["waiting"] == "{n} 条待上传"
    assert text["last_updated"] == "上次更新：{time}"
    assert "退出登录并清除本机数据" in html


def test_the_shell_sends_strangers_to_the_centres_log_in_and_refuses_a_login_without_a_role(centres):
    anonymous = client_for("huangpu").get("/field/")
    assert (anonymous.status_code, anonymous["Location"]) == (302, "/admin/login/?next=/field/")
    # A session of another centre is worth nothing here.
    putuo = signed_in("putuo", "field-putuo", groups=(role_group_name(Role.CASEWORKER),))
    putuo.defaults["HTTP_HOST"] = "huangpu.localhost"
    assert putuo.get("/field/")["Location"] == "/admin/login/?next=/field/"
    make_user("huangpu", "field-no-role")  # a staff login the centre gave no role
    outsider = signed_in("huangpu", "field-no-role")
    refused = outsider.get("/field/")
    assert refused.status_code == 403
    assert "外勤应用仅供中心工作人员使用，请用工作人员账号登录。" in refused.content.decode()
    assert "field-config" not in refused.content.decode()


def test_the_worker_is_scoped_to_the_app_and_loads_only_vendored_files(centres):
    response = client_for("huangpu").get("/field/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert (response["Cache-Control"], response["Service-Worker-Allowed"]) == ("no-cache", "/field/")
    body = response.content.decode()
    config = json.loads(re.search(r"self\.FIELD_SW = (\{.*\});", body).group(1))
    assert config["shell"] == "/field/"
    urls = [entry["url"] for entry in config["precache"]]
    assert urls == [static(name) for name in SHELL_FILES] + ["/field/manifest.webmanifest"]
    assert {entry["revision"] for entry in config["precache"]} == {config["revision"]}
    assert sorted(config["modules"]) == [
        "workbox-core",
        "workbox-expiration",
        "workbox-precaching",
        "workbox-routing",
        "workbox-strategies",
    ]
    # Everything it imports is a file of ours (static), none from a CDN.
    imported = re.findall(r'importScripts\("([^"]+)"\)', body) + config["scripts"] + list(config["modules"].values())
    assert all(url.startswith("/static/field/") for url in imported), imported
    for name in (*SHELL_FILES, *WORKER_FILES):
        assert finders.find(name), name
    for name in ("field/vendor/workbox/LICENSE", "field/vendor/idb-keyval/LICENCE"):
        assert finders.find(name), name


def test_the_manifest_makes_the_app_installable_with_its_icons(centres):
    response = client_for("huangpu").get("/field/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["name"], manifest["short_name"]) == ("军休外勤", "外勤")
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/field/", "/field/", "standalone")
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon
        if icon["type"] == "image/png":
            with open(path, "rb") as handle:  # noqa: PTH123
                sizes[icon["sizes"]] = Image.open(io.BytesIO(handle.read())).size
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}


def test_the_first_load_is_within_its_budget():
    """The shell's scripts and styles, gzip-compressed as the proxy sends them: at most 250 KB."""
    total = 0
    for name in SHELL_FILES:
        if name.endswith((".js", ".css")):
            with open(finders.find(name), "rb") as handle:  # noqa: PTH123
                total += len(gzip.compress(handle.read(), compresslevel=6))
    print(f"field_first_load_kb: {total / 1024:.1f}")
    assert 10 * 1024 < total <= FIRST_LOAD_BUDGET


def test_the_admin_menu_leads_the_staff_to_the_app_and_no_one_else(centres):
    liaison = signed_in("huangpu", "field-menu", groups=(role_group_name(Role.CASEWORKER),))
    menu = liaison.get("/admin/").content.decode()
    assert '"name": "field-app"' in menu and '"url": "/field/"' in menu
    assert json.dumps("外勤应用（手机）")[1:-1] in menu  # the sidebar's props are JSON, \u-escaped
    with schema_context("huangpu"):  # an admin account with no centre role: the app would refuse it
        group, _made = Group.objects.get_or_create(name="只进后台")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
    no_role = signed_in("huangpu", "field-menu-none", groups=("只进后台",))
    menu = no_role.get("/admin/").content.decode()
    assert '"name": "reminders"' in menu and '"url": "/field/"' not in menu
    assert no_role.get("/field/").status_code == 403

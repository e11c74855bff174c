"""The field app's pages: the app shell at /field/, its service worker and its web app manifest.

Interfaces only. The shell is the same for every liaison apart from the name shown; what the phone carries comes from
/field/api/ (field.api) and is kept in IndexedDB by field/static/field/app.js. The service worker is served from
/field/sw.js so that its scope is /field/ and nothing else of the site.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from tenants.roles import user_roles

# What the phone keeps to open with no network: the shell's scripts, styles and icons (precached by the worker).
SHELL_FILES = (
    "field/app.css",
    "field/app.js",
    "field/queue.js",
    "field/vendor/idb-keyval/idb-keyval.js",
    "forms_engine/conditions.js",
    "field/icons/icon.svg",
    "field/icons/icon-192.png",
)
WORKER_FILES = (
    "field/sw-main.js",
    "field/vendor/workbox/workbox-sw.js",
    "field/vendor/workbox/workbox-core.prod.js",
    "field/vendor/workbox/workbox-routing.prod.js",
    "field/vendor/workbox/workbox-strategies.prod.js",
    "field/vendor/workbox/workbox-expiration.prod.js",
    "field/vendor/workbox/workbox-precaching.prod.js",
)
WORKBOX_MODULES = ("core", "routing", "strategies", "expiration", "precaching")
LOGIN_URL = "/admin/login/"
LOGOUT_URL = "/admin/logout/"


@cache
def shell_revision() -> str:
    """A digest of every file the phone keeps: a new deployment changes it, and the worker updates its copies."""
    digest = hashlib.sha256()
    for name in (*SHELL_FILES, *WORKER_FILES):
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:  # noqa: PTH123
                digest.update(handle.read())
    return digest.hexdigest()[:16]


def texts() -> dict[str, str]:
    """The words app.js shows, translated here ({n}, {time}... are filled in by the script)."""
    return {
        "signed_in": _("Signed in as {name}"),
        "overdue": _("Overdue"),
        "today": _("Today"),
        "week": _("This week"),
        "nothing_due": _("Nothing is due in the next 7 days."),
        "fill": _("Go and fill it in"),
        "filled": _("Filled in, waiting to be sent"),
        "due": _("Due {date}"),
        "rest_home": _("Rest home"),
        "address": _("Address"),
        "phone": _("Phone"),
        "history": _("Last visits ({visits}) · open complaints ({complaints})"),
        "last_visits": _("Last visits"),
        "open_complaints": _("Open complaints"),
        "none": _("None"),
        "forms": _("Forms you may fill in"),
        "no_forms": _("No form is published for you yet."),
        "waiting": _("{n} waiting to be sent"),
        "waiting_refused": _("{n} waiting to be sent ({refused} refused)"),
        "offline": _("No network."),
        "last_updated": _("Last updated: {time}"),
        "not_loaded": _("Nothing is on this phone yet: open the app once with a network."),
        "loading": _("Opening…"),
        "signed_out": _("Your sign-in has ended. Sign in again to load the list and send what is waiting."),
        "sign_in": _("Sign in"),
        "revoked": _("This phone was signed out by the centre. Everything the app held on it has been cleared."),
        "stale": _(
            "The app had no contact with the server for 72 hours, so everything it held on this phone has been "
            "cleared. Open it with a network to load today's list again."
        ),
        "cleared": _("Everything the app held on this phone has been cleared."),
        "signout_confirm": _("{n} records have not been sent yet. Signing out deletes them from this phone. Sign out?"),
        "for_cadre": _("For: {name}"),
        "choose": _("Choose…"),
        "yes": _("Yes"),
        "no": _("No"),
        "send": _("Save and send"),
        "cancel": _("Cancel"),
        "photo": _("Take or choose a photo"),
        "sign_here": _("Sign here with your finger"),
        "sign": _("Sign on the screen instead"),
        "file_kind": _("This kind of file is not accepted; allowed: %(kinds)s."),
        "file_size": _("The file is larger than %(mb)s MB."),
        "clear": _("Clear"),
        "add_row": _("Add a row"),
        "remove_row": _("Remove this row"),
        "row": _("Row {n}"),
        "required": _("This question must be answered."),
        "constraint": _("The answer does not meet the condition."),
        "invalid": _("This answer is not valid."),
        "fix": _("Please correct the answers marked in red."),
        "queued": _("Saved on this phone. It is sent as soon as there is a network."),
        "sent": _("{n} records sent."),
        "queue_title": _("Waiting to be sent"),
        "all_sent": _("Everything has been sent."),
        "refused": _("Refused by the server"),
        "refused_help": _("Correct it and send it again; it stays on this phone until the server accepts it."),
        "correct": _("Correct and send again"),
        "send_now": _("Send now"),
        "delete": _("Delete from this phone"),
        "delete_confirm": _("This record has not reached the server. Delete it from this phone?"),
        "filled_at": _("Filled in {time}"),
        "form_missing": _("This form is not on this phone. Open the app with a network to load it."),
    }


def may_use(user) -> bool:
    """As the API decides (field.api.field_api): the centre's staff by their role."""
    return bool(user.is_active and (user.is_superuser or user_roles(user)))


@require_safe
@never_cache
@ensure_csrf_cookie
@login_required(login_url=LOGIN_URL)
def app_shell(request: HttpRequest) -> HttpResponse:
    """The liaison's app: today's visits and the forms, working offline once opened."""
    user = request.user
    if not may_use(user):
        message = _("The field app is for the centre's staff. Sign in with your staff account.")
        return render(request, "field/refused.html", {"message": message, "login_url": LOGIN_URL}, status=403)
    config = {
        "api": reverse("field:app") + "api/",
        "sw": reverse("field:sw"),
        "scope": reverse("field:app"),
        "login": f"{LOGIN_URL}?next={reverse('field:app')}",
        "logout": LOGOUT_URL,
        "user": user.get_username(),  # the staff name replaces it once today's list has come
        "revision": shell_revision(),
        "text": texts(),
    }
    return render(request, "field/app.html", {"config": config})


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker: its settings (the files to keep, by their static addresses), then Workbox and its own script."""
    config = {
        "revision": shell_revision(),
        "shell": reverse("field:app"),
        "precache": [{"url": static(name), "revision": shell_revision()} for name in SHELL_FILES]
        + [{"url": reverse("field:manifest"), "revision": shell_revision()}],
        "modules": {f"workbox-{m}": static(f"field/vendor/workbox/workbox-{m}.prod.js") for m in WORKBOX_MODULES},
        "scripts": [static("field/vendor/idb-keyval/idb-keyval.js"), static("field/queue.js")],
    }
    body = "\n".join(
        [
            "/* The field app's service worker (field/views.py builds this head; the rest is field/sw-main.js). */",
            f"self.FIELD_SW = {json.dumps(config)};",
            f"importScripts({json.dumps(static('field/vendor/workbox/workbox-sw.js'))});",
            "workbox.setConfig({debug: false, modulePathCb: function (name) { return self.FIELD_SW.modules[name]; }});",
            f"importScripts({json.dumps(static('field/sw-main.js'))});",
            "",
        ]
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("field:app")
    return response


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installable from the browser's menu, opening on /field/."""
    scope = reverse("field:app")
    data = {
        "name": _("Junxiu field app"),
        "short_name": _("Field app"),
        "lang": "zh-CN",
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5cab",
        "icons": [
            {"src": static("field/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("field/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("field/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            {"src": static("field/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response

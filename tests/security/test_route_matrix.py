"""The route matrix (issue 13): every route of both URL confs × every method its view accepts × every actor who must
be refused, the refused unsafe requests proven to change no row of the centre's or the public schema, no 5xx for
anyone, and a positive control per route (its rightful actor gets in). The figures are printed at the end of the run.

A new route fails `test_every_route_is_in_the_matrix` until it is added to CENTRE or BUREAU below with its rightful
actor, the actors also allowed, and the path to request (filled with the objects `world` makes), or as public() with
the reason. Wagtail's own admin routes (and its generic views over our models) are one group, checked by the sample
in WAGTAIL_ADMIN_SAMPLE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from django.urls import resolve
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD, host, make_user, publish_notice
from tests.security.route_matrix import UNSAFE, Fingerprint, accepted_methods, routes, verdict

CENTRE_CONF, BUREAU_CONF = "junxiu.urls_centre", "junxiu.urls_public"

# -- actors ------------------------------------------------------------------------------------------------------------
# Centre host (huangpu): anonymous, a user of another centre (putuo's m_centre_admin, the same username as huangpu's),
# a bureau user's session, the centre's staff by role ("nobody" is a staff login with no role); on the cadre's routes
# also a cadre of the public site, another cadre and a cadre of another centre.
ROLES = ("superuser", "centre_admin", "editor", "caseworker", "health_officer", "viewer", "nobody")
STAFF = frozenset(ROLES)
OUTSIDERS = ("anonymous", "other_centre", "bureau")
CADRES = ("cadre", "other_cadre", "other_centre_cadre")
# Bureau host: its roles, a public-schema login with no bureau role, and a centre's admin.
# On API routes also an API token of another schema (putuo's or the bureau's on huangpu, huangpu's on the bureau).
BUREAU_ROLES = ("bureau_head", "bureau_analyst", "bureau_viewer", "bureau_nobody")
BUREAU_OUTSIDERS = ("anonymous", "centre_user")

# Tables a refused request may rightly write: the session (a message about the refusal is kept there) and axes'
# record of log-in attempts.
FINGERPRINT_SKIP = {
    "django_session": "a refusal's message is stored in the session",
    "axes_accessattempt": "log-in attempts are axes' own record",
    "axes_accesslog": "log-in attempts are axes' own record",
    "axes_accessfailurelog": "log-in attempts are axes' own record",
}


@dataclass(frozen=True)
class R:
    """How a route is checked: the path to request, who gets in (positive control), who else may, and for public
    routes why they are public. `method`/`data`: the positive control's request when GET is not accepted."""

    path: str
    rightful: str = ""
    allowed: frozenset[str] = field(default_factory=frozenset)
    public: str = ""
    method: str = "GET"
    data: dict | None = None
    methods: frozenset[str] = frozenset()  # when the view's own methods cannot be read from it
    denied: tuple[str, ...] = ()  # redirects that mean "refused" here; its positive control must change something


def r(path: str, rightful: str, *also: str, **options) -> R:
    return R(path, rightful, frozenset({rightful, "superuser", "bureau_head", *also}), **options)


def public(path: str, reason: str, *, rightful: str = "anonymous", method: str = "GET", data=None) -> R:
    return R(path, rightful, frozenset(), public=reason, method=method, data=data)


ADMIN = ("centre_admin",)
ANY_STAFF = tuple(STAFF)
CADRE_READERS = ("centre_admin", "caseworker", "health_officer", "viewer")
WITH_ROLE = tuple(role for role in ROLES if role != "nobody")  # the field app: staff holding a role
FIELD_DEVICE = "00000000-0000-4000-8000-00000000f1e1"

CENTRE: dict[str, R] = {
    # Probes of the load balancer and Kubernetes (junxiu.health), answered on any host before anything else
    "healthz": public("/healthz", "the process is up: 'ok', nothing else"),
    "readyz": public("/readyz", "ready or not, and which dependency or schema is not: no personal data"),
    # Our log-out (replaces Wagtail's): every signed-in staff member; a GET asks, a POST ends the session.
    "admin/logout/": R(
        "/admin/logout/",
        "viewer",
        frozenset(),
        public="a GET asks with a log-out button, a POST ends one's own session",
        methods=frozenset({"GET", "HEAD", "POST", "OPTIONS"}),
    ),
    # registry
    "admin/registry/cadres/import/": r("/admin/registry/cadres/import/", "centre_admin"),
    "admin/registry/cadres/import/template/": r("/admin/registry/cadres/import/template/", "centre_admin"),
    "admin/registry/cadres/import/commit/": r(
        "/admin/registry/cadres/import/commit/", "centre_admin", method="POST", data={}
    ),
    "admin/registry/cadres/import/map/": r(
        "/admin/registry/cadres/import/map/", "centre_admin", method="POST", data={}
    ),
    "admin/registry/cadres/export/": r("/admin/registry/cadres/export/", "centre_admin"),
    "admin/registry/cadres/": r("/admin/registry/cadres/", "viewer", *CADRE_READERS),
    "admin/registry/cadres/mine/": r("/admin/registry/cadres/mine/", "caseworker", *CADRE_READERS),
    "admin/registry/cadres/add/": r("/admin/registry/cadres/add/", "caseworker", "centre_admin"),
    "admin/registry/cadres/<int:pk>/": r("/admin/registry/cadres/{cadre}/", "viewer", *CADRE_READERS),
    "admin/registry/cadres/<int:pk>/edit/": r("/admin/registry/cadres/{cadre}/edit/", "caseworker", *ADMIN),
    "admin/registry/cadres/<int:pk>/<slug:tab>/": r("/admin/registry/cadres/{cadre}/family/", "viewer", *CADRE_READERS),
    "admin/registry/cadres/<int:pk>/documents/<int:document_id>/": r(
        "/admin/registry/cadres/{cadre}/documents/{archive_document}/", "viewer", *CADRE_READERS
    ),
    "admin/locked-logins/": r("/admin/locked-logins/", "centre_admin"),
    "admin/registry/access-log/": r("/admin/registry/access-log/", "centre_admin"),
    "admin/registry/facilities/": r("/admin/registry/facilities/", "viewer", "centre_admin", "caseworker"),
    "admin/registry/lifecycle/cadres/<int:pk>/receive/": r(
        "/admin/registry/lifecycle/cadres/{cadre}/receive/", "caseworker", *ADMIN
    ),
    "admin/registry/lifecycle/cadres/<int:pk>/death/": r(
        "/admin/registry/lifecycle/cadres/{cadre}/death/", "caseworker", *ADMIN
    ),
    "admin/registry/lifecycle/cadres/<int:pk>/transfer/": r(
        "/admin/registry/lifecycle/cadres/{cadre}/transfer/", "centre_admin"
    ),
    "admin/registry/lifecycle/transfers/": r("/admin/registry/lifecycle/transfers/", "viewer", "centre_admin"),
    "admin/registry/lifecycle/transfers/<int:pk>/approve/": r(
        "/admin/registry/lifecycle/transfers/{transfer}/approve/", "centre_admin"
    ),
    "admin/registry/lifecycle/transfers/<int:pk>/execute/": r(
        "/admin/registry/lifecycle/transfers/{transfer}/execute/", "centre_admin"
    ),
    # the person choosers of admin forms: those who may view cadres (staff), each listing only whom they may see
    "admin/registry/choose/cadre/": r("/admin/registry/choose/cadre/", "caseworker", *CADRE_READERS),
    "admin/registry/choose/cadre/results/": r(
        "/admin/registry/choose/cadre/results/?q=w", "caseworker", *CADRE_READERS
    ),
    "admin/registry/choose/cadre/chosen/<str:pk>/": r(
        "/admin/registry/choose/cadre/chosen/{cadre}/", "caseworker", *CADRE_READERS
    ),
    "admin/registry/choose/cadre/chosen-multiple/": r(
        "/admin/registry/choose/cadre/chosen-multiple/?id={cadre}", "caseworker", *CADRE_READERS
    ),
    "admin/registry/choose/staff/": r("/admin/registry/choose/staff/", "caseworker", "centre_admin", "viewer"),
    "admin/registry/choose/staff/results/": r(
        "/admin/registry/choose/staff/results/?q=l", "caseworker", "centre_admin", "viewer"
    ),
    "admin/registry/choose/staff/chosen/<str:pk>/": r(
        "/admin/registry/choose/staff/chosen/{staff}/", "caseworker", "centre_admin", "viewer"
    ),
    "admin/registry/choose/staff/chosen-multiple/": r(
        "/admin/registry/choose/staff/chosen-multiple/?id={staff}", "caseworker", "centre_admin", "viewer"
    ),
    # forms engine: the visit form is filled and read by caseworkers, built by centre admins
    "admin/forms-engine/": r("/admin/forms-engine/", "caseworker", *CADRE_READERS, "editor"),
    "admin/forms-engine/new/": r("/admin/forms-engine/new/", "centre_admin"),
    "admin/forms-engine/<int:pk>/": r("/admin/forms-engine/{form}/", "centre_admin"),
    "admin/forms-engine/<int:pk>/fields/add/": r("/admin/forms-engine/{form}/fields/add/", "centre_admin"),
    "admin/forms-engine/<int:pk>/fields/name/": r("/admin/forms-engine/{form}/fields/name/?label=方式", "centre_admin"),
    "admin/forms-engine/<int:pk>/fields/<int:field_id>/": r(
        "/admin/forms-engine/{form}/fields/{field}/", "centre_admin"
    ),
    "admin/forms-engine/<int:pk>/fields/<int:field_id>/move/": r(
        "/admin/forms-engine/{form}/fields/{field}/move/", "centre_admin", method="POST", data={"direction": "down"}
    ),
    "admin/forms-engine/<int:pk>/fields/reorder/": r(
        "/admin/forms-engine/{form}/fields/reorder/", "centre_admin", method="POST", data={}
    ),
    "admin/forms-engine/<int:pk>/preview/": r("/admin/forms-engine/{form}/preview/", "centre_admin"),
    "admin/forms-engine/<int:pk>/fields/<int:field_id>/remove/": r(
        "/admin/forms-engine/{form}/fields/{field}/remove/", "centre_admin"
    ),
    "admin/forms-engine/<int:pk>/publish/": r("/admin/forms-engine/{form}/publish/", "centre_admin"),
    "admin/forms-engine/<int:pk>/submissions/": r("/admin/forms-engine/{form}/submissions/", "caseworker", *ADMIN),
    "admin/forms-engine/<int:pk>/submissions/new/": r(
        "/admin/forms-engine/{form}/submissions/new/", "caseworker", *ADMIN
    ),
    "admin/forms-engine/<int:pk>/export/": r("/admin/forms-engine/{form}/export/", "caseworker", *ADMIN),
    "admin/forms-engine/submissions/<int:sid>/": r(
        "/admin/forms-engine/submissions/{submission}/", "caseworker", *ADMIN
    ),
    "admin/forms-engine/submissions/<int:sid>/edit/": r(
        "/admin/forms-engine/submissions/{submission}/edit/", "caseworker", *ADMIN
    ),
    "admin/forms-engine/submissions/<int:sid>/move/": r(
        "/admin/forms-engine/submissions/{submission}/move/", "caseworker", *ADMIN, method="POST", data={}
    ),
    "admin/forms-engine/submissions/<int:sid>/assign/": r(
        "/admin/forms-engine/submissions/{submission}/assign/", "caseworker", *ADMIN, method="POST", data={}
    ),
    "admin/forms-engine/submissions/<int:sid>/file/": r(
        "/admin/forms-engine/submissions/{file_submission}/file/?path={upload_path}", "caseworker", *ADMIN
    ),
    "admin/forms-engine/submissions/<int:sid>/comment/": r(
        "/admin/forms-engine/submissions/{submission}/comment/", "caseworker", *ADMIN, method="POST", data={}
    ),
    "admin/forms-engine/exports/": r("/admin/forms-engine/exports/", "centre_admin", *ANY_STAFF),
    "admin/forms-engine/exports/<int:job_id>/status/": r(
        "/admin/forms-engine/exports/{export_job}/status/", "centre_admin"
    ),
    "admin/forms-engine/exports/<int:job_id>/download/": r(
        "/admin/forms-engine/exports/{export_job}/download/", "centre_admin"
    ),
    "admin/forms-engine/import/": r("/admin/forms-engine/import/", "centre_admin"),
    "admin/forms-engine/templates/": r("/admin/forms-engine/templates/", "centre_admin"),
    "admin/forms-engine/<int:pk>/xlsform/": r("/admin/forms-engine/{form}/xlsform/", "centre_admin"),
    # reminders: today's work, the inbox and one's own preferences are every staff member's
    "admin/reminders/today/": r("/admin/reminders/today/", "caseworker", *ANY_STAFF),
    "admin/reminders/items/<int:pk>/waive/": r(  # the due item is the caseworker's own
        "/admin/reminders/items/{due_item}/waive/", "caseworker", *ADMIN, method="POST", data={"reason": "住院"}
    ),
    "admin/reminders/inbox/": r("/admin/reminders/inbox/", "caseworker", *ANY_STAFF),
    "admin/reminders/preferences/": r("/admin/reminders/preferences/", "caseworker", *ANY_STAFF),
    "admin/reminders/failures/": r("/admin/reminders/failures/", "centre_admin"),
    # the field app's phones (设置 › 外勤设备): the centre admin sees them and signs one out
    "admin/field/devices/": r("/admin/field/devices/", "centre_admin"),
    # content's admin screens
    "admin/content/outings/": r("/admin/content/outings/", "caseworker", "centre_admin", "editor"),
    "admin/content/pages/<int:page_id>/signups/": r(
        "/admin/content/pages/{activity}/signups/", "editor", "centre_admin"
    ),
    "admin/content/pages/<int:page_id>/preview-link/": r(
        "/admin/content/pages/{notice}/preview-link/", "editor", "centre_admin"
    ),
    "admin/content/access-codes/": r("/admin/content/access-codes/", "caseworker", "centre_admin"),
    # the centre's evaluation (reports)
    "admin/evaluation/": r("/admin/evaluation/", "centre_admin"),
    "admin/evaluation/actions/<int:pk>/status/": r(
        "/admin/evaluation/actions/{action}/status/", "centre_admin", method="POST", data={"status": "doing"}
    ),
    # Wagtail documents (served with the collection's privacy) and the API
    "documents/(\\d+)/(.*)$": public("/documents/{document}/{document_filename}", "documents of the public site"),
    "documents/authenticate_with_password/<int:restriction_id>/": public(
        "/documents/authenticate_with_password/{document_restriction}/", "the password form of a private document"
    ),
    "api/v2/pages/": public("/api/v2/pages/", "the headless API serves the public site's live pages"),
    "api/v2/pages/<int:pk>/": public("/api/v2/pages/{notice}/", "a live page of the public site"),
    "api/v2/pages/find/": public("/api/v2/pages/find/?html_path=/", "a live page of the public site by path"),
    "api/v2/images/": public("/api/v2/images/", "images of the public site's pages"),
    "api/v2/images/<int:pk>/": public("/api/v2/images/{image}/", "an image of the public site"),
    "api/v2/images/find/": public("/api/v2/images/find/?id={image}", "an image of the public site"),
    "api/v2/documents/": public("/api/v2/documents/", "documents of the public site's pages"),
    "api/v2/documents/<int:pk>/": public("/api/v2/documents/{document}/", "a document of the public site"),
    "api/v2/documents/find/": public("/api/v2/documents/find/?id={document}", "a document of the public site"),
    "api/v2/preview/": public(
        "/api/v2/preview/?content_type=content.noticepage&token={preview_token}",
        "a draft shown only with its signed preview token",
    ),
    # registry API
    "api/registry/cadres/$": r("/api/registry/cadres/", "viewer", *CADRE_READERS),
    "api/registry/cadres/(?P<pk>[^/.]+)/$": r("/api/registry/cadres/{cadre}/", "viewer", *CADRE_READERS),
    "api/registry/cadres/(?P<pk>[^/.]+)/family/$": r("/api/registry/cadres/{cadre}/family/", "viewer", *CADRE_READERS),
    "api/registry/rest-homes/$": r("/api/registry/rest-homes/", "viewer", *CADRE_READERS),
    "api/registry/rest-homes/(?P<pk>[^/.]+)/$": r("/api/registry/rest-homes/{rest_home}/", "viewer", *CADRE_READERS),
    "api/registry/staff/$": r("/api/registry/staff/", "viewer", *CADRE_READERS),
    "api/registry/staff/(?P<pk>[^/.]+)/$": r("/api/registry/staff/{staff}/", "viewer", *CADRE_READERS),
    "api/registry/trips/$": r("/api/registry/trips/", "viewer", *CADRE_READERS),
    "api/registry/trips/(?P<pk>[^/.]+)/$": r("/api/registry/trips/{trip}/", "viewer", *CADRE_READERS),
    "api/registry/health-checks/$": r("/api/registry/health-checks/", "viewer", *CADRE_READERS),
    "api/registry/health-checks/(?P<pk>[^/.]+)/$": r(
        "/api/registry/health-checks/{health_check}/", "viewer", *CADRE_READERS
    ),
    # forms API
    "api/forms/": r("/api/forms/", "caseworker", *ANY_STAFF),
    "api/forms/submissions/<int:pk>/": r("/api/forms/submissions/{submission}/", "caseworker", *ADMIN),
    "api/forms/submissions/<int:pk>/move/": r(
        "/api/forms/submissions/{submission}/move/", "caseworker", *ADMIN, method="POST", data={}
    ),
    "api/forms/<slug:key>/": r("/api/forms/{form_key}/", "caseworker", *ADMIN),
    "api/forms/<slug:key>/versions/": r("/api/forms/{form_key}/versions/", "caseworker", *ADMIN),
    "api/forms/<slug:key>/versions/<int:number>/": r("/api/forms/{form_key}/versions/1/", "caseworker", *ADMIN),
    "api/forms/<slug:key>/submissions/": r("/api/forms/{form_key}/submissions/", "caseworker", *ADMIN),
    "api/token/": public(
        "/api/token/",
        "a username and password buy an API token",
        method="POST",
        data={"username": "m_viewer", "password": PASSWORD},
    ),
    "api/schema/": r("/api/schema/", "viewer", *ANY_STAFF),
    "api/docs/": r("/api/docs/", "viewer", *ANY_STAFF),
    # the public site
    "forms/status/": public("/forms/status/", "a cadre looks up a receipt with no login"),
    "forms/<slug:key>/": public("/forms/{public_form_key}/", "a published public form, filled with no login"),
    "forms/<slug:key>/done/<str:receipt>/": public(
        "/forms/{public_form_key}/done/{receipt}/", "the receipt page of a public form"
    ),
    # the field app (the liaison's phone): the shell and its API for staff with a role; its worker and manifest are
    # code and a description of the app, no data
    "field/": r("/field/", "caseworker", *WITH_ROLE),
    "field/sw.js": public("/field/sw.js", "the field app's service worker: code, no data"),
    "field/manifest.webmanifest": public("/field/manifest.webmanifest", "the field app's web app manifest: no data"),
    "field/api/devices/": r("/field/api/devices/", "caseworker", *WITH_ROLE, method="POST", data={"payload": "{}"}),
    "field/api/today/": r(f"/field/api/today/?device={FIELD_DEVICE}", "caseworker", *WITH_ROLE),
    "field/api/ping/": r(f"/field/api/ping/?device={FIELD_DEVICE}", "caseworker", *WITH_ROLE),
    "field/api/submissions/": r("/field/api/submissions/", "caseworker", *WITH_ROLE, method="POST", data={}),
    "display/": public("/display/", "the large-text display preference of the public site"),
    "search/": public("/search/?q=通知", "search of the public site"),
    "cadre/login/": public("/cadre/login/", "the cadre's log-in"),
    "cadre/logout/": public("/cadre/logout/", "ending a cadre's session", rightful="cadre", method="POST", data={}),
    "cadre/signups/": R("/cadre/signups/", "cadre", frozenset({"cadre", "other_cadre"})),
    "cadre/signups/<int:signup_id>/cancel/": R(  # another cadre's sign-up: back to their own list, unchanged
        "/cadre/signups/{signup}/cancel/",
        "cadre",
        frozenset({"cadre"}),
        method="POST",
        data={},
        denied=("/cadre/signups/",),
    ),
    "cadre/signup/<int:page_id>/": R(
        "/cadre/signup/{activity}/", "other_cadre", frozenset({"cadre", "other_cadre"}), method="POST", data={}
    ),
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": public(
        "/_util/authenticate_with_password/{page_restriction}/{private_page}/", "the password form of a private page"
    ),
    "_util/login/": public("/_util/login/", "the log-in of a page restricted to logged-in users"),
    "^((?:[\\w\\-]+/)*)$": public("/", "the public site's pages"),
}

# Wagtail's own admin routes: one group, checked by this sample (editor's and admin's everyday screens and the
# superuser-only ones).
WAGTAIL_ADMIN_SAMPLE: dict[str, R] = {
    "admin/": r("/admin/", "viewer", *ANY_STAFF),
    "admin/pages/": r("/admin/pages/", "editor", "centre_admin"),
    "admin/pages/<int:parent_page_id>/": r("/admin/pages/{home}/", "editor", "centre_admin"),
    "admin/pages/<int:page_id>/edit/": r("/admin/pages/{notice}/edit/", "editor", "centre_admin"),
    "admin/pages/<int:page_id>/delete/": r("/admin/pages/{notice}/delete/", "centre_admin", "editor"),
    "admin/pages/<int:page_id>/history/": r("/admin/pages/{notice}/history/", "editor", "centre_admin"),
    "admin/api/main/pages/": r("/admin/api/main/pages/", "editor", *ANY_STAFF),
    "admin/users/": r("/admin/users/", "superuser"),
    "admin/users/new/": r("/admin/users/new/", "superuser"),
    "admin/users/edit/<int:pk>/": r("/admin/users/edit/{viewer_user}/", "superuser"),
    "admin/groups/": r("/admin/groups/", "superuser"),
    "admin/groups/edit/<int:pk>/": r("/admin/groups/edit/{viewer_group}/", "superuser"),
    "admin/sites/": r("/admin/sites/", "superuser"),
    "admin/collections/": r("/admin/collections/", "superuser"),
    "admin/documents/": r("/admin/documents/", "editor", "centre_admin"),
    "admin/documents/add/": r("/admin/documents/add/", "editor", "centre_admin"),
    "admin/images/": r("/admin/images/", "editor", "centre_admin"),
    "admin/redirects/": r("/admin/redirects/", "superuser"),
    "admin/workflows/list/": r("/admin/workflows/list/", "superuser"),
    # Wagtail shows every admin user the site history, filtered to what they may see
    "admin/reports/site-history/": r("/admin/reports/site-history/", "centre_admin", *ANY_STAFF),
    "admin/account/": r("/admin/account/", "viewer", *ANY_STAFF),
    "admin/login/": public("/admin/login/", "the staff log-in", rightful="anonymous"),
    # Wagtail's generic views over our models (registered with register_admin_viewset), under their permission policy
    **{
        f"admin/{prefix}/{suffix}": r(f"/admin/{prefix}/{path}", rightful, *also)
        for prefix, rightful, also, obj in [
            ("registry_rest_homes", "viewer", ("centre_admin", "caseworker"), "rest_home"),
            ("registry_staff", "viewer", ("centre_admin", "caseworker"), "staff"),
            ("registry_rooms", "viewer", ("centre_admin", "caseworker"), "room"),
            ("registry_vehicles", "viewer", ("centre_admin", "caseworker"), "vehicle"),
            ("reminder_rules", "viewer", ("centre_admin",), "rule"),
            ("reminder_holidays", "viewer", ("centre_admin",), "holiday"),
        ]
        for suffix, path in [("", "")]
    },
    **{
        f"admin/{prefix}/{suffix}": r(f"/admin/{prefix}/{path}", "centre_admin")
        for prefix, obj in [
            ("registry_rest_homes", "rest_home"),
            ("registry_staff", "staff"),
            ("registry_rooms", "room"),
            ("registry_vehicles", "vehicle"),
            ("reminder_rules", "rule"),
            ("reminder_holidays", "holiday"),
        ]
        for suffix, path in [
            ("new/", "new/"),
            ("edit/<int:pk>/", f"edit/{{{obj}}}/"),
            ("delete/<int:pk>/", f"delete/{{{obj}}}/"),
        ]
    },
}

BUREAU_ALL = ("bureau_head", "bureau_analyst", "bureau_viewer")
EXPORTERS = ("bureau_head", "bureau_analyst")

BUREAU: dict[str, R] = {
    # Probes of the load balancer and Kubernetes (junxiu.health), answered on any host before anything else
    "healthz": public("/healthz", "the process is up: 'ok', nothing else"),
    "readyz": public("/readyz", "ready or not, and which dependency or schema is not: no personal data"),
    "centres/": r("/centres/", "bureau_viewer", *BUREAU_ALL, "bureau_nobody"),
    "login/": R("/login/", "anonymous", frozenset({"anonymous", *BUREAU_ROLES}), public="the bureau's log-in"),
    "logout/": R(
        "/logout/",
        "bureau_viewer",
        frozenset(),
        public="a GET asks with a log-out button, a POST ends one's own session",
        methods=frozenset({"GET", "HEAD", "POST", "OPTIONS"}),
    ),
    "password/": r("/password/", "bureau_viewer", *BUREAU_ROLES),
    "password/done/": r("/password/done/", "bureau_viewer", *BUREAU_ROLES),
    "display/": R("/display/", "anonymous", frozenset({"anonymous", *BUREAU_ROLES}), public="display preference"),
    "citywide/": r("/citywide/", "bureau_analyst"),
    "citywide/new/": r("/citywide/new/", "bureau_analyst"),
    "citywide/<int:item_id>/": r("/citywide/{citywide_item}/", "bureau_analyst"),
    "citywide/<int:item_id>/withdraw/": r(
        "/citywide/{citywide_item}/withdraw/", "bureau_analyst", method="POST", data={"withdrawn": "0"}
    ),
    "api/token/": public(
        "/api/token/",
        "a username and password buy an API token",
        method="POST",
        data={"username": "m_bureau_viewer", "password": PASSWORD},
    ),
    "api/schema/": r("/api/schema/", "bureau_viewer", *BUREAU_ALL, "bureau_nobody"),
    "api/docs/": r("/api/docs/", "bureau_viewer", *BUREAU_ALL, "bureau_nobody"),
    "": r("/", "bureau_viewer", *BUREAU_ALL),
    "reports/area/<slug:area>/": r("/reports/area/cadres/", "bureau_viewer", *BUREAU_ALL),
    "reports/centre/<slug:code>/": r("/reports/centre/huangpu/", "bureau_viewer", *BUREAU_ALL),
    "reports/definitions/": r("/reports/definitions/", "bureau_viewer", *BUREAU_ALL),
    "reports/refresh/": r("/reports/refresh/", "bureau_analyst"),
    "reports/refresh/<int:run_id>/": r("/reports/refresh/{refresh_run}/", "bureau_analyst"),
    "reports/scorecard/": r("/reports/scorecard/", "bureau_viewer", *BUREAU_ALL),
    "reports/scorecard/new/": r("/reports/scorecard/new/", "bureau_analyst"),
    "reports/scorecard/<int:pk>/edit/": r("/reports/scorecard/{scorecard}/edit/", "bureau_analyst"),
    "reports/scorecard/<int:pk>/publish/": r(
        "/reports/scorecard/{scorecard}/publish/", "bureau_head", method="POST", data={}
    ),
    "reports/scorecard/<int:pk>/revise/": r(
        "/reports/scorecard/{scorecard}/revise/", "bureau_analyst", method="POST", data={}
    ),
    "reports/drill/<slug:indicator>/<slug:centre>/": r(
        "/reports/drill/{indicator}/huangpu/", "bureau_viewer", *BUREAU_ALL
    ),
    "reports/actions/": r("/reports/actions/", "bureau_viewer", *BUREAU_ALL),
    "reports/export/view/": r("/reports/export/view/", "bureau_analyst", *EXPORTERS),
    "reports/export/year/": r("/reports/export/year/", "bureau_analyst", *EXPORTERS),
    "reports/export/<int:export_id>/": r("/reports/export/{report_export}/", "bureau_head"),
    "reports/export/<int:export_id>/download/": r("/reports/export/{report_export}/download/", "bureau_head"),
    # The printable pages show what the portal shows (the PDF and workbook files are exports)
    "reports/export/print/scorecard/": r("/reports/export/print/scorecard/", "bureau_analyst", *BUREAU_ALL),
    "reports/export/print/centre/<slug:code>/": r(
        "/reports/export/print/centre/huangpu/", "bureau_analyst", *BUREAU_ALL
    ),
    "reports/export/pdf/scorecard/": r("/reports/export/pdf/scorecard/", "bureau_analyst", *EXPORTERS),
    "reports/export/pdf/centre/<slug:code>/": r("/reports/export/pdf/centre/huangpu/", "bureau_analyst", *EXPORTERS),
    "api/reports/facts/": r("/api/reports/facts/", "bureau_viewer", *BUREAU_ALL),
    "api/reports/indicators/": r("/api/reports/indicators/", "bureau_viewer", *BUREAU_ALL),
    "api/reports/scorecards/": r("/api/reports/scorecards/?year=2026", "bureau_analyst", *BUREAU_ALL),
}


# -- the objects the paths name ----------------------------------------------------------------------------------------


@pytest.fixture
def world(centres) -> dict[str, object]:
    """One of everything a route names, made through the apps' services in huangpu and the bureau; users per actor."""
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

    from content.api import preview_token_make
    from content.services import citywide_item_save
    from content.services.signups import signup_create
    from forms_engine.exports import submissions_export_start, submissions_export_write
    from forms_engine.models import Submission
    from forms_engine.services import (
        ACTIONS,
        form_create,
        form_field_add,
        form_publish,
        form_update,
        submission_create,
    )
    from notifications.models import DueItem, Holiday, ReminderRule
    from registry.lifecycle import cadre_transfer_request
    from registry.models import ArchiveDocument, FacilityRoom, HealthCheck, RestHome, Staff, TripAbroad, Vehicle
    from reports.exports import report_export_start
    from reports.filters import filters_parse
    from reports.models import Indicator
    from reports.roles import BureauRole, bureau_role_grant
    from reports.services import improvement_action_create, refresh_run_start, scorecard_create
    from tenants.roles import Role, role_group_name
    from tests.content.conftest import make_activity, make_cadre
    from tests.forms_engine.conftest import build_visit_form

    ids: dict[str, object] = {}
    users: dict[str, object] = {}
    cache.clear()
    for role in ROLES:  # the same usernames in putuo: a user of another centre
        groups = () if role in ("superuser", "nobody") else (role_group_name(Role(role)),)
        users[role] = make_user("huangpu", f"m_{role}", groups=groups, superuser=role == "superuser")
    users["other_centre"] = make_user("putuo", "m_centre_admin", superuser=True)
    with schema_context("public"):
        for role in BUREAU_ROLES:
            users[role] = make_user("public", f"m_{role}")
            if role != "bureau_nobody":
                bureau_role_grant(user=users[role], role=BureauRole(f"bureau:{role.removeprefix('bureau_')}"))
        users["bureau"] = users["bureau_head"]
    cadre = make_cadre("huangpu", "王德胜", seq=11, mobile="13812345678")
    other = make_cadre("huangpu", "曾国平", seq=21, mobile="13900001111")
    leaving = make_cadre("huangpu", "赵建华", seq=31)
    putuo_cadre = make_cadre("putuo", "钱文明", seq=41)
    activity = make_activity("huangpu", title="书画笔会", capacity=5)
    notice = publish_notice("huangpu", title="冬季安全通知", slug="winter-safety")
    private_page = publish_notice("huangpu", title="内部通知", slug="internal")
    with schema_context("huangpu"):
        home = RestHome.objects.create(name="东休养所")
        liaison = Staff.objects.create(user=users["caseworker"], name="李联络", rest_home=home, phone="13900001111")
        for person in (cadre, other, leaving):
            person.rest_home, person.liaison = home, liaison
            person.save()
        form = build_visit_form("matrix-visit")
        form_update(form=form, access={action: [Role.CASEWORKER.value] for action in ACTIONS})
        submission = submission_create(
            form=form, data={"visit_type": "call", "minutes": 10, "visitors": []}, user=users["caseworker"], cadre=cadre
        )
        file_form = form_create(
            title="材料", key="matrix-files", access={action: [Role.CASEWORKER.value] for action in ACTIONS}
        )
        form_field_add(form=file_form, name="attachment", field_type="file", label="附件")
        form_publish(form=file_form)
        upload = default_storage.save("forms/matrix/attachment.pdf", ContentFile(b"%PDF-1.4"))
        record = {"name": "attachment.pdf", "path": upload, "size": 8, "content_type": "application/pdf"}
        file_submission = submission_create(form=file_form, data={"attachment": record}, user=users["caseworker"])
        public_form = form_create(title="意见建议", key="matrix-public", public=True)
        form_field_add(form=public_form, name="text", field_type="text", label="意见")
        form_publish(form=public_form)
        public_submission = submission_create(form=public_form, data={"text": "好"}, channel="public")
        rule = ReminderRule.objects.order_by("pk").first()
        due = DueItem.objects.create(
            rule=rule,
            subject_type="cadre",
            subject_id=cadre.pk,
            period_key="2026-12-01",
            period_start=dt.date(2026, 12, 1),
            due_on=dt.date(2026, 12, 1),
            assignee=liaison,
        )
        collection = Collection.get_first_root_node().add_child(name="内部资料")
        document = Document.objects.create(title="通知附件", file=ContentFile(b"notice", name="notice.txt"))
        image = Image.objects.create(title="封面", file=ContentFile(_png(), name="cover.png"), width=1, height=1)
        ids |= {
            "cadre": cadre.pk,
            "rest_home": home.pk,
            "staff": liaison.pk,
            "room": FacilityRoom.objects.create(rest_home=home, room_type="activity", floor_area=30).pk,
            "vehicle": Vehicle.objects.create(rest_home=home, plate="沪A12345").pk,
            "rule": rule.pk,
            "holiday": Holiday.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦").pk,
            "trip": TripAbroad.objects.create(cadre=cadre, destination="日本", departs_on=dt.date(2026, 5, 1)).pk,
            "health_check": HealthCheck.objects.create(cadre=cadre, year=2026, date=dt.date(2026, 6, 1)).pk,
            "transfer": cadre_transfer_request(cadre=leaving, user=users["centre_admin"], target_centre="putuo").pk,
            "form": form.pk,
            "form_key": form.key,
            "field": form.fields.order_by("pk").first().pk,
            "submission": submission.pk,
            "file_submission": file_submission.pk,
            "upload_path": upload,
            "public_form_key": public_form.key,
            "receipt": Submission.objects.get(pk=public_submission.pk).receipt,
            "export_job": submissions_export_write(
                job=submissions_export_start(form=form, user=users["centre_admin"])
            ).pk,
            "due_item": due.pk,
            "activity": activity.pk,
            "notice": notice.pk,
            "home": notice.get_parent().pk,
            "signup": signup_create(page_id=activity.pk, cadre_id=cadre.pk).pk,
            "document": document.pk,
            "document_filename": document.filename,
            "private_page": private_page.pk,
            "archive_document": ArchiveDocument.objects.create(
                cadre=cadre, title="档案", file=ContentFile(b"%PDF-1.4", name="archive.pdf")
            ).pk,
            "image": image.pk,
            "document_restriction": CollectionViewRestriction.objects.create(
                collection=collection, restriction_type="password", password="secret-passphrase"
            ).pk,
            "page_restriction": PageViewRestriction.objects.create(
                page=private_page, restriction_type="password", password="secret-passphrase"
            ).pk,
            "preview_token": preview_token_make(page=notice),
            "viewer_user": users["viewer"].pk,
            "viewer_group": Group.objects.get(name=role_group_name(Role.VIEWER)).pk,
        }
    with schema_context("public"):
        indicator = Indicator.objects.order_by("code").first()
        ids |= {
            "citywide_item": citywide_item_save(
                kind="notice", title="全市通知", date=dt.date(2026, 11, 1), summary="全市"
            ).pk,
            "refresh_run": refresh_run_start(year=2026, username="m_bureau_head").pk,
            "scorecard": scorecard_create(year=2026, title="2026年度考评").pk,
            "report_export": report_export_start(
                kind="view", filters=filters_parse(QueryDict()), user=users["bureau_head"]
            ).pk,
            "indicator": indicator.code,
            "action": improvement_action_create(
                centre=centres["huangpu"],
                year=2026,
                indicator_code=indicator.code,
                goal="提高走访率",
                owner="王主任",
                due_on=dt.date(2027, 6, 30),
            ).pk,
        }
    return {"ids": ids, "users": users, "cadres": {"cadre": cadre, "other_cadre": other, "putuo": putuo_cadre}}


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image as Picture

    buffer = BytesIO()
    Picture.new("RGB", (1, 1)).save(buffer, "PNG")
    return buffer.getvalue()


def _cadre_client(code: str, cadre_id: int) -> Client:
    """A browser holding a cadre's signed session on the centre's public site, as the log-in leaves it."""
    from content.selectors import SESSION_KEY, cadre_session_salt

    client = Client(HTTP_HOST=host(code), raise_request_exception=False)
    with schema_context(code):
        session = SessionStore()
        session[SESSION_KEY] = signing.dumps(cadre_id, salt=cadre_session_salt())
        session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def _staff_client(code: str | None, user, *, on: str | None) -> Client:
    """A browser logged in as `user` of `code` (None: the bureau), sending its requests to the host `on`."""
    signed_in = Client(HTTP_HOST=host(code))
    with schema_context(code or "public"):
        signed_in.force_login(user)
    client = Client(HTTP_HOST=host(on), raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    return client


def _token_client(code: str | None, user, *, on: str | None) -> Client:
    """An API client holding `user`'s token of `code` (None: the bureau), sending its requests to the host `on`."""
    from rest_framework.authtoken.models import Token

    with schema_context(code or "public"):
        key = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_HOST=host(on), HTTP_AUTHORIZATION=f"Token {key}", raise_request_exception=False)


def actor_clients(world) -> dict[str, dict[str, Client]]:
    users, cadres = world["users"], world["cadres"]
    centre = {
        "other_centre_token": _token_client("putuo", users["other_centre"], on="huangpu"),
        "bureau_token": _token_client(None, users["bureau"], on="huangpu"),
        "anonymous": Client(HTTP_HOST=host("huangpu"), raise_request_exception=False),
        "other_centre": _staff_client("putuo", users["other_centre"], on="huangpu"),
        "bureau": _staff_client(None, users["bureau"], on="huangpu"),
        "cadre": _cadre_client("huangpu", cadres["cadre"].pk),
        "other_cadre": _cadre_client("huangpu", cadres["other_cadre"].pk),
        "other_centre_cadre": _cadre_client("putuo", cadres["putuo"].pk),
        **{role: _staff_client("huangpu", users[role], on="huangpu") for role in ROLES},
    }
    centre["other_centre_cadre"].defaults["HTTP_HOST"] = host("huangpu")
    bureau = {
        "anonymous": Client(HTTP_HOST=host(None), raise_request_exception=False),
        "centre_user": _staff_client("huangpu", users["superuser"], on=None),
        "centre_token": _token_client("huangpu", users["superuser"], on=None),
        **{role: _staff_client(None, users[role], on=None) for role in BUREAU_ROLES},
    }
    return {CENTRE_CONF: centre, BUREAU_CONF: bureau}


# -- the table against the resolvers -----------------------------------------------------------------------------------


def _ours(route) -> bool:
    """Views of our apps; everything else under admin/ is Wagtail's (checked as a group, by the sample), including
    its generic views over our models."""
    return route.module.split(".")[0] in (
        "registry",
        "forms_engine",
        "notifications",
        "content",
        "reports",
        "field",
        "junxiu",
    )


def wagtail_group(route) -> bool:
    return route.pattern.startswith("admin/") and not _ours(route)


def table(urlconf: str) -> dict[str, R]:
    if urlconf == BUREAU_CONF:
        return BUREAU
    return CENTRE | WAGTAIL_ADMIN_SAMPLE


def test_every_route_is_in_the_matrix():
    """A route added to either URL conf must be added to the matrix, saying who may use it (or why it is public)."""
    for urlconf in (CENTRE_CONF, BUREAU_CONF):
        found = {route.pattern for route in routes(urlconf) if not (urlconf == CENTRE_CONF and wagtail_group(route))}
        listed = set(BUREAU if urlconf == BUREAU_CONF else CENTRE)
        missing, stale = sorted(found - listed), sorted(listed - found)
        assert not missing, (
            f"Routes of {urlconf} not in the route matrix: {missing}. Add each to "
            f"tests/security/test_route_matrix.py ({'BUREAU' if urlconf == BUREAU_CONF else 'CENTRE'}) with its "
            "rightful actor and path, or as public() with the reason."
        )
        assert not stale, f"The route matrix lists routes {urlconf} no longer has: {stale}"
    sample = {route.pattern for route in routes(CENTRE_CONF) if wagtail_group(route)}
    assert set(WAGTAIL_ADMIN_SAMPLE) <= sample, sorted(set(WAGTAIL_ADMIN_SAMPLE) - sample)


def _send(client: Client, method: str, path: str, data: dict | None = None):
    if method in ("PUT", "PATCH"):
        return client.generic(method, path, b"{}", content_type="application/json")
    if method == "POST":
        return client.post(path, data or {})
    return client.generic(method, path)


def _actors(entry: R, urlconf: str) -> tuple[str, ...]:
    api = ("centre_token",) if urlconf == BUREAU_CONF else ("other_centre_token", "bureau_token")
    api = api if entry.path.startswith("/api/") else ()  # an API token of another schema, on the API's routes
    if urlconf == BUREAU_CONF:
        return (*BUREAU_OUTSIDERS, *api, *BUREAU_ROLES)
    if entry.rightful in CADRES:
        return (*OUTSIDERS, *CADRES, "centre_admin")
    return (*OUTSIDERS, *api, *ROLES)


def _allowed(entry: R, actor: str) -> bool:
    return bool(entry.public) or actor in entry.allowed


# HEAD runs the GET handler and OPTIONS answers which methods there are (never data): both are sent by the route's
# rightful actor and its first SPARSE refused actors only, and OPTIONS is held to "no server error, nothing changed".
SPARSE = 2


@dataclass
class Tally:
    routes: int = 0
    cells: int = 0  # route × actor pairs checked
    requests: int = 0
    refusals: int = 0
    refused_unsafe: int = 0
    refused_unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _check_route(tally: Tally, clients, fingerprint: Fingerprint, urlconf: str, entry: R, path: str, methods) -> None:
    """Every actor not allowed on the route, on every method: refused, no 5xx; the route's refused unsafe requests
    together change no row (checked once per route: rows before the first and after the last)."""
    actors = sorted(_actors(entry, urlconf), key=lambda actor: _allowed(entry, actor))  # the refused first
    before = fingerprint.take() if UNSAFE & set(methods) else None  # a route of safe methods only changes nothing
    unsafe_sent: list[str] = []
    refused_actors = 0
    for actor in actors:
        tally.cells += 1
        allowed = _allowed(entry, actor)
        refused_actors += not allowed
        if allowed and before is not None:  # the refused are done: what they changed, if anything, is known
            _unchanged(tally, fingerprint, before, path, unsafe_sent)
            before = None
        for method in methods:
            if allowed and method in UNSAFE:
                continue  # the rightful may change things; their unsafe request is the positive control
            if method in ("HEAD", "OPTIONS") and (actor != entry.rightful if allowed else refused_actors > SPARSE):
                continue
            response = _send(clients[actor], method, path)
            tally.requests += 1
            seen = verdict(response, denied=entry.denied)
            where = f"{method} {path} as {actor} ({'bureau' if urlconf == BUREAU_CONF else 'centre'} host)"
            if seen == "error":
                tally.problems.append(f"{where}: {response.status_code}")
            elif allowed or method == "OPTIONS":
                pass
            elif seen != "refused":
                tally.problems.append(f"{where}: let in ({response.status_code} {response.get('Location', '')})")
            else:
                tally.refusals += 1
                if method in UNSAFE:
                    unsafe_sent.append(where)
    if before is not None:
        _unchanged(tally, fingerprint, before, path, unsafe_sent)


def _unchanged(tally: Tally, fingerprint: Fingerprint, before: dict, path: str, unsafe_sent: list[str]) -> None:
    changed = Fingerprint.changed(before, fingerprint.take())
    tally.refused_unsafe += len(unsafe_sent)
    if changed:
        tally.problems.append(f"refused requests to {path} changed {changed}: {unsafe_sent}")
    else:
        tally.refused_unchanged += len(unsafe_sent)


def test_route_matrix(world, capsys):
    """Every actor who is not allowed on a route is refused on every method the route accepts, the refused unsafe
    requests change no row anywhere, nothing answers 5xx, and each route's rightful actor gets in."""
    clients = actor_clients(world)
    fingerprint = Fingerprint(("huangpu", "public"), skip=FINGERPRINT_SKIP)
    tally = Tally()
    checked = []
    for urlconf in (CENTRE_CONF, BUREAU_CONF):
        by_pattern = {route.pattern: route for route in routes(urlconf)}
        # Log-outs last: one ends the session of the browser that sends it, whoever it is.
        for pattern, entry in sorted(table(urlconf).items(), key=lambda item: "logout" in item[0]):
            path = entry.path.format(**world["ids"])
            assert resolve(path.split("?")[0], urlconf).route == pattern, f"{path} does not reach {pattern}"
            methods = sorted(entry.methods or accepted_methods(by_pattern[pattern]))
            tally.routes += 1
            _check_route(tally, clients[urlconf], fingerprint, urlconf, entry, path, methods)
            checked.append((urlconf, entry, path, methods))
    cache.clear()  # the refusals above count against rate limits; the positive controls start afresh
    clients = actor_clients(world)  # and a log-out above ended its sender's session
    for urlconf, entry, path, methods in sorted(checked, key=lambda item: "logout" in item[2]):
        method = entry.method if entry.method in methods else methods[0]
        before = fingerprint.take() if entry.denied else None
        response = _send(clients[urlconf][entry.rightful], method, path, entry.data)
        tally.requests += 1
        worked = verdict(response, denied=entry.denied) == "in"
        if before is not None:  # here a redirect is the answer either way: the rightful changed something
            worked = response.status_code < 400 and bool(Fingerprint.changed(before, fingerprint.take()))
        if not worked:
            tally.problems.append(
                f"positive control {method} {path} as {entry.rightful}: {response.status_code} "
                f"{response.get('Location', '')}"
            )
    share = tally.refused_unchanged / tally.refused_unsafe if tally.refused_unsafe else 1.0
    summary = (
        f"route matrix: {tally.routes} routes, {tally.cells} route × actor cells, {tally.requests} requests; "
        f"{tally.refusals} refusals; {tally.refused_unchanged} of {tally.refused_unsafe} refused unsafe requests "
        f"changed nothing ({share:.0%})"
    )
    with capsys.disabled():
        print(f"\n{summary}")  # noqa: T201 - the figures the issue quotes, with or without -s
    assert not tally.problems, "\n".join([summary, *tally.problems])

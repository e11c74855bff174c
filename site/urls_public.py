"""URLs of the bureau portal (the public schema, at the base domain)."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from junxiu import health
from junxiu.accounts import BureauLogoutView, TokenView
from junxiu.api import DOCS_AUTHENTICATION, ApiDocsPermission
from junxiu.views import centre_directory

from content.bureau import urls as citywide_urls
from content.public_views import display_set
from reports.access import bureau_required


def bureau_only(patterns: list[URLPattern], action: str) -> list[URLPattern]:
    """The same views, for bureau users whose role allows `action` (content knows no bureau roles)."""
    return [URLPattern(p.pattern, bureau_required(action)(p.callback), p.default_args, p.name) for p in patterns]


# City-wide items are published to every centre's site: the head's and analysts' work, not a viewer's.
CITYWIDE = (bureau_only(citywide_urls.urlpatterns, "edit"), citywide_urls.app_name)
# The API's schema and docs page (Swagger UI with its script as a file, for the CSP): see ApiDocsPermission.
DOCS = {"permission_classes": [ApiDocsPermission], "authentication_classes": DOCS_AUTHENTICATION}
SAFE = ["get", "head"]  # its HTML renderer has no page for an OPTIONS answer (a 500)

urlpatterns = [
    # Answered by junxiu.health.HealthProbeMiddleware before any other middleware, on any host; listed for reverse().
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("centres/", centre_directory, name="centre_directory"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", BureauLogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("display/", display_set, name="display"),
    path("citywide/", include(CITYWIDE)),
    path("api/token/", TokenView.as_view(), name="api-token"),
    # The schema of this host's own URLs (the bureau's API), not ROOT_URLCONF's (a centre's).
    path("api/schema/", SpectacularAPIView.as_view(urlconf=__name__, **DOCS), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", **DOCS, http_method_names=SAFE),
        name="api-docs",
    ),
    path("", include("reports.urls")),
]

# An API URL that matches no route answers JSON like the API, not the site's page.
handler404 = "junxiu.errors.not_found"

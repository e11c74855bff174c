"""URLs of a centre's site (its own schema, at <code>.<base domain>)."""

from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from junxiu import health
from junxiu.accounts import AdminLogoutView, TokenView
from junxiu.api import DOCS_AUTHENTICATION, ApiDocsPermission, api_router
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from content import public_views

# The API's schema and docs page (Swagger UI with its script as a file, for the CSP): see ApiDocsPermission.
DOCS = {"permission_classes": [ApiDocsPermission], "authentication_classes": DOCS_AUTHENTICATION}
SAFE = ["get", "head"]  # its HTML renderer has no page for an OPTIONS answer (a 500)

urlpatterns = [
    # Answered by junxiu.health.HealthProbeMiddleware before any other middleware, on any host; listed for reverse().
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/logout/", AdminLogoutView.as_view()),  # before Wagtail's own, which it replaces
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/registry/", include("registry.api.urls")),
    path("api/forms/", include("forms_engine.api.urls")),
    path("api/token/", TokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(**DOCS), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", **DOCS, http_method_names=SAFE),
        name="api-docs",
    ),
]

if settings.DEBUG:  # in production the proxy serves media (deploy/nginx.conf)
    from junxiu.media import centre_media_serve

    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<schema>/<path:path>", centre_media_serve)]

urlpatterns += [path("forms/", include("forms_engine.public_urls"))]
urlpatterns += [path("field/", include("field.urls"))]  # the liaison's phone: the field app and its sync API
urlpatterns += [
    path("display/", public_views.display_set, name="display"),
    path("search/", public_views.site_search, name="site_search"),
]
urlpatterns += [path("cadre/", include("content.urls"))]
urlpatterns += [path("", include(wagtail_urls))]

# An API URL that matches no route answers JSON like the API, not the site's page.
handler404 = "junxiu.errors.not_found"

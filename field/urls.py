"""The field app under /field/: the app shell, its worker and manifest (field.views), the sync API (field.api)."""

from django.urls import path

from field import api, views

app_name = "field"

urlpatterns = [
    path("", views.app_shell, name="app"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("api/devices/", api.devices, name="api-devices"),
    path("api/today/", api.today, name="api-today"),
    path("api/ping/", api.ping, name="api-ping"),
    path("api/submissions/", api.submissions, name="api-submissions"),
]

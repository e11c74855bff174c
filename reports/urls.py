"""URLs of the bureau's portal (public schema)."""

from django.urls import include, path

from reports import api, export_views, scorecard_views, views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("reports/area/<slug:area>/", views.area, name="area"),
    path("reports/centre/<slug:code>/", views.centre, name="centre"),
    path("reports/definitions/", views.definitions, name="definitions"),
    path("reports/refresh/", views.refresh, name="refresh"),
    path("reports/refresh/<int:run_id>/", views.refresh_progress, name="refresh_progress"),
    *scorecard_views.urlpatterns,
    *export_views.urlpatterns,
    path("api/reports/", include(api.urlpatterns)),
]

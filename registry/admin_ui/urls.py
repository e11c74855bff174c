"""URL patterns of the registry's admin screens (included by registry/admin_urls.py)."""

from django.urls import path

from registry.admin_ui import views

urlpatterns = [
    path("cadres/", views.CadreListView.as_view(), name="cadre_list"),
    path("cadres/mine/", views.CadreListView.as_view(mine=True), name="cadre_mine"),
    path("cadres/add/", views.CadreFormView.as_view(), name="cadre_add"),
    path("cadres/<int:pk>/", views.CadreDetailView.as_view(), name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.CadreFormView.as_view(), name="cadre_edit"),
    path("cadres/<int:pk>/<slug:tab>/", views.CadreDetailView.as_view(), name="cadre_tab"),
    path("access-log/", views.AccessLogView.as_view(), name="access_log"),
    path("facilities/", views.FacilitiesView.as_view(), name="facilities"),
]

"""Admin URLs of the content app (under /admin/content/)."""

from django.urls import path

from content import admin_views

app_name = "content_admin"

urlpatterns = [
    path("outings/", admin_views.OutingListView.as_view(), name="outings"),
    path("pages/<int:page_id>/signups/", admin_views.PageSignupsView.as_view(), name="signups"),
    path("pages/<int:page_id>/preview-link/", admin_views.PreviewLinkView.as_view(), name="preview_link"),
    path("access-codes/", admin_views.AccessCodeView.as_view(), name="access_codes"),
]

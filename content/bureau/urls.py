"""The bureau portal's city-wide content (under /citywide/ on the base domain)."""

from django.urls import path

from content.bureau import views

app_name = "content_bureau"

urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("new/", views.item_edit, name="item_create"),
    path("<int:item_id>/", views.item_edit, name="item_edit"),
    path("<int:item_id>/withdraw/", views.item_withdraw, name="item_withdraw"),
]

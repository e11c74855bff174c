"""URLs of the public forms on a centre's site (included at /forms/)."""

from django.urls import path

from forms_engine import public

app_name = "forms_public"
urlpatterns = [
    path("status/", public.public_status, name="status"),
    path("<slug:key>/", public.public_form, name="form"),
    path("<slug:key>/done/<str:receipt>/", public.public_done, name="done"),
]

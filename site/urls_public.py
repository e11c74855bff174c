"""URLs of the bureau portal (the public schema, at the base domain)."""

from django.contrib.auth import views as auth_views
from django.urls import path
from junxiu.views import centre_directory

urlpatterns = [
    path("", centre_directory, name="centre_directory"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

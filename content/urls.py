"""The cadre's URLs on a centre's public site (under /cadre/)."""

from django.urls import path

from content import views

app_name = "content_cadre"

urlpatterns = [
    path("login/", views.cadre_login, name="login"),
    path("logout/", views.cadre_logout, name="logout"),
    path("signups/", views.my_signups, name="signups"),
    path("signups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("signup/<int:page_id>/", views.signup, name="signup"),
]

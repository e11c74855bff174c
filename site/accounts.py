"""Logging out and changing a password, on a centre's admin and on the bureau portal."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from wagtail.admin.views import account as wagtail_account


class LogoutConfirmMixin:
    """A GET shows a page with a log-out button; only its POST ends the session (and the cookie with it)."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET":
            return render(request, "registration/logout_confirm.html", {"action": request.path})
        return super().dispatch(request, *args, **kwargs)


class AdminLogoutView(LogoutConfirmMixin, wagtail_account.LogoutView):
    """Wagtail's logout deletes the cookie on any answer, even its 405 to a GET, and leaves the session alive."""


class BureauLogoutView(LogoutConfirmMixin, auth_views.LogoutView):
    next_page = "login"

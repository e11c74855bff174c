"""Logging in and out, changing a password and unlocking a log-in, on a centre's admin and the bureau portal."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from junxiu.lockout import locked_attempts, lockout_reset
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from wagtail.admin.views import account as wagtail_account
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from tenants.hashers import password_is_one_time
from tenants.roles import Role, user_roles

logger = logging.getLogger(__name__)


class LogoutConfirmMixin:
    """A GET (or HEAD) shows a page with a log-out button; only its POST ends the session (and the cookie with it):
    any other method is a 405 that leaves both alone."""

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            return render(request, "registration/logout_confirm.html", {"action": request.path})
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class AdminLogoutView(LogoutConfirmMixin, wagtail_account.LogoutView):
    """Wagtail's logout deletes the cookie on any answer, even its 405 to a GET, and leaves the session alive."""


class BureauLogoutView(LogoutConfirmMixin, auth_views.LogoutView):
    next_page = "login"


def lockout_manager(user) -> bool:
    """Who may see and lift a centre's log-in locks: the centre admins and whoever manages users."""
    return user.has_perm("auth.change_user") or Role.CENTRE_ADMIN.value in user_roles(user)


class LockedLoginsView(WagtailAdminTemplateMixin, TemplateView):
    """被锁定的登录: the usernames and addresses of this centre locked out now; the centre admin unlocks them."""

    template_name = "wagtailadmin/locked_logins.html"
    page_title = gettext_lazy("Locked log-ins")
    header_icon = "lock"
    breadcrumbs_items: list = []

    def dispatch(self, request, *args, **kwargs):
        if not lockout_manager(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(rows=locked_attempts(), failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)

    def post(self, request):
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "")[:255]
        if kind not in ("username", "address") or not value:
            return redirect("locked_logins")
        lockout_reset(username=value if kind == "username" else "", address=value if kind == "address" else "")
        logger.info("log-in unlocked by %s: %s %s", request.user.get_username(), kind, value)
        messages.success(request, _("Unlocked: %(value)s") % {"value": value})
        return redirect("locked_logins")


class TokenView(ObtainAuthToken):
    """POST a username and password, get this schema's API token; locked like every log-in (junxiu.lockout)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            valid = serializer.is_valid()
        finally:  # axes marks the DRF request; its middleware reads the Django one underneath
            for name in ("axes_locked_out", "axes_credentials"):
                if hasattr(request, name):
                    setattr(request._request, name, getattr(request, name))
        if not valid:
            return Response({"detail": _("Wrong username or password. Please try again.")}, status=400)
        user = serializer.validated_data["user"]
        if password_is_one_time(user.password):
            return Response(
                {"detail": _("This account still has its first password: log in on the web and change it first.")},
                status=403,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

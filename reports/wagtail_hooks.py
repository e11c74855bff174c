"""The 考评与改进 screen of a centre's Wagtail admin: the centre's own evaluation and its improvement actions."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from reports import centre_views


@hooks.register("register_admin_urls")
def register_evaluation_urls():
    return [path("evaluation/", include((centre_views.urlpatterns, "reports_centre")))]


class EvaluationMenuItem(MenuItem):
    """Shown to the centre's admins only."""

    def is_shown(self, request):
        return centre_views.may_evaluate(request.user)


@hooks.register("register_admin_menu_item")
def register_evaluation_menu():
    return EvaluationMenuItem(
        _("Evaluation and improvement"),
        reverse("reports_centre:evaluation"),
        name="evaluation",
        icon_name="clipboard-list",
        order=330,
    )

"""The 表单 menu of the Wagtail admin and its screens."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from forms_engine.admin_ui.views import is_builder
from forms_engine.selectors import form_list_for_user


@hooks.register("register_admin_urls")
def register_forms_urls():
    return [path("forms-engine/", include("forms_engine.admin_urls"))]


class FormsMenuItem(MenuItem):
    """Shown to form builders and to anyone who may view or fill in some form."""

    def is_shown(self, request):
        user = request.user
        return (
            is_builder(user)
            or bool(form_list_for_user(user=user))
            or bool(form_list_for_user(user=user, action="fill"))
        )


@hooks.register("register_admin_menu_item")
def register_forms_menu():
    return FormsMenuItem(
        _("Forms"), reverse("forms_engine:form_list"), name="forms-engine", icon_name="form", order=300
    )

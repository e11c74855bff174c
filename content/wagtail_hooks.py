"""Content in the Wagtail admin: bureau pages are read-only, outings and access-code screens, page buttons."""

from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from content.admin_views import ACCESS_CODE_PERMISSION, may_handle_outings
from content.models import ActivityPage, CoursePage
from content.review_views import review_page_viewsets
from registry.admin_ui.menu import PermissionMenuItem


@hooks.register("register_admin_viewset")
def register_review_viewsets():
    return review_page_viewsets()


@hooks.register("register_admin_urls")
def register_content_urls():
    return [path("content/", include("content.admin_urls"))]


def _from_bureau(page) -> bool:
    return bool(getattr(page.specific_deferred, "bureau_item_id", None))


def _refuse_bureau_page(request, page, *_args):
    """The centre's copy of a city-wide item changes only when the bureau changes it."""
    if not _from_bureau(page):
        return None
    message = _("“%(title)s” is published by the municipal bureau and cannot be changed here.")
    messages.error(request, message % {"title": page.title})
    return redirect("wagtailadmin_explore", page.get_parent().pk)


BUREAU_READ_ONLY_HOOKS = (
    "before_edit_page",
    "before_delete_page",
    "before_move_page",
    "before_copy_page",
    "before_unpublish_page",
)
for _hook in BUREAU_READ_ONLY_HOOKS:
    hooks.register(_hook, _refuse_bureau_page)


class OutingsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_handle_outings(request.user)


@hooks.register("register_admin_menu_item")
def register_outings_menu():
    return OutingsMenuItem(
        gettext_lazy("Outing returns"), reverse("content_admin:outings"), name="outing-returns", icon_name="date",
        order=310,
    )  # fmt: skip


@hooks.register("register_admin_menu_item")
def register_access_codes_menu():
    return PermissionMenuItem(
        gettext_lazy("Cadre access codes"), reverse("content_admin:access_codes"), permission=ACCESS_CODE_PERMISSION,
        name="cadre-access-codes", icon_name="key", order=320,
    )  # fmt: skip


def _page_buttons(page, user):
    if not page.permissions_for_user(user).can_edit():
        return
    yield Button(
        _("Headless preview link"), reverse("content_admin:preview_link", args=[page.pk]), icon_name="link", priority=70
    )
    if isinstance(page.specific_deferred, ActivityPage | CoursePage):
        yield Button(_("Sign-ups"), reverse("content_admin:signups", args=[page.pk]), icon_name="group", priority=71)


@hooks.register("register_page_listing_more_buttons")
def page_listing_more_buttons(page, user, next_url=None):
    yield from _page_buttons(page, user)


@hooks.register("register_page_header_buttons")
def page_header_buttons(page, user, view_name, next_url=None):
    yield from _page_buttons(page, user)

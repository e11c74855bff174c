"""设置 › 外勤设备 in the Wagtail admin: the phones signed in to the field app, and remote sign-out. Interfaces only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from field.selectors import device_by_pk, device_list
from field.services import device_revoke
from registry.selectors import staff_names_for_users

PAGE_SIZE = 50


class DeviceListView(WagtailAdminTemplateMixin, TemplateView):
    """The devices with their user, label, last contact; 远程退出 signs one out (its next contact wipes it)."""

    template_name = "field/admin/devices.html"
    page_title = gettext_lazy("Field devices")
    header_icon = "mobile-alt"
    breadcrumbs_items: list = []

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("field.view_fielddevice"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        page = Paginator(device_list(), PAGE_SIZE).get_page(self.request.GET.get("p"))
        names = staff_names_for_users(user_ids={device.user_id for device in page.object_list})
        for device in page.object_list:
            device.person = names.get(device.user_id) or device.user.get_username()
        return super().get_context_data(page=page, **kwargs)

    def post(self, request):
        if not request.user.has_perm("field.change_fielddevice"):
            raise PermissionDenied
        device = device_by_pk(pk=int(request.POST["device"])) if request.POST.get("device", "").isdigit() else None
        if device is None:
            raise Http404
        device_revoke(device=device, by=request.user)
        messages.success(
            request,
            _("%(device)s is signed out: its next contact clears what the phone holds.")
            % {"device": device.label or device.device_id},
        )
        return redirect("field_devices")

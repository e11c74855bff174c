"""Registry screens in the Wagtail admin: parse the request, read through selectors, write through services, render."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from registry import services
from registry.admin_ui.facilities import centre_facility_compliance
from registry.admin_ui.forms import AccessLogFilterSet, cadre_form_class, cadre_form_initial
from registry.admin_ui.history import cadre_history
from registry.filters import CadreFilterSet
from registry.models import AccessLog, Cadre, FacilityRoom, Vehicle
from registry.selectors import (
    FIELD_MASKS,
    IDENTITY,
    access_cadre_by_id,
    cadre_visible_queryset,
    can_see_field,
    can_see_personal,
    health_flags_hidden,
    personal_value,
    staff_for_user,
)
from registry.services import ID_SEARCH_THROTTLED

PAGE_SIZE = 50
TABS = [
    ("basic", gettext_lazy("Basic information")),
    ("family", gettext_lazy("Family")),
    ("care", gettext_lazy("Care and health")),
    ("trips", gettext_lazy("Trips abroad")),
    ("archive", gettext_lazy("Archive")),
    ("history", gettext_lazy("Change history")),
]
# Other apps add tabs to the cadre page through this Wagtail hook: each function returns (key, label, render), where
# render(request=…, cadre=…) returns the tab's HTML (the registry imports none of them).
CADRE_TAB_HOOK = "register_cadre_tab"


def _extra_tabs() -> dict:
    return {key: (label, render) for key, label, render in (hook() for hook in hooks.get_hooks(CADRE_TAB_HOOK))}


BASIC_SECTIONS = [
    (
        gettext_lazy("Identity"),
        ["name", "gender", "birth_date", "id_number", "phone", "mobile", "address"],
    ),
    (gettext_lazy("Service"), ["level", "kind", "branch", "rank", "transfer_in_date"]),
    (gettext_lazy("Organisation"), ["rest_home", "liaison"]),
    (
        gettext_lazy("Party and secrecy"),
        ["party_member", "party_branch", "party_relation", "declassification_until"],
    ),
    (gettext_lazy("Lifecycle"), ["state", "received_on", "deceased_on", "notes"]),
]
# Screens of the lifecycle services, linked from the cadre page when they exist.
LIFECYCLE_LINKS = [
    ("registry:cadre_receive", "registry.change_cadre", gettext_lazy("Reception")),
    ("registry:cadre_death", "registry.change_cadre", gettext_lazy("Record the death")),
    ("registry:cadre_transfer_request", "registry.add_cadretransfer", gettext_lazy("Transfer to another centre")),
]
CHANNELS = {
    "admin": gettext_lazy("admin screens"),
    "api": gettext_lazy("API"),
    "export": gettext_lazy("spreadsheet export"),
    "import": gettext_lazy("spreadsheet import"),
    "command": gettext_lazy("command line"),
}
LIVING_FLAGS = ["lives_alone", "childless", "bedridden", "disabled", "dementia", "in_care_home"]
CARE_FIELDS = ["care_home_name", "service_needs", "nursing_fee_status", "medical_subsidy_status"]


def _url_or_none(name: str, query: str = "", args: tuple = ()) -> str | None:
    """A URL of a screen that may not exist yet (another part of the registry builds it)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def _text(obj, name: str, user) -> str:
    """A field as this user may read it: personal fields masked unless permitted, choices by label."""
    if name in FIELD_MASKS:
        return personal_value(obj=obj, field=name, user=user) or "—"
    if name in health_flags_hidden(user):
        return "******"
    value = getattr(obj, name)
    field = obj._meta.get_field(name)
    if field.choices:
        return str(getattr(obj, f"get_{name}_display")()) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value not in (None, "") else "—"


def _flag_labels(cadre: Cadre, user) -> list[str]:
    """The living-situation flags that hold, without the health conditions this user may not see."""
    hidden = health_flags_hidden(user)
    return [
        str(Cadre._meta.get_field(flag).verbose_name)
        for flag in LIVING_FLAGS
        if getattr(cadre, flag) and flag not in hidden
    ]


def _row(obj, name: str, user) -> tuple[str, str]:
    if name == "birth_date" and not can_see_personal(user, IDENTITY):  # the age only, never the date
        return _("age"), str(obj.age_on(timezone.localdate()))
    return str(obj._meta.get_field(name).verbose_name), _text(obj, name, user)


def _rows(obj, names: list[str], user) -> list[tuple[str, str]]:
    return [_row(obj, name, user) for name in names]


def _unmasked(user, fields) -> list[str]:
    """Of these personal fields, those this user sees unmasked (and that are logged as seen)."""
    return [name for name in fields if can_see_field(user, name)]


class RegistryView(WagtailAdminTemplateMixin, TemplateView):
    """A registry screen: refused (403) without its permission."""

    permission = "registry.view_cadre"
    breadcrumbs_items: list = []

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CadreListView(RegistryView):
    template_name = "registry/admin/cadre_list.html"
    header_icon = "group"
    mine = False

    def get_page_title(self):
        return _("My cadres") if self.mine else _("Cadres")

    def get_queryset(self):
        cadres = cadre_visible_queryset(user=self.request.user)
        if self.mine:
            staff = staff_for_user(self.request.user)
            if staff is None:
                return cadres.none()
            scope = Q(liaison=staff) | Q(rest_home_id=staff.rest_home_id) if staff.rest_home_id else Q(liaison=staff)
            cadres = cadres.filter(scope)
        return cadres

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.throttled:
            response.status_code = 429
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        filterset = CadreFilterSet(self.request.GET or None, queryset=self.get_queryset(), request=self.request)
        # A refused filter (an ID search by whom may not, or too many) lists nobody, with the form saying why.
        valid = filterset.is_valid() if filterset.is_bound else True
        self.throttled = not valid and any(
            error.code == ID_SEARCH_THROTTLED for error in filterset.form.errors.as_data().get("q", [])
        )
        cadres = (filterset.qs if valid else filterset.queryset.none()).select_related("rest_home", "liaison")
        page = Paginator(cadres, PAGE_SIZE).get_page(self.request.GET.get("p"))
        today = timezone.localdate()
        rows = [
            {
                "cadre": cadre,
                "age": cadre.age_on(today),
                "id_number": personal_value(obj=cadre, field="id_number", user=user),
                "mobile": personal_value(obj=cadre, field="mobile", user=user) or "—",
                "flags": _flag_labels(cadre, user),
            }
            for cadre in page
        ]
        if rows and (shown := _unmasked(user, ["id_number", "mobile"])):
            services.access_log_record(
                user=user,
                action="view",
                channel="admin",
                model="Cadre",
                record_ids=[row["cadre"].pk for row in rows],
                fields=shown,
            )
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            filterset=filterset,
            page=page,
            rows=rows,
            query=query.urlencode(),
            export_url=_url_or_none("registry:cadre_export", query.urlencode())
            if user.has_perm("registry.export_cadres")
            else None,
            import_url=_url_or_none("registry:cadre_import") if user.has_perm("registry.import_cadres") else None,
            add_url=reverse("registry:cadre_add") if user.has_perm("registry.add_cadre") else None,
        )
        return context


class CadreDetailView(RegistryView):
    template_name = "registry/admin/cadre_detail.html"
    header_icon = "user"

    def get(self, request, *args, **kwargs):
        self.cadre = access_cadre_by_id(user=request.user, id=kwargs["pk"])
        self.tab = kwargs.get("tab", "basic")
        self.extra_tabs = _extra_tabs()
        if self.tab not in dict(TABS) and self.tab not in self.extra_tabs:
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_page_title(self):
        return self.cadre.name

    def _log(self, model: str, record_ids, fields) -> None:
        """Log what this user saw unmasked: of `fields`, those their permissions unmask."""
        record_ids, fields = list(record_ids), _unmasked(self.request.user, fields)
        if record_ids and fields:
            services.access_log_record(
                user=self.request.user,
                action="view",
                channel="admin",
                model=model,
                record_ids=record_ids,
                fields=sorted(fields),
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cadre, user, tab = self.cadre, self.request.user, self.tab
        context.update(
            cadre=cadre,
            tab=tab,
            tabs=[
                (key, label, reverse("registry:cadre_tab", args=[cadre.pk, key]))
                for key, label in [*TABS, *((key, label) for key, (label, _render) in self.extra_tabs.items())]
            ],
            edit_url=reverse("registry:cadre_edit", args=[cadre.pk])
            if user.has_perm("registry.change_cadre")
            else None,
            lifecycle_links=[
                (label, url)
                for name, permission, label in LIFECYCLE_LINKS
                if user.has_perm(permission) and (url := _url_or_none(name, args=(cadre.pk,)))
            ],
        )
        if tab == "basic":
            sections = [(title, _rows(cadre, names, user)) for title, names in BASIC_SECTIONS]
            flags = _flag_labels(cadre, user)
            if cadre.is_very_old:
                flags.insert(0, _("very old (80 and over)"))
            context.update(sections=sections, flags=flags, age=cadre.age_on(timezone.localdate()))
            self._log("Cadre", [cadre.pk], [f for f in services.PERSONAL_FIELDS["Cadre"] if getattr(cadre, f)])
        elif tab == "family":
            family = list(cadre.family.all())
            context["family"] = [
                {
                    "member": member,
                    "phone": personal_value(obj=member, field="phone", user=user) or "—",
                    "address": personal_value(obj=member, field="address", user=user) or "—",
                }
                for member in family
            ]
            self._log("FamilyMember", [m.pk for m in family if m.phone or m.address], ["phone", "address"])
        elif tab == "care":
            checks = list(cadre.health_checks.all())
            context["care"] = _rows(cadre, CARE_FIELDS, user)
            context["checks"] = [
                {"check": check, "findings": personal_value(obj=check, field="findings", user=user) or "—"}
                for check in checks
            ]
            self._log("HealthCheck", [c.pk for c in checks if c.findings], ["findings"])
        elif tab == "trips":
            context["trips"] = list(cadre.trips.all())
        elif tab == "archive":
            context.update(
                documents=list(cadre.documents.all()),
                honours=list(cadre.honours.all()),
                skills=list(cadre.skills.all()),
            )
        elif tab in self.extra_tabs:
            context["extra_tab"] = self.extra_tabs[tab][1](request=self.request, cadre=cadre)
        elif tab == "history":
            history = cadre_history(cadre=cadre, user=user)
            context["entries"] = history.entries
            for model, (record_ids, fields) in history.unmasked.items():
                self._log(model, record_ids, fields)
        return context


class CadreFormView(RegistryView):
    """Create or edit a cadre; only the fields this user may write are in the form."""

    template_name = "registry/admin/cadre_form.html"
    header_icon = "user"
    cadre: Cadre | None = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.permission = "registry.change_cadre" if "pk" in kwargs else "registry.add_cadre"

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs:  # missing and forbidden cadres both 404, before any permission answer
            self.cadre = access_cadre_by_id(user=request.user, id=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Edit %(name)s") % {"name": self.cadre.name} if self.cadre else _("Add a cadre")

    def get_form(self):
        form_class = cadre_form_class(user=self.request.user, creating=self.cadre is None)
        initial = cadre_form_initial(cadre=self.cadre, form_class=form_class) if self.cadre else {}
        data = self.request.POST if self.request.method == "POST" else None
        return form_class(data, initial=initial)

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if self.cadre is not None:
            shown = _unmasked(request.user, [f for f in services.PERSONAL_FIELDS["Cadre"] if getattr(self.cadre, f)])
            if shown:
                services.access_log_record(
                    user=request.user,
                    action="view",
                    channel="admin",
                    model="Cadre",
                    record_ids=[self.cadre.pk],
                    fields=shown,
                )
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                if self.cadre is None:
                    services.cadre_number_free_check(
                        user=request.user, channel="admin", id_number=form.cleaned_data.get("id_number")
                    )
                    cadre = services.cadre_create(**form.cleaned_data)
                else:
                    changed = {name: form.cleaned_data[name] for name in form.changed_data}
                    cadre = services.cadre_update(cadre=self.cadre, **changed)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, problems in error.message_dict.items():
                        form.add_error(name if name in form.fields else None, problems)
                else:  # the resident ID parser's messages are about the ID number
                    form.add_error("id_number" if "id_number" in form.changed_data else None, error.messages)
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": cadre.name})
                return redirect("registry:cadre_detail", cadre.pk)
        messages.validation_error(request, _("The cadre could not be saved; please correct the errors."), form)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cadre"] = self.cadre
        context["cancel_url"] = (
            reverse("registry:cadre_detail", args=[self.cadre.pk]) if self.cadre else reverse("registry:cadre_list")
        )
        return context


class AccessLogView(RegistryView):
    permission = "registry.view_accesslog"
    template_name = "registry/admin/access_log.html"
    header_icon = "view"
    page_title = gettext_lazy("Personal-data access log")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = AccessLogFilterSet(self.request.GET or None, queryset=AccessLog.objects.all())
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(self.request.GET.get("p"))
        labels = dict(AccessLogFilterSet.base_filters["model"].extra["choices"])
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            filterset=filterset,
            page=page,
            query=query.urlencode(),
            entries=[
                {
                    "log": log,
                    "at": timezone.localtime(log.at),
                    "model": labels.get(log.model, log.model),
                    "channel": CHANNELS.get(log.channel, log.channel),
                    "fields": "、".join(_field_label(log.model, name) for name in log.fields),
                }
                for log in page
            ],
        )
        return context


def _field_label(model: str, name: str) -> str:
    try:
        return str(apps.get_model("registry", model)._meta.get_field(name).verbose_name)
    except (LookupError, FieldDoesNotExist):  # a model or field since removed keeps its stored name
        return name


class FacilitiesView(RegistryView):
    permission = "registry.view_facilityroom"
    template_name = "registry/admin/facilities.html"
    header_icon = "home"
    page_title = gettext_lazy("Activity rooms and vehicles")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            compliance=centre_facility_compliance(),
            rooms=list(FacilityRoom.objects.select_related("rest_home").order_by("room_type", "pk")),
            vehicles=list(Vehicle.objects.select_related("rest_home").order_by("plate")),
            rooms_url=_url_or_none("registry_rooms:index"),
            vehicles_url=_url_or_none("registry_vehicles:index"),
        )
        return context

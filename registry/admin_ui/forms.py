"""Forms of the registry's admin screens; saving goes through registry.services, never through the form."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from registry.admin_ui.choosers import StaffChooserWidget
from registry.models import ALL_CADRES_PERMISSION, AccessLog, Cadre, RestHome, Staff
from registry.selectors import HEALTH_FLAGS, can_see_field, staff_for_user

PERSONAL = ["id_number", "phone", "mobile", "address"]
BY_PERMISSION = set(PERSONAL) | set(HEALTH_FLAGS)  # shown to edit only to whom may see them
# The lifecycle (state, reception, death, transfer) is changed by the lifecycle services, not by this form.
EDITABLE = [
    "name",
    "level",
    "kind",
    "branch",
    "rank",
    "transfer_in_date",
    "rest_home",
    "liaison",
    "lives_alone",
    "childless",
    "bedridden",
    "disabled",
    "dementia",
    "in_care_home",
    "care_home_name",
    "service_needs",
    "nursing_fee_status",
    "medical_subsidy_status",
    "party_member",
    "party_branch",
    "party_relation",
    "declassification_until",
    "notes",
]
DATE_FIELDS = {"transfer_in_date", "declassification_until"}


def cadre_form_class(*, user, creating: bool) -> type[forms.Form]:
    """A form of the fields this user may write: personal fields (by kind) only for those who may see them, or
    type them in for a new cadre; health conditions likewise."""
    names = [name for name in PERSONAL + EDITABLE if creating or name not in BY_PERMISSION or can_see_field(user, name)]
    widgets: dict = {name: forms.TextInput for name in ("id_number", "phone", "mobile")}
    widgets |= {name: forms.DateInput(attrs={"type": "date"}) for name in DATE_FIELDS}
    widgets["address"] = forms.TextInput(attrs={"size": 60})
    fields = forms.fields_for_model(Cadre, fields=names, widgets=widgets)
    if "id_number" in fields:
        fields["id_number"].required = True
    fields["liaison"].widget = StaffChooserWidget()
    if not user.has_perm(ALL_CADRES_PERMISSION):
        staff = staff_for_user(user)
        home_id = staff.rest_home_id if staff else None
        fields["rest_home"].queryset = RestHome.objects.filter(pk=home_id)
        fields["liaison"].queryset = Staff.objects.filter(pk=staff.pk if staff else None) | Staff.objects.filter(
            rest_home_id=home_id, rest_home_id__isnull=False
        )
    return type("CadreForm", (forms.Form,), fields)


def cadre_form_initial(*, cadre: Cadre, form_class: type[forms.Form]) -> dict:
    return forms.model_to_dict(cadre, fields=list(form_class.base_fields))


class AccessLogFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("user"), field_name="username")
    action = django_filters.ChoiceFilter(label=_("action"), choices=AccessLog.Action.choices)
    model = django_filters.ChoiceFilter(
        label=_("record type"),
        choices=[
            ("Cadre", _("cadre")),
            ("FamilyMember", _("family member")),
            ("HealthCheck", _("health check")),
            ("Staff", _("staff member")),
        ],
    )
    date_from = django_filters.DateFilter(
        label=_("from"), field_name="at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("to"), field_name="at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AccessLog
        fields = ["username", "action", "model", "date_from", "date_to"]

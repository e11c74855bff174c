"""Lifecycle screens of the Wagtail admin: receive a cadre, record a death, request, approve and execute a transfer."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from registry.admin_ui.choosers import StaffChooserWidget
from registry.lifecycle import (
    APPROVE_PERMISSION,
    cadre_death_record,
    cadre_receive,
    cadre_transfer_approve,
    cadre_transfer_execute,
    cadre_transfer_request,
)
from registry.models import Cadre, CadreDeath, CadreReception, CadreTransfer, DeathBenefit, Staff
from registry.selectors import access_cadre_by_id
from tenants.selectors import centre_list

DATE = forms.DateInput(attrs={"type": "date"})


def _refused(request, permission: str) -> HttpResponseForbidden | None:
    if request.user.has_perm(permission):
        return None
    return HttpResponseForbidden(_("You do not have permission to do this."))


class ReceptionForm(forms.Form):
    received_on = forms.DateField(label=gettext_lazy("received on"), widget=DATE)
    ceremony_on = forms.DateField(label=gettext_lazy("welcome ceremony held on"), widget=DATE, required=False)
    first_visit_on = forms.DateField(label=gettext_lazy("first home visit on"), widget=DATE, required=False)
    liaison = forms.ModelChoiceField(
        label=gettext_lazy("liaison"),
        queryset=Staff.objects.filter(active=True),
        required=False,
        widget=StaffChooserWidget(),
    )
    checklist = forms.MultipleChoiceField(
        label=gettext_lazy("Checklist"), widget=forms.CheckboxSelectMultiple, required=False
    )
    notes = forms.CharField(label=gettext_lazy("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = [
            (name, CadreReception._meta.get_field(name).verbose_name)
            for name in ("welcome_sign", "welcome_video_gifts", "head_briefing", "premises_tour", "welcome_activities")
            + ("archive_received", "health_record_created", "services_explained")
        ]


class DeathForm(forms.Form):
    died_on = forms.DateField(label=gettext_lazy("date of death"), widget=DATE)
    condolence_visit_on = forms.DateField(
        label=gettext_lazy("condolence visit to the family on"), widget=DATE, required=False
    )
    pension_stopped_on = forms.DateField(label=gettext_lazy("pension stopped from"), widget=DATE, required=False)
    checklist = forms.MultipleChoiceField(
        label=gettext_lazy("Checklist"), widget=forms.CheckboxSelectMultiple, required=False
    )
    notes = forms.CharField(label=gettext_lazy("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = [
            (name, CadreDeath._meta.get_field(name).verbose_name)
            for name in (
                "policy_explained",
                "obituary_written",
                "memorial_attended",
                "flag_covering",
                "archive_filed",
                "reported",
            )
        ]
        for kind, label in DeathBenefit.Kind.choices:
            self.fields[f"{kind}_status"] = forms.ChoiceField(
                label=label, choices=DeathBenefit.Status.choices, initial=DeathBenefit.Status.PENDING
            )
            self.fields[f"{kind}_amount"] = forms.DecimalField(
                label=gettext_lazy("amount (yuan)"), required=False, min_value=0, decimal_places=2, max_digits=12
            )
            self.fields[f"{kind}_paid_on"] = forms.DateField(label=gettext_lazy("paid on"), widget=DATE, required=False)

    def benefits(self) -> dict[str, dict]:
        data = self.cleaned_data
        return {
            kind: {
                "status": data[f"{kind}_status"],
                "amount": data[f"{kind}_amount"],
                "paid_on": data[f"{kind}_paid_on"],
            }
            for kind in DeathBenefit.Kind.values
        }


class TransferRequestForm(forms.Form):
    target_centre = forms.ChoiceField(label=gettext_lazy("target centre"))
    reason = forms.CharField(label=gettext_lazy("reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_centre"].choices = [
            (c.schema_name, c.name)
            for c in centre_list(include_retired=False)
            if c.schema_name != connection.schema_name
        ]


class _CadreFormView(WagtailAdminTemplateMixin, TemplateView):
    """A form about one visible cadre; the service does the work, its ValidationError is shown on the form."""

    template_name = "registry/lifecycle/form.html"
    header_icon = "user"
    permission = "registry.change_cadre"
    form_class: type[forms.Form] = forms.Form

    def dispatch(self, request, *args, **kwargs):
        refused = _refused(request, self.permission)
        if refused:
            return refused
        self.cadre = access_cadre_by_id(user=request.user, id=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.cadre.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form_class(initial=self.initial()))
        context["cadre"] = self.cadre
        return context

    def initial(self) -> dict:
        return {}

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(form)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, self.success_message())
                return redirect("registry:cadre_detail", pk=self.cadre.pk) if self.cadre.pk else redirect("/admin/")
        return self.render_to_response(self.get_context_data(form=form))


class CadreReceiveView(_CadreFormView):
    page_title = gettext_lazy("Receive a cadre")
    form_class = ReceptionForm

    def initial(self) -> dict:
        reception = CadreReception.objects.filter(cadre=self.cadre).first()
        if reception is None:
            return {"liaison": self.cadre.liaison_id}
        return {
            "received_on": reception.received_on,
            "ceremony_on": reception.ceremony_on,
            "first_visit_on": reception.first_visit_on,
            "liaison": self.cadre.liaison_id,
            "checklist": [
                name for name, _label in ReceptionForm().fields["checklist"].choices if getattr(reception, name)
            ],
            "notes": reception.notes,
        }

    def perform(self, form) -> None:
        cadre_receive(cadre=self.cadre, user=self.request.user, **form.cleaned_data)

    def success_message(self) -> str:
        return _("The reception of %(name)s was recorded.") % {"name": self.cadre.name}


class CadreDeathView(_CadreFormView):
    page_title = gettext_lazy("Record a death")
    form_class = DeathForm

    def perform(self, form) -> None:
        data = {k: form.cleaned_data[k] for k in ("died_on", "condolence_visit_on", "pension_stopped_on", "notes")}
        cadre_death_record(
            cadre=self.cadre,
            user=self.request.user,
            checklist=form.cleaned_data["checklist"],
            benefits=form.benefits(),
            **data,
        )

    def success_message(self) -> str:
        return _("The death of %(name)s was recorded.") % {"name": self.cadre.name}


class CadreTransferRequestView(_CadreFormView):
    page_title = gettext_lazy("Transfer to another centre")
    form_class = TransferRequestForm
    permission = "registry.add_cadretransfer"

    def perform(self, form) -> None:
        cadre_transfer_request(cadre=self.cadre, user=self.request.user, **form.cleaned_data)

    def success_message(self) -> str:
        return _("The transfer of %(name)s was requested; it waits for approval.") % {"name": self.cadre.name}


class TransferListView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "registry/lifecycle/transfers.html"
    page_title = gettext_lazy("Transfers")
    header_icon = "arrow-right"

    def dispatch(self, request, *args, **kwargs):
        return _refused(request, "registry.view_cadretransfer") or super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["transfers"] = list(CadreTransfer.objects.select_related("tombstone")[:500])
        context["can_approve"] = self.request.user.has_perm(APPROVE_PERMISSION)
        return context


class _TransferActionView(View):
    def post(self, request, pk: int):
        refused = _refused(request, APPROVE_PERMISSION)
        if refused:
            return refused
        transfer = get_object_or_404(CadreTransfer, pk=pk)
        try:
            self.perform(transfer, request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            return HttpResponseForbidden(str(exc))
        except (Cadre.DoesNotExist, Http404):
            raise Http404 from None
        else:
            messages.success(request, self.success_message(transfer))
        return redirect("registry:transfer_list")


class TransferApproveView(_TransferActionView):
    def perform(self, transfer, request) -> None:
        cadre_transfer_approve(
            transfer=transfer, user=request.user, approval_reference=request.POST.get("approval_reference", "")
        )

    def success_message(self, transfer) -> str:
        return _("The transfer of %(name)s was approved.") % {"name": transfer.cadre_name}


class TransferExecuteView(_TransferActionView):
    def perform(self, transfer, request) -> None:
        cadre_transfer_execute(transfer=transfer, user=request.user)

    def success_message(self, transfer) -> str:
        return _("%(name)s was handed over to %(centre)s.") % {
            "name": transfer.cadre_name,
            "centre": transfer.target_name,
        }

"""Forms of the public site (cadre log-in) and of the content admin screens."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.admin_ui.choosers import CadreChooserWidget


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class CodeForm(PhoneForm):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AccessCodeForm(forms.Form):
    access_code = forms.CharField(
        label=_("Access code"),
        max_length=20,
        help_text=_("The code on the card the centre gave you, e.g. ABCD-EFGH-JKLM."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class OutingReturnForm(forms.Form):
    participants = forms.IntegerField(label=_("Cadres who went"), min_value=0)
    returned = forms.IntegerField(label=_("Cadres who have returned"), min_value=0)
    note = forms.CharField(
        label=_("Who has not returned, and why"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AccessCodeIssueForm(forms.Form):
    cadre_id = forms.IntegerField(label=_("cadre"), min_value=1, widget=CadreChooserWidget())

"""Django forms of the forms-engine admin: a definition, one field of the draft, the submissions filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forms_engine.fields import FIELD_TYPES
from forms_engine.models import FormDefinition, FormField
from forms_engine.personal import ALWAYS_PERSONAL, KINDS, NOT_MARKABLE, TYPE_DEFAULTS, personal_kind
from forms_engine.services import ACTIONS, FIELD_ATTRS
from tenants.roles import Role

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ACTION_LABELS = {
    "fill": gettext_lazy("Who may fill in"),
    "view": gettext_lazy("Who may view submissions"),
    "edit": gettext_lazy("Who may edit submissions"),
    "move": gettext_lazy("Who may move submissions along the workflow"),
}
TEXT = forms.TextInput(attrs={"autocomplete": "off"})


class DefinitionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    key = forms.SlugField(
        label=gettext_lazy("key"),
        max_length=80,
        required=False,
        help_text=gettext_lazy("Letters, digits and hyphens; left empty, one is made up. Fixed once created."),
    )
    description = forms.CharField(
        label=gettext_lazy("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    purpose = forms.ChoiceField(label=gettext_lazy("purpose"), choices=FormDefinition.Purpose.choices)
    public = forms.BooleanField(label=gettext_lazy("open to cadres on the public site"), required=False)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for action in ACTIONS:
            self.fields[f"access_{action}"] = forms.MultipleChoiceField(
                label=ACTION_LABELS[action],
                choices=[(r.value, r.label) for r in Role if r != Role.CENTRE_ADMIN],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                help_text=_("Centre admins always may."),
            )
        if not creating:
            del self.fields["key"]

    @staticmethod
    def initial_for(form: FormDefinition) -> dict:
        initial = {name: getattr(form, name) for name in ("title", "description", "purpose", "public")}
        initial.update({f"access_{a}": list(form.access.get(a, [])) for a in ACTIONS})
        return initial

    def attrs(self) -> dict[str, Any]:
        data = self.cleaned_data
        attrs = {name: data[name] for name in ("title", "description", "purpose", "public")}
        attrs["access"] = {action: list(data[f"access_{action}"]) for action in ACTIONS}
        return attrs


@transaction.atomic
def choices_parse(text: str) -> list[dict]:
    """Lines "value|label" (or just a label, which is then also the value) into choices."""
    choices, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        value, _sep, label = line.partition("|")
        value, label = value.strip(), (label.strip() or value.strip())
        if not value:
            raise forms.ValidationError(_("Line %(n)d has no value before “|”.") % {"n": number})
        if value in seen:
            raise forms.ValidationError(_("The value “%(value)s” is given twice.") % {"value": value})
        seen.add(value)
        choices.append({"value": value, "label": label})
    return choices


def choices_text(choices: list[dict]) -> str:
    return "\n".join(f"{c['value']}|{c['label']}" for c in choices or [])


class FieldForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("machine name"),
        max_length=64,
        widget=TEXT,
        help_text=gettext_lazy("Letters, digits and _, starting with a letter. It cannot change once created."),
    )
    field_type = forms.ChoiceField(label=gettext_lazy("type"))
    label = forms.CharField(label=gettext_lazy("label"), max_length=300)
    help_text = forms.CharField(label=gettext_lazy("help text"), max_length=500, required=False)
    required = forms.BooleanField(label=gettext_lazy("required"), required=False)
    default = forms.CharField(label=gettext_lazy("default"), max_length=300, required=False)
    choices = forms.CharField(
        label=gettext_lazy("choices"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=gettext_lazy("One per line, as value|label, e.g. hospital|住院探望."),
    )
    widget = forms.ChoiceField(
        label=gettext_lazy("single choice shown as"),
        choices=[("", gettext_lazy("buttons")), ("select", gettext_lazy("a list"))],
        required=False,
    )
    min_value = forms.DecimalField(label=gettext_lazy("minimum"), max_digits=14, decimal_places=4, required=False)
    max_value = forms.DecimalField(label=gettext_lazy("maximum"), max_digits=14, decimal_places=4, required=False)
    min_length = forms.IntegerField(label=gettext_lazy("minimum length"), min_value=0, required=False)
    max_length = forms.IntegerField(label=gettext_lazy("maximum length"), min_value=1, required=False)
    pattern = forms.CharField(label=gettext_lazy("pattern"), max_length=300, required=False)
    max_mb = forms.DecimalField(
        label=gettext_lazy("largest file (MB)"), min_value=0, max_value=100, decimal_places=1, required=False
    )
    accept = forms.CharField(
        label=gettext_lazy("file types accepted"),
        required=False,
        help_text=gettext_lazy("e.g. jpg png pdf; empty: images, pdf, docx and xlsx."),
    )
    max_rows = forms.IntegerField(label=gettext_lazy("most rows"), min_value=1, max_value=200, required=False)
    staff_only = forms.BooleanField(
        label=gettext_lazy("staff only"),
        required=False,
        help_text=gettext_lazy("Never shown on the public form or accepted from it; filled in by staff here."),
    )
    personal = forms.ChoiceField(
        label=gettext_lazy("personal data"),
        choices=[("", gettext_lazy("not personal data")), *KINDS.items()],
        required=False,
        help_text=gettext_lazy(
            "Answers are stored encrypted, masked for roles that may not see this kind, and every full view is "
            "logged. Phone and ID numbers are personal data unless chosen otherwise; ID numbers always are."
        ),
    )
    group = forms.ChoiceField(label=gettext_lazy("inside repeat group"), required=False)
    relevant = forms.CharField(
        label=gettext_lazy("show when"),
        max_length=1000,
        required=False,
        widget=TEXT,
        help_text=gettext_lazy("An expression over earlier answers, e.g. ${visit_type} = 'hospital'."),
    )
    required_if = forms.CharField(label=gettext_lazy("required when"), max_length=1000, required=False, widget=TEXT)
    constraint = forms.CharField(
        label=gettext_lazy("constraint"),
        max_length=1000,
        required=False,
        widget=TEXT,
        help_text=gettext_lazy("The answer is “.”, e.g. . >= 0 and . <= 120."),
    )
    constraint_message = forms.CharField(label=gettext_lazy("constraint message"), max_length=300, required=False)
    calculation = forms.CharField(label=gettext_lazy("calculation"), max_length=1000, required=False, widget=TEXT)

    def __init__(self, *args, form: FormDefinition, field: FormField | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_type"].choices = [(key, label) for key, label in FIELD_TYPES.items()]
        groups = form.fields.filter(field_type="repeat")
        if field is not None:
            groups = groups.exclude(pk=field.pk)
        self.fields["group"].choices = [("", _("(none)"))] + [(g.name, f"{g.label} ({g.name})") for g in groups]
        if field is not None:
            # The machine name is frozen once the field exists.
            self.fields["name"].disabled = True
            self.fields["name"].help_text = _("Fixed when the field was created.")
            if field.bureau_locked:
                self.fields["field_type"].disabled = True
                self.fields["choices"].disabled = True

    @staticmethod
    def initial_for(field: FormField) -> dict:
        initial = {
            name: getattr(field, name)
            for name in ("name", *FIELD_ATTRS)
            if name not in ("choices", "options")  # shown as text below
        }
        options = field.options or {}
        initial.update(
            choices=choices_text(field.choices),
            widget=options.get("widget", ""),
            max_mb=options.get("max_mb"),
            accept=" ".join(options["accept"]) if isinstance(options.get("accept"), list) else options.get("accept"),
            max_rows=options.get("max_rows"),
            staff_only=bool(options.get("staff_only")),
            personal=personal_kind({"type": field.field_type, "options": options}) or "",
        )
        return initial

    def clean(self):
        data = super().clean()
        field_type = data.get("field_type") or self.initial.get("field_type")
        if not self.initial and not data.get("personal") and field_type in TYPE_DEFAULTS:
            data["personal"] = TYPE_DEFAULTS[field_type]  # a new phone or ID number: personal unless chosen later
        if field_type in ALWAYS_PERSONAL and not data.get("personal"):
            self.add_error("personal", _("A resident ID number is always personal data (identity)."))
        elif field_type in NOT_MARKABLE and data.get("personal"):
            self.add_error("personal", _("This type of field holds no personal answer of its own."))
        return data

    def clean_choices(self):
        return choices_parse(self.cleaned_data["choices"])

    def attrs(self, *, previous_options: dict | None = None) -> dict[str, Any]:
        """The attributes for form_field_add / form_field_update."""
        data = self.cleaned_data
        attrs = {
            name: data[name]
            for name in (
                "label",
                "help_text",
                "required",
                "default",
                "min_value",
                "max_value",
                "min_length",
                "max_length",
                "pattern",
                "relevant",
                "required_if",
                "constraint",
                "constraint_message",
                "calculation",
                "group",
            )
        }
        if not self.fields["field_type"].disabled:
            attrs["field_type"] = data["field_type"]
            attrs["choices"] = data["choices"]
        options = dict(previous_options or {})
        for key in ("widget", "max_mb", "accept", "max_rows"):
            value = data.get(key)
            if value in (None, ""):
                options.pop(key, None)
            elif key == "max_mb":
                options[key] = float(value)
            elif key == "accept":
                options[key] = [
                    part.strip(" .").lower() for part in value.replace(",", " ").split() if part.strip(" .")
                ]
            else:
                options[key] = value
        if data.get("staff_only"):
            options["staff_only"] = True
        else:
            options.pop("staff_only", None)
        field_type = attrs.get("field_type") or self.initial.get("field_type")
        if data.get("personal"):
            options["personal"] = data["personal"]
        elif field_type in TYPE_DEFAULTS:
            options["personal"] = ""  # a phone number chosen to stay in clear
        else:
            options.pop("personal", None)
        attrs["options"] = options
        return attrs


class SubmissionFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("state"), required=False)
    cadre = forms.CharField(
        label=gettext_lazy("cadre"),
        required=False,
        help_text=gettext_lazy("Name, pinyin initials or ID number"),
    )
    since = forms.DateField(label=gettext_lazy("submitted from"), required=False, widget=DATE)
    until = forms.DateField(label=gettext_lazy("submitted until"), required=False, widget=DATE)

    def __init__(self, *args, form: FormDefinition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("(all)"))] + [
            (s["key"], s["label"]) for s in form.workflow.get("states", [])
        ]

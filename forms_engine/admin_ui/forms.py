"""Django forms of the forms-engine admin: a definition, one field of the draft, the submissions filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from forms_engine.conditions import JOINS, OPERATORS, answer_problems, expression_rows, question_list
from forms_engine.fields import FIELD_TYPES
from forms_engine.models import FormDefinition, FormField
from forms_engine.names import identifier_from_label
from forms_engine.personal import ALWAYS_PERSONAL, KINDS, NOT_MARKABLE, TYPE_DEFAULTS, personal_kind
from forms_engine.services import ACTIONS, FIELD_ATTRS, form_published_names
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


def choices_from_rows(rows: list[tuple[str, str]]) -> list[dict]:
    """The choice editor's rows (label, value) in order; an empty value is made from the label (pinyin), unique."""
    rows = [(label.strip(), value.strip()) for label, value in rows if label.strip() or value.strip()]
    given = [value for _label, value in rows if value]
    for value in given:
        if given.count(value) > 1:
            raise forms.ValidationError(_("The value “%(value)s” is given twice.") % {"value": value})
    taken, choices = set(given), []
    for label, value in rows:
        if not value:
            value = identifier_from_label(label, taken=taken, fallback="option", letter_first=False)
            taken.add(value)
        choices.append({"value": value, "label": label or value})
    return choices


ALL_TYPES = frozenset(FIELD_TYPES)
# Answers a constraint (". >= 0") is written for.
CHECKABLE = frozenset({"text", "textarea", "integer", "decimal", "date", "time", "datetime", "multichoice"})
# Which field types each setting applies to; a setting is shown for those only and ignored for the others.
SETTING_TYPES: dict[str, frozenset[str]] = {
    "help_text": ALL_TYPES,
    "required": ALL_TYPES - {"note", "calculated"},
    "choices": frozenset({"choice", "multichoice", "likert"}),
    "min_value": frozenset({"integer", "decimal"}),
    "max_value": frozenset({"integer", "decimal"}),
    "max_mb": frozenset({"file"}),
    "accept": frozenset({"file"}),
    "max_rows": frozenset({"repeat"}),
    "calculation": frozenset({"calculated", "hidden"}),
    "relevant": ALL_TYPES,
    "default": ALL_TYPES - {"note", "repeat", "file", "cadre", "staff", "calculated", "id_number"},
    "widget": frozenset({"choice"}),
    "min_length": frozenset({"text", "textarea"}),
    "max_length": frozenset({"text", "textarea"}),
    "pattern": frozenset({"text"}),
    "constraint": CHECKABLE,
    "constraint_message": CHECKABLE,
    "required_if": ALL_TYPES - {"note", "calculated"},
    "personal": ALL_TYPES - NOT_MARKABLE,
    "staff_only": ALL_TYPES,
    "group": ALL_TYPES - {"repeat"},
}
# Settings rarely needed, folded under 更多设置.
MORE_SETTINGS = (
    "default",
    "widget",
    "min_length",
    "max_length",
    "pattern",
    "constraint",
    "constraint_message",
    "required_if",
    "personal",
    "staff_only",
    "group",
)
MAIN_SETTINGS = ("help_text", "required", "min_value", "max_value", "max_mb", "accept", "max_rows", "calculation")
CONDITION_ATTRS = ("relevant", "required_if")


class FieldForm(forms.Form):
    field_type = forms.ChoiceField(label=gettext_lazy("type"))
    label = forms.CharField(label=gettext_lazy("label"), max_length=300, widget=TEXT)
    name = forms.CharField(
        label=gettext_lazy("machine name"),
        max_length=64,
        required=False,
        widget=TEXT,
        help_text=gettext_lazy(
            "Made from the label (pinyin) when left empty; letters, digits and _, starting with a letter. "
            "It can change until a version with this field is published."
        ),
    )
    help_text = forms.CharField(label=gettext_lazy("help text"), max_length=500, required=False)
    required = forms.BooleanField(label=gettext_lazy("required"), required=False)
    default = forms.CharField(label=gettext_lazy("default"), max_length=300, required=False)
    choices = forms.CharField(label=gettext_lazy("choices"), required=False, widget=forms.HiddenInput)
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
        help_text=gettext_lazy(
            "Made by the condition picker above, or written by hand, e.g. ${visit_type} = 'hospital'."
        ),
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
        self.form_def, self.field = form, field
        self.fields["field_type"].choices = [(key, label) for key, label in FIELD_TYPES.items()]
        rows = list(form.fields.order_by("sort_order", "pk"))
        self.taken_names = {row.name for row in rows if field is None or row.pk != field.pk}
        earlier = (
            rows if field is None else [row for row in rows if (row.sort_order, row.pk) < (field.sort_order, field.pk)]
        )
        self.questions = question_list(earlier)
        groups = [row for row in rows if row.field_type == "repeat" and (field is None or row.pk != field.pk)]
        self.fields["group"].choices = [("", _("(none)"))] + [(g.name, f"{g.label} ({g.name})") for g in groups]
        self.name_frozen = field is not None and (
            field.bureau_locked or field.name in form_published_names(form_id=form.pk)
        )
        if self.name_frozen:
            self.fields["name"].widget = forms.TextInput(attrs={"readonly": True, "autocomplete": "off"})
            self.fields["name"].help_text = _("Fixed since a version with this field was published.")
        if field is not None and field.bureau_locked:
            self.fields["field_type"].disabled = True
            self.fields["choices"].disabled = True
        if self.is_bound:
            # Settings that do not fit the chosen type are ignored, whatever was posted for them.
            data = self.data.copy()
            for setting in self.settings_not_for(self.current_type()):
                data.pop(setting, None)
                if setting == "choices":
                    data.pop("choice_label", None)
                    data.pop("choice_value", None)
            self.data = data

    def current_type(self) -> str:
        if self.is_bound and not self.fields["field_type"].disabled:
            kind = self.data.get("field_type")
        else:
            kind = self.initial.get("field_type")
        return kind if kind in FIELD_TYPES else "text"

    @staticmethod
    def settings_not_for(field_type: str) -> list[str]:
        return [setting for setting, types in SETTING_TYPES.items() if field_type not in types]

    def _settings(self, names: tuple[str, ...]) -> list[dict]:
        kind = self.current_type()
        return [
            {"field": self[name], "types": " ".join(sorted(SETTING_TYPES[name])), "shown": kind in SETTING_TYPES[name]}
            for name in names
        ]

    def main_settings(self) -> list[dict]:
        return self._settings(MAIN_SETTINGS)

    def more_settings(self) -> list[dict]:
        return self._settings(MORE_SETTINGS)

    def choices_shown(self) -> bool:
        return self.current_type() in SETTING_TYPES["choices"]

    def more_errors(self) -> bool:
        """Open 更多设置 when one of its settings has an error."""
        return any(self.has_error(name) for name in MORE_SETTINGS)

    def setting_types(self) -> dict[str, str]:
        return {name: " ".join(sorted(types)) for name, types in SETTING_TYPES.items()}

    def choice_rows(self) -> list[dict]:
        """The choice editor's rows: as posted, or the stored choices; then empty rows to type into."""
        if self.is_bound and "choice_label" in self.data:
            pairs = zip(self.data.getlist("choice_label"), self.data.getlist("choice_value"), strict=False)
            rows = [{"label": label, "value": value} for label, value in pairs if label.strip() or value.strip()]
        else:
            rows = [dict(c) for c in (self.initial.get("choice_list") or [])]
        if self.fields["choices"].disabled:
            return rows
        # Rows to type into without JavaScript (the script keeps one and adds more on request).
        return [*rows, *({"label": "", "value": ""} for _ in range(1 if rows else 3))]

    def picker_state(self) -> dict:
        """What field_builder.js needs for the condition picker (the server also parses the stored text back)."""
        types = {q["name"]: q["type"] for q in self.questions}
        conditions = {}
        for attr in CONDITION_ATTRS:
            text = (self.data.get(attr, "") if self.is_bound else self.initial.get(attr, "")) or ""
            conditions[attr] = {"text": text, "parsed": expression_rows(text, types)}
        return {
            "questions": self.questions,
            "operators": {key: str(label) for key, label in OPERATORS.items()},
            "joins": {key: str(label) for key, label in JOINS.items()},
            "conditions": conditions,
            "strings": {
                "question": pgettext("condition", "Question"),
                "operator": pgettext("condition", "Comparison"),
                "answer": pgettext("condition", "Answer"),
                "choose_question": _("(choose a question)"),
                "choose_answer": _("(choose an answer)"),
                "join": _("Conditions combined with"),
                "add": _("Add a condition"),
                "remove": _("Remove this condition"),
                "none": _("No earlier question to build a condition on; write the expression by hand if needed."),
                "hand_written": _(
                    "This condition was written by hand and does not fit the picker; it is kept as written below. "
                    "Adding a condition with the picker replaces it."
                ),
            },
        }

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
            choice_list=list(field.choices or []),
            widget=options.get("widget", ""),
            max_mb=options.get("max_mb"),
            accept=" ".join(options["accept"]) if isinstance(options.get("accept"), list) else options.get("accept"),
            max_rows=options.get("max_rows"),
            staff_only=bool(options.get("staff_only")),
            personal=personal_kind({"type": field.field_type, "options": options}) or "",
        )
        return initial

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if self.field is None:
            return name
        if self.name_frozen and name and name != self.field.name:
            raise forms.ValidationError(
                _("This field is in a published version: its machine name stays “%(name)s”.")
                % {"name": self.field.name}
            )
        return name or self.field.name

    def clean(self):
        data = super().clean()
        field_type = data.get("field_type") or self.initial.get("field_type")
        if self.field is None and not data.get("name") and data.get("label"):
            data["name"] = identifier_from_label(data["label"], taken=self.taken_names)
        if not self.initial and not data.get("personal") and field_type in TYPE_DEFAULTS:
            data["personal"] = TYPE_DEFAULTS[field_type]  # a new phone or ID number: personal unless chosen later
        if field_type in ALWAYS_PERSONAL and not data.get("personal"):
            self.add_error("personal", _("A resident ID number is always personal data (identity)."))
        elif field_type in NOT_MARKABLE and data.get("personal"):
            self.add_error("personal", _("This type of field holds no personal answer of its own."))
        for attr in CONDITION_ATTRS:
            for problem in answer_problems(data.get(attr) or "", self.questions):
                self.add_error(attr, problem)
        return data

    def clean_choices(self):
        if self.fields["choices"].disabled:
            return list(self.initial.get("choice_list") or [])
        if "choice_label" in self.data:
            pairs = zip(self.data.getlist("choice_label"), self.data.getlist("choice_value"), strict=False)
            return choices_from_rows(list(pairs))
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
        if self.field is not None and not self.name_frozen:
            attrs["name"] = data["name"]
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

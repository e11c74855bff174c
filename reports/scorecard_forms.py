"""Forms of the scorecard pages (bureau) and of a centre's improvement actions (centre admin).

Rates are stored as fractions (0.95) but typed and shown as percents (95): the conversion happens only here.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ImprovementAction, Indicator, ScorecardItem

ITEM_VALUES = ("target", "green", "amber")


def _scorable() -> list[Indicator]:
    """Indicators a scorecard may use: those with a direction (higher or lower is better)."""
    return list(Indicator.objects.filter(higher_is_better__isnull=False))


def _is_rate(indicator: Indicator | None) -> bool:
    return indicator is not None and indicator.kind == Indicator.Kind.RATE


def _shown(indicator: Indicator, value: float) -> str:
    """A stored target or threshold as the user types it (percent for rates), without trailing zeros."""
    number = round(value * 100, 6) if _is_rate(indicator) else value
    return f"{number:g}"


class IndicatorSelect(forms.Select):
    """Each option carries the unit the user types and whether higher is better, for the row's live unit label."""

    def __init__(self, *args, indicators: dict[str, Indicator] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        indicator = self.indicators.get(str(value))
        if indicator is not None:
            option["attrs"]["data-unit"] = "%" if _is_rate(indicator) else indicator.unit
            option["attrs"]["data-lower-better"] = "true" if indicator.higher_is_better is False else "false"
        return option


class ScorecardCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)


class ScorecardHeaderForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    show_centre_names = forms.BooleanField(
        label=_("Centres see each other's names"),
        required=False,
        help_text=_("Otherwise a centre sees only its own name; the others appear as ranks and scores."),
    )


class ScorecardItemForm(forms.Form):
    """One row; a row without an indicator is left out. Numbers are checked by the service, which names the row."""

    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    target = forms.FloatField(label=_("Target"), required=False)
    weight = forms.DecimalField(
        label=_("Weight"),
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    green = forms.FloatField(label=_("Green from"), required=False)
    amber = forms.FloatField(label=_("Amber from"), required=False)

    def __init__(self, *args, indicators: dict[str, Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        field = self.fields["indicator"]
        field.choices = [("", "—"), *((code, f"{i.name}（{i.unit}）") for code, i in indicators.items())]
        field.widget = IndicatorSelect(choices=field.choices, indicators=indicators)
        for name in (*ITEM_VALUES, "weight"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["weight"].widget.attrs["data-weight"] = "true"

    @property
    def unit(self) -> str:
        """The unit this row's target and thresholds are typed in (percent for rates)."""
        code = self.data.get(self.add_prefix("indicator")) if self.is_bound else self.initial.get("indicator")
        indicator = self.indicators.get(code or "")
        if indicator is None:
            return ""
        return "%" if _is_rate(indicator) else indicator.unit

    @property
    def lower_is_better(self) -> bool:
        code = self.data.get(self.add_prefix("indicator")) if self.is_bound else self.initial.get("indicator")
        indicator = self.indicators.get(code or "")
        return indicator is not None and indicator.higher_is_better is False

    def item(self) -> dict | None:
        """The row as the service takes it (rates back to fractions), or None for an empty row."""
        data = self.cleaned_data
        code = data.get("indicator") or ""
        if not code or data.get("DELETE"):
            return None
        indicator = self.indicators.get(code)
        item: dict = {"indicator": code, "weight": data.get("weight")}
        for name in ITEM_VALUES:
            value = data.get(name)
            item[name] = value / 100 if value is not None and _is_rate(indicator) else value
        return item


class BaseItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        self.indicators = {i.code: i for i in _scorable()}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "indicators": self.indicators}

    def items(self) -> list[dict]:
        return [item for form in self.forms if (item := form.item()) is not None]

    def weight_total(self) -> Decimal:
        """The sum of the weights of the rows with an indicator, as typed (shown next to them; the service decides)."""
        total = Decimal(0)
        for form in self.forms:
            values = form.data if self.is_bound else form.initial
            key = form.add_prefix if self.is_bound else str
            raw = values.get(key("weight"))
            if not values.get(key("indicator")) or values.get(key("DELETE")) or raw in (None, ""):
                continue
            try:
                total += Decimal(str(raw))
            except ArithmeticError:
                continue
        return total


ItemFormSet = forms.formset_factory(ScorecardItemForm, formset=BaseItemFormSet, extra=3, can_delete=True)


def item_formset_initial(items: list[ScorecardItem]) -> list[dict]:
    """A scorecard's rows as the form shows them (rates in percent)."""
    return [
        {
            "indicator": item.indicator.code,
            "weight": f"{float(item.weight):g}",
            **{name: _shown(item.indicator, getattr(item, name)) for name in ITEM_VALUES},
        }
        for item in items
    ]


def item_formset_resubmitted(formset: BaseItemFormSet) -> list[dict]:
    """The rows the user sent, without the empty ones and as typed: the service numbers rows in this order."""
    rows = []
    for form in formset.forms:
        if not form.cleaned_data.get("indicator") or form.cleaned_data.get("DELETE"):
            continue
        rows.append({name: form.data.get(form.add_prefix(name), "") for name in ("indicator", "weight", *ITEM_VALUES)})
    return rows


class ImprovementActionForm(forms.Form):
    """An action on one weak indicator; the centre is never a form value (it is the request's centre)."""

    indicator = forms.ChoiceField(widget=forms.HiddenInput)
    goal = forms.CharField(label=_("Goal"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label=_("Person responsible"), max_length=50)
    due_on = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("For example 2027-06-30.")
    )

    def __init__(self, *args, weak: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(code, code) for code in weak]


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ImprovementAction.Status.choices)

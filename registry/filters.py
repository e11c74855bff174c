"""The one cadre filter, shared by the admin list, its export and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Cadre, RestHome, Staff
from registry.selectors import cadre_search, health_flags_hidden, query_is_id_number
from registry.services import cadre_id_search, cadre_id_search_permit

AGE_BANDS = [
    ("under70", _("Under 70")),
    ("70to79", _("70–79")),
    ("80to89", _("80–89")),
    ("90plus", _("90 and over")),
]
AGE_LIMITS = {"under70": (0, 69), "70to79": (70, 79), "80to89": (80, 89), "90plus": (90, 200)}
FLAGS = [
    ("lives_alone", _("lives alone")),
    ("childless", _("childless elderly")),
    ("bedridden", _("bedridden")),
    ("disabled", _("disabled (loss of ability)")),
    ("dementia", _("dementia")),
    ("in_care_home", _("in a care home")),
    ("very_old", _("very old (80 and over)")),
]


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_date_range(low_age: int, high_age: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """Birth dates of people whose age today is between low_age and high_age inclusive."""
    return years_before(today, high_age + 1) + dt.timedelta(days=1), years_before(today, low_age)


class CadreFilterForm(forms.Form):
    """An exact-ID search is permitted (or refused, as a form error) before anything is searched."""

    user = None

    def clean_q(self):
        query = self.cleaned_data.get("q")
        if query_is_id_number(query):
            cadre_id_search_permit(user=self.user)
        return query


class CadreFilterSet(django_filters.FilterSet):
    """The filter of whoever asks (`user`, or the request's); `channel` names where a search is logged as made."""

    channel = "admin"

    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    rest_home = django_filters.ModelChoiceFilter(label=_("rest home"), queryset=RestHome.objects.all())
    liaison = django_filters.ModelChoiceFilter(label=_("liaison"), queryset=Staff.objects.only("id", "name"))
    level = django_filters.ChoiceFilter(label=_("level"), choices=Cadre.Level.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=Cadre.Kind.choices)
    state = django_filters.ChoiceFilter(label=_("state"), choices=Cadre.State.choices)
    age_band = django_filters.ChoiceFilter(label=_("age band"), choices=AGE_BANDS, method="filter_age_band")
    flags = django_filters.MultipleChoiceFilter(label=_("living situation"), choices=FLAGS, method="filter_flags")

    class Meta:
        model = Cadre
        fields = ["q", "rest_home", "liaison", "level", "kind", "state", "age_band", "flags"]
        form = CadreFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            form.user = self.user
            # A health condition is no filter for someone who may not see it: the count would tell.
            if hidden := health_flags_hidden(self.user):
                form.fields["flags"].choices = [choice for choice in FLAGS if choice[0] not in hidden]
        return self._form

    def filter_q(self, queryset, name, value):
        if query_is_id_number(value):  # permitted by the form
            return cadre_id_search(user=self.user, queryset=queryset, query=value, channel=self.channel)
        return cadre_search(queryset, value)

    def filter_age_band(self, queryset, name, value):
        low, high = AGE_LIMITS[value]
        earliest, latest = birth_date_range(low, high, timezone.localdate())
        return queryset.filter(birth_date__gte=earliest, birth_date__lte=latest)

    def filter_flags(self, queryset, name, values):
        """Every chosen flag must hold (AND)."""
        condition = Q()
        for flag in values:
            if flag == "very_old":
                today = timezone.localdate()
                condition &= Q(birth_date__lte=birth_date_range(80, 200, today)[1])
            else:
                condition &= Q(**{flag: True})
        return queryset.filter(condition)

"""The one cadre filter, shared by the admin list, its export and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Cadre, RestHome, Staff
from registry.selectors import cadre_search

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


class CadreFilterSet(django_filters.FilterSet):
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

    def filter_q(self, queryset, name, value):
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

"""The API's strict input parts, used by every app's serializers and lists: text must be sent as text, and a page
size, an id or a year in a filter must be a whole number, a yes-or-no filter true or false. (DRF's own CharField
turns the number 0 into "0"; its pagination ignores a page size it cannot read; django-filter reads 1.5 as a number
and ignores a yes-or-no filter it cannot read.)"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text columns are StrictCharFields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }


class StrictPageNumberPagination(PageNumberPagination):
    """Pages of a list; a page size that is not a whole number from 1 up is refused (400), not ignored."""

    def get_page_size(self, request):
        param = self.page_size_query_param
        raw = request.query_params.get(param) if param else None
        if param and raw and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise serializers.ValidationError({param: [_("The page size must be a whole number from 1 up.")]})
        return super().get_page_size(request)


class WholeNumberFilter(django_filters.NumberFilter):
    """A filter on a whole number (an id, a year): a fraction is refused, not matched against nothing."""

    field_class = forms.IntegerField


class StrictNullBooleanField(forms.NullBooleanField):
    """Yes, no or not given; anything else is refused (a select widget would have read it as "not given")."""

    widget = forms.TextInput
    KNOWN = {"true", "false", "1", "0", ""}

    def to_python(self, value):
        if value not in (None, True, False) and str(value).lower() not in self.KNOWN:
            raise ValidationError(_("Enter true or false."), code="invalid")
        return super().to_python(value)


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet whose filters made from model fields refuse what they cannot read (whole numbers, yes or no)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.IntegerField: {"filter_class": WholeNumberFilter},
        models.SmallIntegerField: {"filter_class": WholeNumberFilter},
        models.PositiveIntegerField: {"filter_class": WholeNumberFilter},
        models.PositiveSmallIntegerField: {"filter_class": WholeNumberFilter},
    }

"""Serializers of the bureau's reports API: read-only shapes of facts, indicator definitions and scorecards."""

from __future__ import annotations

from rest_framework import serializers

from reports.models import Indicator, Scorecard, ScorecardItem


class FactSerializer(serializers.Serializer):
    """One figure; a suppressed small cell carries no value, numerator or denominator at all."""

    centre = serializers.CharField(help_text="The centre's code (its schema name).")
    centre_name = serializers.CharField()
    period = serializers.CharField(help_text="2026, 2026-Q3 or 2026-07.")
    indicator = serializers.CharField(help_text="The indicator's code (see /api/reports/indicators/).")
    breakdown = serializers.CharField(allow_blank=True, help_text="The breakdown cell's key; empty for the total.")
    label = serializers.CharField(allow_blank=True, help_text="The breakdown cell's name; empty for the total.")
    value = serializers.FloatField(allow_null=True, help_text="Rates as fractions (0.25 = 25%); null when none.")
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField(help_text="A cell of too few people (or one that would reveal it).")


class FactPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    period = serializers.CharField()
    as_of = serializers.DictField(
        child=serializers.DateTimeField(allow_null=True),
        help_text="For each centre of the period, when its figures were last computed (null: never).",
    )
    results = FactSerializer(many=True)


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["code", "name", "unit", "kind", "area", "formula", "clause", "higher_is_better", "breakdown"]


class ScorecardItemSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    weight = serializers.FloatField()

    class Meta:
        model = ScorecardItem
        fields = ["indicator", "indicator_name", "target", "weight", "green", "amber"]


class ScorecardCellSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    colour = serializers.ChoiceField(choices=["green", "amber", "red", "none"])
    points = serializers.FloatField(allow_null=True)


class ScorecardResultSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    centre = serializers.CharField(source="centre.schema_name")
    centre_name = serializers.CharField(source="centre.name")
    score = serializers.FloatField()
    partial = serializers.BooleanField()
    cells = ScorecardCellSerializer(many=True)


class ScorecardSerializer(serializers.Serializer):
    """A scorecard with its items and its results (frozen when published, computed now for a draft)."""

    year = serializers.IntegerField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Scorecard.Status.values)
    published_at = serializers.DateTimeField(allow_null=True)
    items = ScorecardItemSerializer(many=True)
    results = ScorecardResultSerializer(many=True)

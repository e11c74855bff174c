"""JSON API of the bureau's figures under /api/reports/ (DRF): facts, scorecards, indicator definitions.

Only on the bureau's host (the public schema): a token or session of a bureau user with any bureau role. Small
cells are suppressed exactly as on the pages, and every read is written to the access log.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.access import access_log
from reports.filters import Filters, filters_parse
from reports.periods import PeriodError
from reports.roles import bureau_can
from reports.selectors import (
    centre_states,
    fact_rows,
    indicator_map,
    scorecard_current,
    scorecard_results,
)
from reports.serializers import FactPageSerializer, IndicatorSerializer, ScorecardSerializer
from tenants.authentication import CentreTokenAuthentication
from tenants.drf import StrictPageNumberPagination

TRUE, FALSE = ("1", "true", "yes"), ("", "0", "false", "no")


class BureauCanView(BasePermission):
    """Any bureau role (head, analyst, viewer); a centre's user never has one."""

    message = gettext_lazy("Your account has no bureau role that allows this. Ask the bureau's system administrator.")

    def has_permission(self, request, view) -> bool:
        return bureau_can(request.user, "view")


class FactsPagination(StrictPageNumberPagination):
    page_size = 1000
    page_size_query_param = "page_size"
    max_page_size = 5000


class BureauAPIView(APIView):
    """Read-only, bureau roles only; a refused filter is a 400 with its message; each answered read is logged."""

    authentication_classes = [CentreTokenAuthentication, SessionAuthentication]
    permission_classes = [BureauCanView]
    http_method_names = ["get", "head", "options"]

    def filters(self) -> Filters:
        try:
            return filters_parse(self.request.query_params)
        except PeriodError as exc:
            raise ParseError(str(exc)) from None

    def finalize_response(self, request, response, *args, **kwargs):
        if request.method == "GET" and response.status_code < 400:
            access_log(request=request, action="api", what=request.get_full_path())
        return super().finalize_response(request, response, *args, **kwargs)


PERIOD_PARAMETERS = [
    OpenApiParameter("year", int, description="The year (default: this year)."),
    OpenApiParameter("quarter", int, description="A quarter of the year, 1–4 (not with month)."),
    OpenApiParameter("month", int, description="A month of the year, 1–12 (not with quarter)."),
]
BAD_REQUEST = OpenApiResponse(
    response={"type": "object", "properties": {"detail": {"type": "string"}}},
    description="A filter that does not exist; `detail` says why, in Chinese.",
)


class FactsView(BureauAPIView):
    pagination_class = FactsPagination

    @extend_schema(
        summary="Facts of a period",
        description=(
            "Each centre's figures of one period, by indicator and (with breakdowns=1) breakdown cell, ordered by "
            "indicator, centre and cell. Breakdown cells of fewer people than the small-cell threshold, and any "
            "cell that would reveal one, come back with `suppressed: true` and no value."
        ),
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("centre", str, many=True, description="Centre codes (default: every centre)."),
            OpenApiParameter("indicator", str, many=True, description="Indicator codes (default: all)."),
            OpenApiParameter("breakdowns", OpenApiTypes.BOOL, description="1: the breakdown cells too."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="Rows per page, at most 5000 (default 1000)."),
        ],
        responses={200: FactPageSerializer, 400: BAD_REQUEST},
    )
    def get(self, request):
        filters = self.filters()
        indicators = indicator_map()
        codes = self._indicator_codes(indicators)
        breakdowns = self._flag("breakdowns")
        states = centre_states(period=filters.period, codes=filters.centres)
        rows = fact_rows(
            period=filters.period, states=states, codes=codes, breakdowns=breakdowns, indicators=indicators
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        data = {
            "count": len(rows),
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "period": filters.period.key,
            "as_of": {state.centre.schema_name: state.as_of for state in states},
            "results": page,
        }
        return Response(FactPageSerializer(data).data)

    def _indicator_codes(self, indicators: dict) -> list[str]:
        asked = list(dict.fromkeys(c.strip() for c in self.request.query_params.getlist("indicator") if c.strip()))
        unknown = [code for code in asked if code not in indicators]
        if unknown:
            raise ParseError(_("No indicator with the code %(codes)s.") % {"codes": "、".join(u[:60] for u in unknown)})
        return [code for code in indicators if code in asked] if asked else list(indicators)

    def _flag(self, name: str) -> bool:
        raw = (self.request.query_params.get(name) or "").strip().lower()
        if raw not in TRUE + FALSE:
            raise ParseError(_("%(name)s must be 0 or 1, not “%(value)s”.") % {"name": name, "value": raw[:20]})
        return raw in TRUE


class IndicatorsView(BureauAPIView):
    @extend_schema(summary="Indicator definitions (口径)", responses=IndicatorSerializer(many=True))
    def get(self, request):
        return Response(IndicatorSerializer(indicator_map().values(), many=True).data)


class ScorecardView(BureauAPIView):
    @extend_schema(
        summary="The year's scorecard",
        description=(
            "The year's latest published scorecard with its frozen results; for analysts and the head, the latest "
            "draft (results computed now) when none is published yet."
        ),
        parameters=[PERIOD_PARAMETERS[0]],
        responses={200: ScorecardSerializer, 400: BAD_REQUEST, 404: OpenApiResponse(description="No scorecard.")},
    )
    def get(self, request):
        year = self.filters().period.year
        card = scorecard_current(year=year, published_only=not bureau_can(request.user, "edit"))
        if card is None:
            raise NotFound(_("There is no scorecard for %(year)d yet.") % {"year": year})
        items = list(card.items.select_related("indicator"))
        results = [
            {**result, "cells": [_cell(item.indicator.code, result["cells"]) for item in items]}
            for result in scorecard_results(scorecard=card)
        ]
        data = {
            "year": card.year,
            "version": card.version,
            "title": card.title,
            "status": card.status,
            "published_at": card.published_at,
            "items": items,
            "results": results,
        }
        return Response(ScorecardSerializer(data).data)


def _cell(code: str, cells: dict) -> dict:
    cell = cells.get(code) or {}
    return {
        "indicator": code,
        "value": cell.get("value"),
        "colour": cell.get("colour", "none"),
        "points": cell.get("points"),
    }


urlpatterns = [
    path("facts/", FactsView.as_view(), name="api_facts"),
    path("indicators/", IndicatorsView.as_view(), name="api_indicators"),
    path("scorecards/", ScorecardView.as_view(), name="api_scorecards"),
]

"""The headless content API: Wagtail API v2 pages with date-range filters, per-centre caching and a signed preview.

Listings and details of anonymous requests are cached under the centre's content version (content.page_cache),
which is replaced whenever a page is published, unpublished, moved or deleted; the cache key function adds the
centre's schema. A preview shows a page's latest revision to whoever holds a signed token made in the admin.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core import signing
from django.core.cache import cache
from django.db.models import DateTimeField
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response
from wagtail.api.v2.filters import (
    AncestorOfFilter,
    ChildOfFilter,
    DescendantOfFilter,
    FieldsFilter,
    LocaleFilter,
    OrderingFilter,
    SearchFilter,
    TranslationOfFilter,
)
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Page

from content.page_cache import content_version, page_cache_seconds, request_digest
from tenants.db import connection_schema_name

PREVIEW_SALT = "content.api-preview"
PREVIEW_MAX_AGE = 60 * 60  # an hour
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class DateRangeFilter(BaseFilterBackend):
    """`date_from` / `date_to` (YYYY-MM-DD, inclusive) on the date a page type is listed by (its `date_field`)."""

    def filter_queryset(self, request, queryset, view):
        wanted = {name: request.GET.get(name) for name in ("date_from", "date_to") if request.GET.get(name)}
        if not wanted:
            return queryset
        field = getattr(queryset.model, "date_field", None)
        if not field:
            raise BadRequestError("date_from and date_to need a type with a date, e.g. type=content.NoticePage")
        lookup = f"{field}__date" if isinstance(queryset.model._meta.get_field(field), DateTimeField) else field
        for name, value in wanted.items():
            try:
                day = dt.date.fromisoformat(value)
            except ValueError as exc:
                raise BadRequestError(f"{name} must be a date (YYYY-MM-DD)") from exc
            queryset = queryset.filter(**{f"{lookup}__{'gte' if name == 'date_from' else 'lte'}": day})
        return queryset


def _page_fields() -> dict:
    return {
        "id": serializers.IntegerField(),
        "meta": serializers.DictField(help_text="type, detail_url, html_url, slug, first_published_at…"),
        "title": serializers.CharField(),
    }


PAGE_ITEM = inline_serializer(name="PageItem", fields=_page_fields())
PAGE_LIST = inline_serializer(
    name="PageList",
    fields={
        "meta": inline_serializer(name="PageListMeta", fields={"total_count": serializers.IntegerField()}),
        "items": inline_serializer(name="PageListItem", fields=_page_fields(), many=True),
    },
)
LIST_PARAMETERS = [
    OpenApiParameter("type", str, description="Page type, e.g. content.PolicyPage, content.ActivityPage"),
    OpenApiParameter("fields", str, description="Extra fields, e.g. date,category,summary or * for all"),
    OpenApiParameter("category", str, description="With a type that has categories: only that category"),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="With a type: on or after this date"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="With a type: on or before this date"),
    OpenApiParameter("child_of", int),
    OpenApiParameter("descendant_of", int),
    OpenApiParameter("search", str),
    OpenApiParameter("order", str, description="A field, - for descending; 'random'"),
    OpenApiParameter("limit", int),
    OpenApiParameter("offset", int),
]


def _cacheable(request) -> bool:
    """Only anonymous requests without cookies: a session could open a page with a view restriction."""
    return (
        page_cache_seconds() > 0
        and not request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and request.method == "GET"
    )


class ContentPagesAPIViewSet(PagesAPIViewSet):
    filter_backends = [
        FieldsFilter,
        DateRangeFilter,
        ChildOfFilter,
        AncestorOfFilter,
        DescendantOfFilter,
        OrderingFilter,
        TranslationOfFilter,
        LocaleFilter,
        SearchFilter,  # last: search results cannot be filtered further
    ]
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["date_from", "date_to"])

    def _cached(self, request, render):
        if not _cacheable(request):
            return render()
        key = f"content:api:{content_version()}:{request_digest(request)}"
        stored = cache.get(key)
        if stored is not None:
            return Response(stored)
        response = render()
        if response.status_code == 200:
            cache.set(key, response.data, timeout=page_cache_seconds())
        return response

    @extend_schema(
        operation_id="pages_list", summary="Live pages of this centre", parameters=LIST_PARAMETERS, responses=PAGE_LIST
    )
    def listing_view(self, request):
        return self._cached(request, lambda: super(ContentPagesAPIViewSet, self).listing_view(request))

    @extend_schema(
        operation_id="pages_detail",
        summary="One live page with all its fields",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH), LIST_PARAMETERS[1]],
        responses=PAGE_ITEM,
    )
    def detail_view(self, request, pk):
        return self._cached(request, lambda: super(ContentPagesAPIViewSet, self).detail_view(request, pk))

    @extend_schema(
        operation_id="pages_find",
        summary="Find a page by its path on the site (html_path) and redirect to it",
        parameters=[OpenApiParameter("html_path", str)],
        responses={302: None},
    )
    def find_view(self, request):
        return super().find_view(request)

    def find_object(self, queryset, request):
        # PostgreSQL cannot compare text holding NUL or a lone surrogate: refuse it rather than fail.
        if any(UNSTORABLE.search(key + value) for key, value in request.GET.items()):
            raise BadRequestError(_("The request contains characters that cannot be processed (such as a NUL byte)."))
        return super().find_object(queryset, request)


# ---------------------------------------------------------------- preview


def preview_token_make(*, page: Page) -> str:
    """A token showing the page's latest revision (as it is when asked) for an hour, in this centre only."""
    return signing.dumps({"s": connection_schema_name(), "p": page.pk}, salt=PREVIEW_SALT)


def preview_url(*, page: Page) -> str:
    return reverse("wagtailapi:preview:preview") + "?token=" + preview_token_make(page=page)


def preview_token_read(token: str) -> int:
    """The page id of a valid token for this centre; Http404 for anything else."""
    try:
        data = signing.loads(token or "", salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        raise Http404(_("The preview link is not valid or has expired.")) from None
    if not isinstance(data, dict) or data.get("s") != connection_schema_name():
        raise Http404(_("The preview link is not valid or has expired."))
    return int(data["p"])


class PagePreviewAPIViewSet(ContentPagesAPIViewSet):
    """The latest revision of one page (live or not), for an external front end holding a signed token."""

    known_query_parameters = ContentPagesAPIViewSet.known_query_parameters.union(["token"])

    @classmethod
    def get_urlpatterns(cls):
        return [path("", cls.as_view({"get": "preview_view"}), name="preview")]

    def get_object(self):
        if not hasattr(self, "_preview_object"):
            page = Page.objects.filter(pk=preview_token_read(self.request.GET.get("token", ""))).first()
            if page is None:
                raise Http404(_("The preview link is not valid or has expired."))
            revision = page.get_latest_revision()
            self._preview_object = revision.as_object() if revision is not None else page.specific
        return self._preview_object

    @extend_schema(
        operation_id="pages_preview",
        summary="Preview the latest revision of a page (token made in the admin, valid an hour)",
        parameters=[OpenApiParameter("token", str, required=True)],
        responses=PAGE_ITEM,
    )
    def preview_view(self, request):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["Cache-Control"] = "private, no-store"
        return response

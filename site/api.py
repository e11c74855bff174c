"""The headless API of a centre: Wagtail API v2 (pages with content's filters, caching and signed preview); who reads
the API docs."""

from django.conf import settings
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from content.api import ContentPagesAPIViewSet, PagePreviewAPIViewSet
from tenants.authentication import CentreTokenAuthentication

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", ContentPagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)
api_router.register_endpoint("preview", PagePreviewAPIViewSet)


# Who reads the docs signs in like the API: a session or a token of this host.
DOCS_AUTHENTICATION = [SessionAuthentication, CentreTokenAuthentication]


class ApiDocsPermission(BasePermission):
    """The OpenAPI schema and its docs page: signed-in users of this host, or anyone with JUNXIU_API_DOCS_PUBLIC."""

    def has_permission(self, request, view) -> bool:
        return bool(settings.JUNXIU_API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))

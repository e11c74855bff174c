"""Development-only media serving: a centre's host serves only that centre's files."""

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.views.static import serve


def centre_media_serve(request, schema: str, path: str):
    if schema != connection.schema_name:
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT / schema)

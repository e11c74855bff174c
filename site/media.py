"""Development-only media serving, as nginx does in production: a centre's host serves only that centre's Wagtail
images. Everything else under MEDIA (archive papers, form attachments, old exports) goes through checked views."""

import re

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.views.static import serve

PUBLIC_MEDIA = re.compile(r"(original_images|images)/[^/]+")  # the location nginx serves (deploy/nginx.conf)


def centre_media_serve(request, schema: str, path: str):
    if schema != connection.schema_name or not PUBLIC_MEDIA.fullmatch(path):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT / schema)

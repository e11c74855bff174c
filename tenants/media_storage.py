"""Media on S3-compatible object storage (MinIO, Ceph, a cloud's object store), per centre, for several machines.

The layout is the one of the file system storage (tenants.private_files.CentreStorage, MEDIA_ROOT/<schema>/<name>):
each object's key is `<prefix>/<schema>/<name>` in one bucket. URLs stay on the site's own host,
`MEDIA_URL<schema>/<name>`, which the proxy maps to the bucket for a centre's Wagtail images only (deploy/container/
nginx.conf) — so the Content-Security-Policy's img-src 'self' holds and no other media is reachable by a URL.

Personal uploads (JUNXIU_PRIVATE_UPLOADS: archive papers, form attachments) are not put in the bucket: they go, as
before, to JUNXIU_PRIVATE_FILES/<schema>/ (a volume every web and worker process shares), read only through views
that check the user.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from tenants.db import connection_schema_name
from tenants.private_files import CentreStorage


class CentreS3Storage(S3Storage):
    """The default storage in production when JUNXIU_MEDIA_S3_BUCKET is set."""

    def __init__(self, **options):
        self._base_location = ""
        self._private_storage = CentreStorage()
        super().__init__(**options)

    # S3Storage sets `location` from its options; the key of every name starts with the current centre's schema.
    @property
    def location(self) -> str:
        return "/".join(part for part in (self._base_location, connection_schema_name()) if part)

    @location.setter
    def location(self, value: str) -> None:
        self._base_location = (value or "").strip("/")

    def _private(self, name: str | None) -> bool:
        return bool(name) and self._private_storage._private(str(name))

    def _save(self, name, content):
        if self._private(name):
            return self._private_storage._save(name, content)
        return super()._save(name, content)

    def _open(self, name, mode="rb"):
        if self._private(name):
            return self._private_storage._open(name, mode)
        return super()._open(name, mode)

    def delete(self, name):
        if self._private(name):
            return self._private_storage.delete(name)
        return super().delete(name)

    def exists(self, name):
        if self._private(name):
            return self._private_storage.exists(name)
        return super().exists(name)

    def size(self, name):
        if self._private(name):
            return self._private_storage.size(name)
        return super().size(name)

    def get_modified_time(self, name):
        if self._private(name):
            return self._private_storage.get_modified_time(name)
        return super().get_modified_time(name)

    def path(self, name):
        """Only a personal upload has a local path; an object in the bucket has none (Django's contract)."""
        if self._private(name):
            return self._private_storage.path(name)
        return super().path(name)

    def url(self, name, parameters=None, expire=None, http_method=None):
        if self._private(name):
            return self._private_storage.url(name)  # refuses: a private file has no URL
        key = self._normalize_name(clean_name(name))
        return settings.MEDIA_URL + quote(key[len(self._base_location) :].lstrip("/"))

"""Files kept outside MEDIA, under JUNXIU_PRIVATE_FILES/<schema>/...: generated ones (exports, workbooks) and uploaded
personal ones (archive papers, form attachments). Handed out only by views that check the user; in production nginx
sends the bytes (X-Accel-Redirect to an internal location)."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.http import FileResponse, HttpResponse
from django.utils._os import safe_join
from django_tenants.files.storage import TenantFileSystemStorage

# How long a generated file may be downloaded; afterwards it is refused (410) and deleted.
PRIVATE_FILE_LIFETIME = dt.timedelta(hours=24)


def private_root() -> Path:
    return Path(settings.JUNXIU_PRIVATE_FILES)


def private_file_new(*, schema_name: str, folder: str, suffix: str) -> tuple[Path, str]:
    """A fresh, unguessable file name in <root>/<schema>/<folder>/ (made): its absolute path and its path relative
    to the root, which is what a model stores."""
    relative = f"{schema_name}/{folder}/{secrets.token_urlsafe(24)}{suffix}"
    path = private_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, relative


def private_file_path(relative: str, *, schema_name: str) -> Path | None:
    """The file a stored relative path names, if it exists inside the schema's own folder of the private root
    (no `..`, no link out, no other centre's file)."""
    if not relative:
        return None
    folder = (private_root() / schema_name).resolve()
    path = (folder.parent / relative).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def private_file_delete(relative: str, *, schema_name: str) -> bool:
    """Delete a stored file (if it is still there, in the schema's folder); True when something was deleted."""
    path = private_file_path(relative, schema_name=schema_name)
    if path is None:
        return False
    path.unlink(missing_ok=True)
    return True


def attachment_header(filename: str, *, fallback: str = "download") -> str:
    """Content-Disposition of a download named `filename` (RFC 6266 / 5987), with an ASCII name for old clients."""
    ascii_name = filename if filename.isascii() else fallback
    ascii_name = re.sub(r'[\\"\x00-\x1f\x7f]', "_", ascii_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def private_file_response(path: Path, *, filename: str, content_type: str, fallback: str = "") -> HttpResponse:
    """The download of a private file, as an attachment named `filename` (RFC 5987 for Chinese names), never cached.

    With JUNXIU_X_ACCEL_REDIRECT (the prefix of nginx's `internal` location) the response is empty and nginx sends
    the file; otherwise Django streams it.
    """
    prefix = settings.JUNXIU_X_ACCEL_REDIRECT
    root = private_root().resolve()
    if prefix and root in path.resolve().parents:  # an upload from before the move to private files stays with Django
        relative = path.resolve().relative_to(root).as_posix()
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(relative)}"
    else:
        response = FileResponse(path.open("rb"), content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename, fallback=fallback or f"download{path.suffix}")
    response["Cache-Control"] = "private, no-store"
    return response


class CentreStorage(TenantFileSystemStorage):
    """The default storage: a centre's media under MEDIA_ROOT/<schema>/, except names under the folders of
    JUNXIU_PRIVATE_UPLOADS (personal uploads), which go to JUNXIU_PRIVATE_FILES/<schema>/ and have no URL.
    Such a file stored in MEDIA before is still found there (read, copied, deleted) until it is moved."""

    def _private(self, name: str) -> bool:
        return str(name).replace("\\", "/").startswith(tuple(settings.JUNXIU_PRIVATE_UPLOADS))

    def path(self, name: str) -> str:
        if not self._private(name):
            return super().path(name)
        private = safe_join(os.fspath(private_root() / connection.schema_name), name)
        if not os.path.exists(private):
            legacy = super().path(name)
            if os.path.exists(legacy):
                return legacy
        return private

    def _save(self, name: str, content) -> str:
        if self._private(name):  # Django's save compares the file's group with its storage root's: make the root
            os.makedirs(self.location, exist_ok=True)
        saved = super()._save(name, content)
        if not self._private(name):
            return saved
        # Django names the file relative to MEDIA; ours is relative to the centre's private folder.
        full = os.path.normpath(os.path.join(self.location, saved))
        return os.path.relpath(full, private_root() / connection.schema_name).replace("\\", "/")

    def url(self, name: str | None) -> str:
        if name and self._private(name):
            raise ValueError(f"{name} is a private file: it has no URL, a checked view serves it")
        return super().url(name)


def centre_upload_path(name: str) -> Path | None:
    """An uploaded private file of the current centre by its stored name, if it is there."""
    if not name or not CentreStorage()._private(name):
        return None
    try:
        path = Path(CentreStorage().path(name))
    except Exception:  # noqa: BLE001 - a name that leaves the folder (SuspiciousFileOperation) is simply not there
        return None
    return path if path.is_file() else None

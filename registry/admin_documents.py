"""A cadre's archive papers, downloaded through the admin: only by a user who may see that cadre, and logged."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.generic import View

from registry.selectors import access_cadre_by_id
from registry.services import access_log_record
from tenants.private_files import centre_upload_path, private_file_response


class ArchiveDocumentDownloadView(View):
    """One archive document of a cadre the user may see; missing and forbidden both 404."""

    def get(self, request, pk: int, document_id: int):
        if not request.user.has_perm("registry.view_cadre"):
            raise PermissionDenied
        cadre = access_cadre_by_id(user=request.user, id=pk)
        document = cadre.documents.filter(pk=document_id).first()
        path = centre_upload_path(document.file.name) if document is not None else None
        if path is None:
            raise Http404
        access_log_record(
            user=request.user,
            action="view",
            channel="admin",
            model="ArchiveDocument",
            record_ids=[document.pk],
            fields=["file"],
        )
        suffix = PurePath(document.file.name).suffix.lower()
        content_type = mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
        fallback = f"archive-{document.pk}{suffix}"
        return private_file_response(
            path, filename=f"{document.title}{suffix}", content_type=content_type, fallback=fallback
        )

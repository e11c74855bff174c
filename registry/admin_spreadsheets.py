"""Spreadsheet screens of the Wagtail admin: import template, upload → dry-run preview → commit, and export."""

from __future__ import annotations

import base64
import io
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from registry.crypto import decrypt, encrypt
from registry.roster_columns import COLUMN_BY_FIELD, COLUMNS, IGNORE
from registry.roster_import import roster_header_read
from registry.spreadsheets import MAX_FILE_BYTES, MAX_ROWS, cadre_export, cadre_import, cadre_template_build

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "registry_cadre_import"
MAPPING_SESSION_KEY = "registry_cadre_import_mapping"  # the columns mapped for the pending file
PENDING_MAX_AGE_S = 24 * 3600


def _refused(request, permission: str) -> HttpResponseForbidden | None:
    """A plain 403 (not Wagtail's redirect home) when the user lacks the permission; nothing else happens."""
    if request.user.has_perm(permission):
        return None
    return HttpResponseForbidden(_("You do not have permission to do this."))


def _pending_dir() -> Path:
    """Uploaded rosters waiting for their commit: outside media (never served), per centre, encrypted."""
    root = Path(getattr(settings, "VAR_DIR", tempfile.gettempdir())) / "cadre-imports" / connection.schema_name
    root.mkdir(parents=True, exist_ok=True)
    return root


def _pending_save(request, content: bytes) -> str:
    folder = _pending_dir()
    for old in folder.glob("*.bin"):
        if time.time() - old.stat().st_mtime > PENDING_MAX_AGE_S:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_text(encrypt(base64.b64encode(content).decode()), encoding="ascii")
    request.session[SESSION_KEY] = token
    return token


def _pending_path(request, token: str) -> Path | None:
    """The file this session uploaded, if the token is the session's own."""
    if not token or request.session.get(SESSION_KEY) != token:
        return None
    path = _pending_dir() / f"{token}.bin"
    return path if path.is_file() else None


class _ImportScreen(WagtailAdminTemplateMixin, TemplateView):
    template_name = "registry/spreadsheets/import.html"
    page_title = gettext_lazy("Import cadres")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        return _refused(request, "registry.import_cadres") or super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            template_url=reverse("registry:cadre_import_template"),
            commit_url=reverse("registry:cadre_import_commit"),
            map_url=reverse("registry:cadre_import_map"),
            field_choices=[(IGNORE, _("Ignore this column")), *((c.field, c.header) for c in COLUMNS)],
            max_rows=MAX_ROWS,
            max_mb=MAX_FILE_BYTES // 1024 // 1024,
        )
        return context


class CadreImportView(_ImportScreen):
    """Upload a roster: every problem by row and column, and a commit button when there is none."""

    def post(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_to_response(
                self.get_context_data(refused=_("Choose an .xlsx file to upload.")), status=400
            )
        if upload.size > MAX_FILE_BYTES:
            message = _("The file is too large (%(size)s MB); at most %(limit)s MB.") % {
                "size": round(upload.size / 1024 / 1024, 1),
                "limit": MAX_FILE_BYTES // 1024 // 1024,
            }
            return self.render_to_response(self.get_context_data(refused=message), status=400)
        content = upload.read()
        report = cadre_import(source=io.BytesIO(content), user=request.user, commit=False)
        token = _pending_save(request, content) if report.ok or report.columns_to_map else ""
        request.session.pop(MAPPING_SESSION_KEY, None)
        return self.render_to_response(
            self.get_context_data(report=report, token=token, file_name=upload.name),
            status=200 if report.ok else 422,
        )


class CadreImportCommitView(_ImportScreen):
    """Write the previewed roster, all or nothing; the file is checked again as it is written."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = request.POST.get("token", "")
        path = _pending_path(request, token)
        if path is None:
            messages.error(request, _("The uploaded file has expired or belongs to another session; upload it again."))
            return redirect("registry:cadre_import")
        content = _pending_read(path)
        report = cadre_import(
            source=io.BytesIO(content), user=request.user, commit=True, mapping=_mapping(request, token)
        )
        if not report.committed:
            return self.render_to_response(self.get_context_data(report=report, token=""), status=422)
        path.unlink(missing_ok=True)
        request.session.pop(SESSION_KEY, None)
        request.session.pop(MAPPING_SESSION_KEY, None)
        messages.success(
            request,
            _("Imported %(created)d new and updated %(updated)d cadres.")
            % {"created": report.created, "updated": report.updated},
        )
        return redirect("registry:cadre_import")


def _pending_read(path) -> bytes:
    """The bytes of a previewed upload (kept encrypted while it waits)."""
    return base64.b64decode(decrypt(path.read_text(encoding="ascii")))


def _mapping(request, token: str) -> dict[str, str]:
    """The columns this session mapped for its pending file."""
    saved = request.session.get(MAPPING_SESSION_KEY) or {}
    return dict(saved.get("mapping", {})) if saved.get("token") == token else {}


class CadreImportMapView(_ImportScreen):
    """The mapping step: the user says which field each unrecognised column holds (or to ignore it); the dry run runs
    again with that mapping, which is remembered for this centre's next roster with the same headers."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = request.POST.get("token", "")
        path = _pending_path(request, token)
        if path is None:
            messages.error(request, _("The uploaded file has expired or belongs to another session; upload it again."))
            return redirect("registry:cadre_import")
        content = _pending_read(path)
        headers = roster_header_read(source=io.BytesIO(content))
        mapping = _mapping(request, token)
        for index, header in headers.items():
            name = request.POST.get(f"column-{index}")
            if name is None:
                continue
            if name != IGNORE and name not in COLUMN_BY_FIELD:
                return HttpResponseBadRequest(_("Choose a field from the list for each column."))
            mapping[header] = name
        request.session[MAPPING_SESSION_KEY] = {"token": token, "mapping": mapping}
        report = cadre_import(
            source=io.BytesIO(content), user=request.user, commit=False, mapping=mapping, remember=True
        )
        return self.render_to_response(
            self.get_context_data(report=report, token=token, mapped=True), status=200 if report.ok else 422
        )


class CadreImportTemplateView(View):
    def get(self, request):
        if refused := _refused(request, "registry.import_cadres"):
            return refused
        response = HttpResponse(cadre_template_build(), content_type=XLSX)
        filename = _("cadre-import-template.xlsx")
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response


class CadreExportView(View):
    """The cadre list with its filters, as XLSX: masked as this user sees it, and logged."""

    def get(self, request):
        if refused := _refused(request, "registry.export_cadres"):
            return refused
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
        try:
            cadre_export(user=request.user, params=request.GET, out=out)
        except ValidationError as error:
            out.close()
            return HttpResponseBadRequest(" ".join(error.messages))
        out.seek(0)
        filename = _("cadres-%(date)s.xlsx") % {"date": timezone.localdate().strftime("%Y%m%d")}
        return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)

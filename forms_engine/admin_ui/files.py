"""A file attached to a submission, downloaded through the admin: only by a user who may view that submission, and
only a file that is one of its answers; logged."""

from __future__ import annotations

from django.http import Http404
from django.views.generic import View

from forms_engine.selectors import access_submission_by_id
from registry.services import access_log_record
from tenants.private_files import centre_upload_path, private_file_response


def _file_answers(specs: list[dict], data: dict) -> dict[str, tuple[str, dict]]:
    """The stored files among a submission's answers (also in repeated groups): by stored path, (field, record)."""
    found: dict[str, tuple[str, dict]] = {}
    for spec in specs:
        value = data.get(spec["name"])
        if spec["type"] == "file" and isinstance(value, dict) and value.get("path"):
            found[str(value["path"])] = (spec["name"], value)
        elif spec["type"] == "repeat" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    for path, (name, record) in _file_answers(spec.get("children", []), item).items():
                        found[path] = (f"{spec['name']}.{name}", record)
    return found


class SubmissionFileView(View):
    def get(self, request, sid: int):
        submission = access_submission_by_id(user=request.user, id=sid)
        answers = _file_answers(submission.version.schema.get("fields", []), submission.data or {})
        field_record = answers.get(request.GET.get("path", ""))
        path = centre_upload_path(request.GET["path"]) if field_record else None
        if path is None:
            raise Http404
        name, record = field_record
        access_log_record(
            user=request.user,
            action="view",
            channel="admin",
            model="Submission",
            record_ids=[submission.pk],
            fields=[f"{submission.form.key}:{name}"],
        )
        filename = str(record.get("name") or path.name)
        content_type = str(record.get("content_type") or "application/octet-stream")
        return private_file_response(path, filename=filename, content_type=content_type, fallback=f"file{path.suffix}")

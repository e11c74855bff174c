"""django-q2 tasks of the forms engine; queued through tenants.tasks, so they run inside their centre's schema."""

from __future__ import annotations

from forms_engine.exports import submissions_export_write
from forms_engine.models import ExportJob
from forms_engine.services import personal_answers_seal


def submissions_export_run(job_id: int) -> str:
    """Write one export job; returns its final status."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return submissions_export_write(job=job).status


def personal_answers_seal_run(form_id: int) -> int:
    """Seal a form's answers given in clear before a field was marked personal; returns how many changed."""
    return personal_answers_seal(form_ids=[form_id])

"""django-q2 tasks of the reports: one centre's refresh (run inside that centre by tenants' task helper) and the
nightly refresh of every active centre."""

from __future__ import annotations

from django.utils import timezone

from reports.services import centre_facts_refresh, refresh_run_record, refresh_run_start
from tenants.models import Centre
from tenants.tasks import current_centre_schema


def centre_refresh_task(*, year: int, run_id: int | None = None) -> str:
    """Worker side, inside the centre's schema: recompute its facts of `year` and count it in the run."""
    centre = Centre.objects.get(schema_name=current_centre_schema())
    state = centre_facts_refresh(centre=centre, year=year)
    if run_id is not None:
        refresh_run_record(run_id=run_id, centre=centre, state=state)
    return state.status


def nightly_refresh() -> list[int]:
    """Every active centre's figures of this year (and, in January, of last year too, which has just closed)."""
    today = timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return [refresh_run_start(year=year, username="nightly").pk for year in years]

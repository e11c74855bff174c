"""Daily housekeeping that other apps register with tenants (expired generated files, access-log rows past the
retention period); one django-q2 schedule runs it, in the public schema and in every active centre.

tenants imports none of those apps: each registers its jobs from its AppConfig.ready(). Every job is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.module_loading import import_string

SCHEDULE_NAME = "public:housekeeping"  # "<schema>:<name>", like the centres' schedules; no centre is called public


@dataclass(frozen=True)
class HousekeepingJob:
    name: str
    func: str  # dotted path of a function taking no arguments
    per_centre: bool  # True: queued once per active centre (centre tables); False: run in the public schema


_jobs: dict[str, HousekeepingJob] = {}


def housekeeping_register(*, name: str, func: str, per_centre: bool) -> None:
    """Register (or replace, by name) a job of the daily housekeeping."""
    _jobs[name] = HousekeepingJob(name=name, func=func, per_centre=per_centre)


def housekeeping_jobs() -> list[HousekeepingJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def housekeeping_run() -> dict[str, Any]:
    """Task (daily, public schema): public jobs run now, centre jobs are queued once per active centre.

    Returns by job name the public job's result or the centre jobs' task ids by centre code.
    """
    from tenants.tasks import centres_enqueue

    results: dict[str, Any] = {}
    for job in housekeeping_jobs():
        connection.set_schema_to_public()
        if job.per_centre:
            results[job.name] = centres_enqueue(func=job.func)
        else:
            results[job.name] = import_string(job.func)()
    return results

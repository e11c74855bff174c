"""Background work in a centre: queue a function for a schema; the worker runs it inside that schema only."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from django_q.models import Schedule
from django_q.tasks import async_task, schedule
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.db import connection_schema_name, connection_set_public
from tenants.models import Centre

PRIMITIVES = (str, int, float, bool, type(None))


class CentreContextError(RuntimeError):
    """A centre task was asked to run without a (valid) centre."""


def _check_primitive(value: Any) -> None:
    if isinstance(value, PRIMITIVES):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_primitive(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_primitive(key)
            _check_primitive(item)
        return
    raise TypeError(f"centre task arguments must be primitive values, not {type(value).__name__}")


def _centre_or_refuse(schema_name: str) -> Centre:
    if not schema_name or schema_name == get_public_schema_name():
        raise CentreContextError("a centre task needs the schema name of a centre")
    centre = Centre.objects.filter(schema_name=schema_name, kind=Centre.Kind.CENTRE).first()
    if centre is None:
        raise CentreContextError(f"no centre with schema {schema_name!r}")
    if centre.status != Centre.Status.ACTIVE:
        raise CentreContextError(f"the centre {schema_name!r} is retired")
    return centre


def centre_task_enqueue(
    *, schema_name: str, func: str, args: tuple = (), kwargs: dict | None = None, **q_options: Any
) -> str:
    """Queue `func` (a dotted path) to run inside centre `schema_name`; returns the django-q2 task id.

    The ORM broker writes the task row in the caller's transaction, so a rolled-back caller queues nothing.
    """
    _centre_or_refuse(schema_name)
    _check_primitive(list(args))
    _check_primitive(kwargs or {})
    return async_task("tenants.tasks.centre_task_run", schema_name, func, *args, **(kwargs or {}), q_options=q_options)


def centre_task_run(schema_name: str, func: str, *args: Any, **kwargs: Any) -> Any:
    """Worker side: open the centre's schema, run the function, always return to public."""
    _centre_or_refuse(schema_name)
    target = import_string(func)
    with schema_context(schema_name):
        return target(*args, **kwargs)


def current_centre_schema() -> str:
    """The schema a task is running in; refuses when that is not a centre."""
    schema_name = connection_schema_name()
    if schema_name == get_public_schema_name():
        raise CentreContextError("this code runs only inside a centre's schema")
    return schema_name


def centre_schedule_ensure(*, schema_name: str, name: str, func: str, minutes: int) -> Schedule:
    """A django-q2 schedule running `func` in one centre every `minutes`; named "<schema>:<name>" (see centre_retire).

    The schedule runs centre_task_run, which refuses a missing or retired centre; catch_up is off cluster-wide, so
    a downtime does not replay missed runs.
    """
    _centre_or_refuse(schema_name)
    made, _created = Schedule.objects.update_or_create(
        name=f"{schema_name}:{name}",
        defaults={
            "func": "tenants.tasks.centre_task_run",
            "args": repr((schema_name, func)),
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )
    return made


def centre_task_schedule_once(*, schema_name: str, name: str, func: str, when, kwargs: dict) -> Schedule:
    """Run `func` once in centre `schema_name` at `when` (a retry, a message held until morning); named by `name`."""
    _centre_or_refuse(schema_name)
    _check_primitive(kwargs)
    return schedule(
        "tenants.tasks.centre_task_run",
        schema_name,
        func,
        name=name,
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=when,
        **kwargs,
    )


def _active_centre_codes(schemas: list[str] | None) -> list[str]:
    codes = Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE).order_by("schema_name")
    found = list(codes.values_list("schema_name", flat=True))
    return found if schemas is None else [code for code in found if code in schemas]


def centres_run(
    *, func: str, args: tuple = (), kwargs: dict | None = None, schemas: list[str] | None = None
) -> dict[str, Any]:
    """Run `func` now in every active centre (or the chosen ones), each in its own schema and transaction.

    Returns each centre's result by code. A failure in one centre rolls back that centre only and is raised after
    the others ran, so a re-run (the functions are idempotent) finishes the job.
    """
    _check_primitive(list(args))
    _check_primitive(kwargs or {})
    results: dict[str, Any] = {}
    failures: list[tuple[str, Exception]] = []
    for code in _active_centre_codes(schemas):
        try:
            with transaction.atomic():
                results[code] = centre_task_run(code, func, *args, **(kwargs or {}))
        except Exception as exc:  # reported below, after every centre had its turn
            failures.append((code, exc))
    connection_set_public()
    if failures:
        raise CentreContextError(f"{func} failed in {', '.join(code for code, _ in failures)}") from failures[0][1]
    return results


def centres_enqueue(
    *, func: str, args: tuple = (), kwargs: dict | None = None, schemas: list[str] | None = None
) -> dict[str, str]:
    """Queue `func` once per active centre (or the chosen ones); returns the django-q2 task ids by code."""
    return {
        code: centre_task_enqueue(schema_name=code, func=func, args=args, kwargs=kwargs)
        for code in _active_centre_codes(schemas)
    }

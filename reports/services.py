"""Everything that writes the bureau's figures: indicator definitions, a centre's facts, refresh runs,
scorecards and their frozen results, and centres' improvement actions."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from reports.compute import centre_facts_compute
from reports.models import (
    CentreRefresh,
    Fact,
    ImprovementAction,
    Indicator,
    RefreshRun,
    ReportAccess,
    Scorecard,
    ScorecardItem,
    ScorecardResult,
)
from tenants.models import Centre
from tenants.tasks import centres_enqueue

INDICATORS_FILE = Path(__file__).resolve().parent / "data" / "indicators.json"


def indicators_sync() -> int:
    """Load the indicator definitions (reports/data/indicators.json) into the table; returns how many there are."""
    specs = json.loads(INDICATORS_FILE.read_text(encoding="utf-8"))
    for position, spec in enumerate(specs):
        Indicator.objects.update_or_create(
            code=spec["code"],
            defaults={
                "area": spec["area"],
                "name": spec["name"],
                "unit": spec["unit"],
                "kind": spec["kind"],
                "formula": spec["formula"],
                "clause": spec["clause"],
                "higher_is_better": spec.get("higher_is_better"),
                "breakdown": spec.get("breakdown", ""),
                "persons": spec.get("persons", False),
                "partition": spec.get("partition", False),
                "headline": spec.get("headline", False),
                "position": position,
            },
        )
    return len(specs)


def _reason(exc: Exception) -> str:
    """Why a refresh failed, in words a bureau user can pass on."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, ProgrammingError) and "does not exist" in text:
        return _("A table or column is missing: the centre's database is not fully upgraded (%(detail)s).") % {
            "detail": text
        }
    if isinstance(exc, DatabaseError):
        return _("Database error: %(detail)s") % {"detail": text}
    return _("Refresh failed: %(detail)s") % {"detail": f"{type(exc).__name__}: {text}"}


def _as_of_day(centre: Centre) -> dt.date:
    if centre.status == Centre.Status.RETIRED and centre.retired_at:
        return timezone.localtime(centre.retired_at).date()
    return timezone.localdate()


def centre_facts_refresh(*, centre: Centre, year: int, today: dt.date | None = None) -> CentreRefresh:
    """Recompute one centre's facts of one year and replace them in one transaction.

    A failure (even a missing table in a centre mid-upgrade) keeps the previous facts and records the reason, so
    the pages show the last good figures marked stale. Returns the centre's refresh state.
    """
    today = min(today or _as_of_day(centre), _as_of_day(centre))
    started = time.monotonic()
    state, _created = CentreRefresh.objects.get_or_create(centre=centre, year=year)
    try:
        with transaction.atomic(), schema_context(centre.schema_name):
            rows = centre_facts_compute(year=year, today=today)
            Fact.objects.filter(centre=centre, year=year).delete()
            Fact.objects.bulk_create(
                Fact(
                    centre=centre,
                    year=year,
                    period_type=row.period.type,
                    period=row.period.key,
                    indicator=row.indicator,
                    breakdown=row.breakdown[:100],
                    label=row.label[:200],
                    value=row.value,
                    numerator=row.numerator,
                    denominator=row.denominator,
                )
                for row in rows
            )
            now = timezone.now()
            CentreRefresh.objects.filter(pk=state.pk).update(
                status=CentreRefresh.Status.OK,
                as_of=now,
                attempted_at=now,
                error="",
                seconds=time.monotonic() - started,
            )
    except Exception as exc:  # recorded for the bureau to see; the old facts stay
        connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' connection
        CentreRefresh.objects.filter(pk=state.pk).update(
            status=CentreRefresh.Status.FAILED, attempted_at=timezone.now(), error=_reason(exc)[:2000]
        )
    state.refresh_from_db()
    return state


def refresh_run_start(*, year: int, username: str = "") -> RefreshRun:
    """Queue one refresh task per active centre (django-q2) and return the run that counts their progress."""
    codes = list(
        Centre.objects.filter(kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE).values_list(
            "schema_name", flat=True
        )
    )
    with transaction.atomic():
        run = RefreshRun.objects.create(year=year, total=len(codes), started_by=username)
        if not codes:
            RefreshRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        transaction.on_commit(
            lambda: centres_enqueue(func="reports.tasks.centre_refresh_task", kwargs={"year": year, "run_id": run.pk})
        )
    return run


def refresh_run_record(*, run_id: int, centre: Centre, state: CentreRefresh) -> None:
    """Count one centre's refresh in its run (the failure with its reason); the last one closes the run."""
    with transaction.atomic():
        run = RefreshRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return
        if state.status == CentreRefresh.Status.FAILED:
            run.failures = [
                *[f for f in run.failures if f.get("centre") != centre.schema_name],
                {"centre": centre.schema_name, "name": centre.name, "error": state.error},
            ]
        run.done = F("done") + 1
        run.save(update_fields=["failures", "done"])
        run.refresh_from_db()
        if run.done >= run.total and run.finished_at is None:
            RefreshRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())


# ---------------------------------------------------------------- scorecards (7.1.1)


def scorecard_create(*, year: int, title: str, username: str = "") -> Scorecard:
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the scorecard a title.")})
    latest = Scorecard.objects.filter(year=year).aggregate(n=Max("version"))["n"] or 0
    return Scorecard.objects.create(year=year, version=latest + 1, title=title.strip(), created_by=username)


def _frozen(scorecard: Scorecard) -> None:
    if scorecard.status == Scorecard.Status.PUBLISHED:
        raise ValidationError(_("A published scorecard cannot change; make a new version of it instead."))


def scorecard_items_save(
    *, scorecard: Scorecard, items: list[dict], title: str | None = None, show_centre_names: bool | None = None
) -> Scorecard:
    """Replace a draft's indicators (code, target, weight, green, amber); weights must add up to 100."""
    _frozen(scorecard)
    errors: list[str] = []
    known = {i.code: i for i in Indicator.objects.all()}
    seen: set[str] = set()
    cleaned = []
    for n, item in enumerate(items, start=1):
        code = item.get("indicator", "")
        indicator = known.get(code)
        if indicator is None:
            errors.append(_("Row %(n)d: choose an indicator.") % {"n": n})
            continue
        if code in seen:
            errors.append(_("Row %(n)d: %(name)s is chosen twice.") % {"n": n, "name": indicator.name})
            continue
        seen.add(code)
        try:
            target, green, amber = (float(item[key]) for key in ("target", "green", "amber"))
            weight = Decimal(str(item["weight"]))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            errors.append(
                _("Row %(n)d (%(name)s): target, weight and thresholds must be numbers.")
                % {"n": n, "name": indicator.name}
            )
            continue
        if weight <= 0:
            errors.append(_("Row %(n)d (%(name)s): the weight must be above 0.") % {"n": n, "name": indicator.name})
        lower = indicator.higher_is_better is False
        if (green > amber) if lower else (green < amber):
            errors.append(
                (
                    _("Row %(n)d (%(name)s): lower is better here, so green must be at most amber.")
                    if lower
                    else _("Row %(n)d (%(name)s): green must be at least amber.")
                )
                % {"n": n, "name": indicator.name}
            )
        cleaned.append((indicator, target, weight, green, amber))
    total = sum((c[2] for c in cleaned), Decimal(0))
    if cleaned and total != 100:
        errors.append(_("The weights add up to %(total)s; they must add up to 100.") % {"total": f"{total:g}"})
    if not items:
        errors.append(_("Choose at least one indicator."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        scorecard.items.all().delete()
        ScorecardItem.objects.bulk_create(
            ScorecardItem(scorecard=scorecard, indicator=i, target=t, weight=w, green=g, amber=a, position=p)
            for p, (i, t, w, g, a) in enumerate(cleaned)
        )
        if title is not None and title.strip():
            scorecard.title = title.strip()
        if show_centre_names is not None:
            scorecard.show_centre_names = show_centre_names
        scorecard.save()
    return scorecard


def scorecard_revise(*, scorecard: Scorecard, username: str = "") -> Scorecard:
    """A new draft version with the same indicators; the published one and its results stay as they were."""
    latest = Scorecard.objects.filter(year=scorecard.year).aggregate(n=Max("version"))["n"] or 0
    with transaction.atomic():
        draft = Scorecard.objects.create(
            year=scorecard.year,
            version=latest + 1,
            title=scorecard.title,
            created_by=username,
            show_centre_names=scorecard.show_centre_names,
        )
        ScorecardItem.objects.bulk_create(
            ScorecardItem(
                scorecard=draft,
                indicator_id=i.indicator_id,
                target=i.target,
                weight=i.weight,
                green=i.green,
                amber=i.amber,
                position=i.position,
            )
            for i in scorecard.items.all()
        )
    return draft


def scorecard_publish(*, scorecard: Scorecard, username: str = "") -> Scorecard:
    """Freeze the scorecard and every active centre's result under it, as the facts stand now."""
    from reports.selectors import scorecard_results_compute

    with transaction.atomic():
        scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
        _frozen(scorecard)
        items = list(scorecard.items.all())
        if not items or sum(i.weight for i in items) != 100:
            raise ValidationError(_("The weights must add up to 100 before the scorecard is published."))
        results = scorecard_results_compute(scorecard=scorecard)
        if not results:
            raise ValidationError(
                _("There are no figures for %(year)d yet: refresh them first.") % {"year": scorecard.year}
            )
        ScorecardResult.objects.bulk_create(
            ScorecardResult(
                scorecard=scorecard,
                centre_id=r["centre"].pk,
                score=r["score"],
                rank=r["rank"],
                partial=r["partial"],
                cells=r["cells"],
            )
            for r in results
        )
        scorecard.status = Scorecard.Status.PUBLISHED
        scorecard.published_by = username
        scorecard.published_at = timezone.now()
        scorecard.save()
    return scorecard


# ---------------------------------------------------------------- improvement actions (7.3.1)


def improvement_action_create(
    *, centre: Centre, year: int, indicator_code: str, goal: str, owner: str, due_on: dt.date | None, username: str = ""
) -> ImprovementAction:
    errors = {}
    indicator = Indicator.objects.filter(code=indicator_code).first()
    if indicator is None:
        errors["indicator"] = _("Choose the indicator this action improves.")
    if not (goal or "").strip():
        errors["goal"] = _("Say what the action is to achieve.")
    if not (owner or "").strip():
        errors["owner"] = _("Name who is responsible.")
    if due_on is None:
        errors["due_on"] = _("Give a due date such as 2027-06-30.")
    if errors or indicator is None or due_on is None:
        raise ValidationError(errors)
    return ImprovementAction.objects.create(
        centre=centre,
        year=year,
        indicator=indicator,
        goal=goal.strip()[:300],
        owner=owner.strip()[:50],
        due_on=due_on,
        created_by=username,
    )


def improvement_action_set_status(*, action: ImprovementAction, status: str) -> ImprovementAction:
    if status not in ImprovementAction.Status.values:
        raise ValidationError({"status": _("Not a status of an action.")})
    action.status = status
    action.save(update_fields=["status", "updated_at"])
    return action


def report_access_purge(*, now: dt.datetime | None = None) -> int:
    """Task (public schema): delete report access-log rows older than JUNXIU_ACCESS_LOG_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.JUNXIU_ACCESS_LOG_RETENTION_DAYS)
    deleted, _by_model = ReportAccess.objects.filter(at__lt=cutoff).delete()
    return deleted

"""Reads of the bureau's figures for pages, the API and workbooks: facts by period, city totals, the change on
last year, small-cell suppression, refresh state per centre, scorecard results."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.models import (
    CentreRefresh,
    Fact,
    ImprovementAction,
    Indicator,
    Scorecard,
    ScorecardItem,
    ScorecardResult,
)
from reports.periods import Period
from tenants.models import Centre

STALE_AFTER = dt.timedelta(hours=36)
SUPPRESSED = "<5"


def indicator_map() -> dict[str, Indicator]:
    return {i.code: i for i in Indicator.objects.all()}


def format_value(indicator: Indicator, value: float | None) -> str:
    """How a figure reads: "—" for none (a zero denominator), percent for rates, one decimal for means."""
    if value is None:
        return "—"
    if indicator.kind == Indicator.Kind.RATE:
        return f"{value * 100:.1f}%"
    if indicator.kind in (Indicator.Kind.MEAN, Indicator.Kind.RATIO):
        return f"{value:.2f}" if indicator.kind == Indicator.Kind.MEAN else f"{value:.1f}"
    if indicator.kind == Indicator.Kind.MEDIAN:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _rounded_change(indicator: Indicator, now: float, before: float) -> float:
    """The change as it is shown: percentage points to one decimal for rates, whole numbers for counts."""
    delta = now - before
    if indicator.kind == Indicator.Kind.RATE:
        return round(delta * 100, 1)
    if indicator.kind == Indicator.Kind.COUNT:
        return round(delta)
    return round(delta, 2 if indicator.kind == Indicator.Kind.MEAN else 1)


def format_change(indicator: Indicator, now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "—"
    delta = _rounded_change(indicator, now, before)
    if delta == 0:
        return "0"
    if indicator.kind == Indicator.Kind.RATE:
        return f"{delta:+.1f} " + _("pts")
    if indicator.kind == Indicator.Kind.COUNT:
        return f"{delta:+,.0f}"
    return f"{delta:+.2f}" if indicator.kind == Indicator.Kind.MEAN else f"{delta:+.1f}"


def change_is_good(indicator: Indicator, now: float | None, before: float | None) -> bool | None:
    if now is None or before is None or indicator.higher_is_better is None:
        return None
    delta = _rounded_change(indicator, now, before)
    return None if delta == 0 else (delta > 0) == indicator.higher_is_better


@dataclass
class CentreState:
    centre: Centre
    as_of: dt.datetime | None = None
    failed: bool = False
    error: str = ""
    partial: bool = False
    retired: bool = False

    @property
    def stale(self) -> bool:
        if self.retired:
            return False
        return self.failed or self.as_of is None or timezone.now() - self.as_of > STALE_AFTER


def centre_states(*, period: Period, codes: list[str] | None = None) -> list[CentreState]:
    """Centres that belong to `period`: not retired before it began, not created after it ended; in two queries."""
    centres = Centre.objects.filter(kind=Centre.Kind.CENTRE).order_by("schema_name")
    if codes:
        centres = centres.filter(schema_name__in=codes)
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time()))
    chosen = [
        c
        for c in centres
        if c.created_at < end and not (c.status == Centre.Status.RETIRED and c.retired_at and c.retired_at < start)
    ]
    refresh = {r.centre_id: r for r in CentreRefresh.objects.filter(centre__in=chosen, year=period.year)}
    states = []
    for centre in chosen:
        state = refresh.get(centre.pk)
        states.append(
            CentreState(
                centre=centre,
                as_of=state.as_of if state else None,
                failed=bool(state and state.status == CentreRefresh.Status.FAILED),
                error=state.error if state else "",
                partial=timezone.localtime(centre.created_at).date() > period.start,
                retired=centre.status == Centre.Status.RETIRED,
            )
        )
    return states


@dataclass
class Cell:
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    label: str = ""
    suppressed: bool = False


@dataclass
class Grid:
    """One indicator in one period: cells by centre id and breakdown key, with the city totals."""

    indicator: Indicator
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def cell(self, centre_id: int, key: str = "") -> Cell:
        return self.cells.get((centre_id, key), Cell())


def facts_grids(
    *,
    periods: list[Period],
    codes: list[str],
    centre_ids: list[int],
    breakdowns: bool = False,
    indicators: dict[str, Indicator] | None = None,
) -> dict[tuple[str, str], Grid]:
    """Grids by (period key, indicator code), in one query whatever the number of centres."""
    indicators = indicators or indicator_map()
    facts = Fact.objects.filter(period__in=[p.key for p in periods], indicator__in=codes, centre_id__in=centre_ids)
    if not breakdowns:
        facts = facts.filter(breakdown="")
    grids: dict[tuple[str, str], Grid] = {(p.key, code): Grid(indicators[code]) for p in periods for code in codes}
    for period, code, centre_id, key, label, value, num, den in facts.values_list(
        "period", "indicator", "centre_id", "breakdown", "label", "value", "numerator", "denominator"
    ).order_by("indicator", "pk"):  # breakdown cells in the order the refresh wrote them (age bands in order…)
        grid = grids[(period, code)]
        grid.cells[(centre_id, key)] = Cell(value, num, den, label)
        if key and key not in grid.labels:
            grid.keys.append(key)
            grid.labels[key] = label
    return grids


def city_total(grid: Grid, centre_ids: list[int], key: str = "") -> Cell:
    """The city's figure: the sum of counts; rates and means from the summed numerators and denominators;
    for medians, the median of the centres' values."""
    cells = [grid.cells[(c, key)] for c in centre_ids if (c, key) in grid.cells]
    kind = grid.indicator.kind
    if kind == Indicator.Kind.COUNT:
        values = [c.value for c in cells if c.value is not None]
        return Cell(sum(values) if values else None)
    if kind == Indicator.Kind.MEDIAN:
        values = [c.value for c in cells if c.value is not None]
        return Cell(statistics.median(values) if values else None)
    num = sum(c.numerator or 0 for c in cells)
    den = sum(c.denominator or 0 for c in cells if c.denominator is not None)
    if kind == Indicator.Kind.RATIO and grid.indicator.breakdown:
        return Cell(num, num, den)  # areas: the city's total area against the total of the minimums
    return Cell(num / den if den else None, num, den)


def suppress(grid: Grid, centre_ids: list[int], threshold: int | None = None) -> Grid:
    """Mark cells of fewer than `threshold` people (but not none) as suppressed, and, where the breakdown adds up to
    a total that is shown (the centre's, or the city's for one breakdown cell), also the next smallest cell —
    preferably one its crossing line can protect in turn — until no line has a single hidden cell, so no suppressed
    cell can be recovered by subtraction. Centre totals stay as they are."""
    threshold = settings.JUNXIU_SMALL_CELL if threshold is None else threshold
    if not grid.indicator.persons or not grid.keys:
        return grid
    cells = {k: c for k, c in grid.cells.items() if k[1] and k[0] in centre_ids}
    for cell in cells.values():
        cell.suppressed = cell.value is not None and 0 < cell.value < threshold
    if not grid.indicator.partition:
        return grid
    rows: dict[int, list] = {c: [] for c in centre_ids}
    columns: dict[str, list] = {b: [] for b in grid.keys}
    for key in cells:
        rows[key[0]].append(key)
        columns.setdefault(key[1], []).append(key)
    lines = [(line, True) for line in rows.values()] + [(line, False) for line in columns.values()]

    def protectable(key: tuple[int, str], in_row: bool) -> bool:
        """Whether the cell's crossing line (its column, for a cell chosen in a row) has another cell hidden or
        to hide: if not, that line's total would give the cell away again."""
        crossing = columns[key[1]] if in_row else rows[key[0]]
        return any(k != key and (cells[k].suppressed or (cells[k].value or 0) > 0) for k in crossing)

    changed = True
    while changed:
        changed = False
        for line, in_row in lines:
            hidden = [k for k in line if cells[k].suppressed]
            if len(hidden) != 1:
                continue
            others = [k for k in line if not cells[k].suppressed and (cells[k].value or 0) > 0]
            if others:
                useful = [k for k in others if protectable(k, in_row)] or others
                smallest = min(useful, key=lambda k: (cells[k].value, k))
                cells[smallest].suppressed = True
                changed = True
    return grid


def city_cells_hidden(grid: Grid, centre_ids: list[int], threshold: int | None = None) -> set[str]:
    """The city's breakdown cells of people to hide (after `suppress`): small ones, those that would give away the
    one hidden centre cell of their column, and, for a breakdown that adds up, a second one where a single hidden
    city cell could be recovered from the city's total."""
    threshold = settings.JUNXIU_SMALL_CELL if threshold is None else threshold
    if not grid.indicator.persons or not grid.keys:
        return set()
    values = {key: city_total(grid, centre_ids, key).value for key in grid.keys}
    hidden = {
        key
        for key, value in values.items()
        if (value is not None and 0 < value < threshold)
        or sum(1 for c in centre_ids if grid.cell(c, key).suppressed) == 1
    }
    if grid.indicator.partition and len(hidden) == 1:
        others = [k for k in grid.keys if k not in hidden and (values[k] or 0) > 0]
        if others:
            hidden.add(min(others, key=lambda k: (values[k], k)))
    return hidden


def cell_text(indicator: Indicator, cell: Cell) -> str:
    return SUPPRESSED if cell.suppressed else format_value(indicator, cell.value)


def months_of(period: Period, today: dt.date) -> list[Period]:
    return [m for m in period.months() if m.start <= today]


# ---------------------------------------------------------------- scorecards


def _points(item: ScorecardItem, value: float) -> float:
    """How far the value reaches the target, 0–1."""
    if item.indicator.higher_is_better is False:
        if value <= item.target:
            return 1.0
        return (
            max(0.0, item.target / value)
            if item.target > 0
            else max(0.0, 1 - (value - item.target) / max(item.amber, 1))
        )
    if item.target <= 0:
        return 1.0
    return max(0.0, min(value / item.target, 1.0))


# The status a cell's colour stands for, in words (the colour is never the only sign).
COLOUR_LABELS = {
    "green": gettext_lazy("Green: target reached"),
    "amber": gettext_lazy("Amber: close to the target"),
    "red": gettext_lazy("Red: far from the target"),
    "none": gettext_lazy("No figure"),
}


def colour(item: ScorecardItem, value: float | None) -> str:
    if value is None:
        return "none"
    if item.indicator.higher_is_better is False:
        return "green" if value <= item.green else "amber" if value <= item.amber else "red"
    return "green" if value >= item.green else "amber" if value >= item.amber else "red"


def scorecard_results_compute(*, scorecard: Scorecard) -> list[dict]:
    """Each active centre's score (0–100), rank and cells under the scorecard, from the year's facts.

    An indicator without a value (a zero denominator) is left out of that centre's score and the others' weights
    count in its place; such a result is partial, as is a centre created during the year.
    """
    period = Period(scorecard.year)
    items = list(scorecard.items.select_related("indicator"))
    states = [s for s in centre_states(period=period) if not s.retired]
    ids = [s.centre.pk for s in states]
    grids = facts_grids(periods=[period], codes=[i.indicator.code for i in items], centre_ids=ids)
    results: list[dict[str, Any]] = []
    for state in states:
        cells: dict[str, dict] = {}
        earned = 0.0
        weights = 0.0
        for item in items:
            cell = grids[(period.key, item.indicator.code)].cell(state.centre.pk)
            points = None if cell.value is None else _points(item, cell.value) * float(item.weight)
            if points is not None:
                earned += points
                weights += float(item.weight)
            cells[item.indicator.code] = {
                "value": cell.value,
                "numerator": cell.numerator,
                "denominator": cell.denominator,
                "colour": colour(item, cell.value),
                "points": None if points is None else round(points, 2),
                "weight": float(item.weight),
            }
        has_data = bool((state.centre.pk, "") in grids[(period.key, items[0].indicator.code)].cells) if items else False
        if not has_data:
            continue
        score = round(earned / weights * 100, 1) if weights else 0.0
        partial = state.partial or weights < sum(float(i.weight) for i in items)
        results.append({"centre": state.centre, "score": score, "partial": partial, "cells": cells})
    ordered = sorted(results, key=lambda r: -r["score"])
    for n, result in enumerate(ordered):
        same = n > 0 and result["score"] == ordered[n - 1]["score"]
        result["rank"] = ordered[n - 1]["rank"] if same else n + 1
    return ordered


def scorecard_current(*, year: int, published_only: bool = False) -> Scorecard | None:
    """The year's latest published scorecard, or (for the bureau) its latest version of any state."""
    cards = Scorecard.objects.filter(year=year)
    published = cards.filter(status=Scorecard.Status.PUBLISHED).order_by("-version").first()
    if published_only:
        return published
    return published or cards.order_by("-version").first()


def scorecard_results(*, scorecard: Scorecard) -> list[dict]:
    """Frozen results of a published scorecard; computed now for a draft."""
    if scorecard.status == Scorecard.Status.PUBLISHED:
        return [
            {"centre": r.centre, "score": r.score, "rank": r.rank, "partial": r.partial, "cells": r.cells}
            for r in scorecard.results.select_related("centre")
        ]
    return scorecard_results_compute(scorecard=scorecard)


def previous_scores(*, year: int) -> dict[int, float]:
    """Each centre's score in last year's published scorecard (for the change from last year)."""
    card = scorecard_current(year=year - 1, published_only=True)
    if card is None:
        return {}
    return dict(ScorecardResult.objects.filter(scorecard=card).values_list("centre_id", "score"))


def improvement_actions(*, centre: Centre | None = None, year: int | None = None) -> list[ImprovementAction]:
    """Actions with, where the next year's figures exist, whether their indicator improved."""
    actions = ImprovementAction.objects.select_related("indicator", "centre").order_by("centre__schema_name", "due_on")
    if centre is not None:
        actions = actions.filter(centre=centre)
    if year is not None:
        actions = actions.filter(year=year)
    rows = list(actions)
    wanted = {(a.centre_id, a.indicator.code, str(y)) for a in rows for y in (a.year, a.year + 1)}
    values: defaultdict[tuple[int, str, str], Any] = defaultdict(lambda: None)
    if wanted:
        for centre_id, code, period, value in Fact.objects.filter(
            centre_id__in={w[0] for w in wanted},
            indicator__in={w[1] for w in wanted},
            period__in={w[2] for w in wanted},
            breakdown="",
        ).values_list("centre_id", "indicator", "period", "value"):
            values[(centre_id, code, period)] = value
    for action in rows:
        before = values[(action.centre_id, action.indicator.code, str(action.year))]
        after = values[(action.centre_id, action.indicator.code, str(action.year + 1))]
        vars(action).update(
            value_before=before,
            value_after=after,
            improved=change_is_good(action.indicator, after, before),
            before_text=format_value(action.indicator, before),
            after_text=format_value(action.indicator, after),
        )
    return rows


def centre_figures(*, centre: Centre, period: Period) -> dict:
    """Every figure of one centre in a period, for its page and its printed report: by area, each with last year,
    the change, the city and its breakdown cells (suppressed as on the area pages); the headline indicators month by
    month; the Table 1 rooms below their minimum; its result under the year's scorecard."""
    states = centre_states(period=period)
    ids = [s.centre.pk for s in states]
    indicators = indicator_map()
    grids = facts_grids(
        periods=[period, period.last_year()],
        codes=list(indicators),
        centre_ids=ids,
        breakdowns=True,
        indicators=indicators,
    )
    headline = [i for i in indicators.values() if i.headline]
    months = months_of(Period(period.year), timezone.localdate())
    monthly = facts_grids(
        periods=months, codes=[i.code for i in headline], centre_ids=[centre.pk], indicators=indicators
    )
    sections = []
    for area_code, area_label in Indicator.Area.choices:
        items = []
        for indicator in (i for i in indicators.values() if i.area == area_code):
            grid, before = grids[(period.key, indicator.code)], grids[(period.last_year().key, indicator.code)]
            suppress(grid, ids)
            now_cell, old_cell = grid.cell(centre.pk), before.cell(centre.pk)
            items.append(
                {
                    "indicator": indicator,
                    "has_total": (centre.pk, "") in grid.cells,
                    "text": format_value(indicator, now_cell.value),
                    "cell": now_cell,
                    "before": format_value(indicator, old_cell.value),
                    "change": format_change(indicator, now_cell.value, old_cell.value),
                    "good": change_is_good(indicator, now_cell.value, old_cell.value),
                    "city": format_value(indicator, city_total(grid, ids).value),
                    "breakdown": [
                        {
                            "label": grid.cell(centre.pk, k).label or grid.labels[k],
                            "text": cell_text(indicator, grid.cell(centre.pk, k)),
                            "cell": grid.cell(centre.pk, k),
                        }
                        for k in grid.keys
                        if (centre.pk, k) in grid.cells
                    ],
                }
            )
        sections.append({"code": area_code, "label": area_label, "items": items})
    rooms = grids[(period.key, "room_area")]
    shortfalls = [
        {"label": cell.label, "area": cell.value, "minimum": cell.denominator}
        for cell in (rooms.cell(centre.pk, key) for key in rooms.keys)
        if cell.denominator is not None and (cell.value or 0) < cell.denominator
    ]
    card = scorecard_current(year=period.year)
    result = None
    if card is not None:
        result = next((r for r in scorecard_results(scorecard=card) if r["centre"].pk == centre.pk), None)
    return {
        "state": next((s for s in states if s.centre.pk == centre.pk), None),
        "sections": sections,
        "has_data": any(i["has_total"] or i["breakdown"] for s in sections for i in s["items"]),
        "headline": headline,
        "months": months,
        "monthly": {(m.key, i.code): monthly[(m.key, i.code)].cell(centre.pk).value for m in months for i in headline},
        "shortfalls": shortfalls,
        "scorecard": card,
        "result": result,
    }


def fact_rows(
    *, period: Period, states: list[CentreState], codes: list[str], breakdowns: bool, indicators: dict[str, Indicator]
) -> list[dict]:
    """Facts of a period as rows (indicator, centre, cell), in one query; suppressed cells carry no value."""
    ids = [state.centre.pk for state in states]
    grids = facts_grids(periods=[period], codes=codes, centre_ids=ids, breakdowns=breakdowns, indicators=indicators)
    rows = []
    for code in codes:
        grid = suppress(grids[(period.key, code)], ids)
        for state in states:
            for key in ["", *grid.keys]:
                cell = grid.cells.get((state.centre.pk, key))
                if cell is None:
                    continue
                shown = not cell.suppressed
                rows.append(
                    {
                        "centre": state.centre.schema_name,
                        "centre_name": state.centre.name,
                        "period": period.key,
                        "indicator": code,
                        "breakdown": key,
                        "label": cell.label,
                        "value": cell.value if shown else None,
                        "numerator": cell.numerator if shown else None,
                        "denominator": cell.denominator if shown else None,
                        "suppressed": cell.suppressed,
                    }
                )
    return rows


def scorecard_versions(*, year: int, drafts: bool) -> list[Scorecard]:
    """A year's scorecard versions in order; drafts only for those who may edit them."""
    cards = Scorecard.objects.filter(year=year).order_by("version")
    return list(cards if drafts else cards.filter(status=Scorecard.Status.PUBLISHED))


def scorecard_latest_published_year() -> int | None:
    return (
        Scorecard.objects.filter(status=Scorecard.Status.PUBLISHED).order_by("-year").values_list("year", flat=True)
    ).first()


def access_improvement_action_by_id(*, centre: Centre, id: int) -> ImprovementAction | None:  # noqa: A002
    """One of the centre's own actions; another centre's is as missing as one that does not exist."""
    return ImprovementAction.objects.filter(pk=id, centre=centre).first()

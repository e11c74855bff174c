"""Print pages of the yearly evaluation and of a centre's figures (A4), and their PDFs through WeasyPrint.

The PDF is the print page itself: the same template, with the portal's static CSS read from disk (nothing else is
fetched while rendering). WeasyPrint needs Debian's pango (libpango-1.0-0, libpangoft2-1.0-0) and fonts-noto-cjk.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.filters import Filters
from reports.models import Indicator
from reports.periods import Period
from reports.selectors import (
    COLOUR_LABELS,
    cell_text,
    centre_states,
    city_total,
    facts_grids,
    format_change,
    format_value,
    indicator_map,
    months_of,
    scorecard_current,
    scorecard_results,
    suppress,
)
from tenants.models import Centre


def _as_of_span(states) -> dict:
    """The oldest and newest as-of time of the centres shown, and which are not current."""
    times = [s.as_of for s in states if s.as_of]
    return {
        "as_of_first": min(times) if times else None,
        "as_of_last": max(times) if times else None,
        "stale": [s for s in states if s.stale],
    }


def scorecard_print_context(*, year: int) -> dict:
    """The year's evaluation (its latest published version, else the latest draft): ranking, values and colours."""
    period = Period(year)
    card = scorecard_current(year=year)
    items = list(card.items.select_related("indicator")) if card else []
    results = scorecard_results(scorecard=card) if card else []
    shown = {r["centre"].pk for r in results}
    states = [s for s in centre_states(period=period) if s.centre.pk in shown]
    rows = []
    for result in results:
        cells = []
        for item in items:
            cell = result["cells"].get(item.indicator.code) or {}
            colour = cell.get("colour") or "none"
            cells.append(
                {
                    "text": format_value(item.indicator, cell.get("value")),
                    "colour": colour,
                    "label": COLOUR_LABELS.get(colour, colour),
                }
            )
        rows.append({**result, "cells": cells})
    return {
        "year": year,
        "period": period,
        "scorecard": card,
        "items": [
            {
                "item": item,
                "indicator": item.indicator,
                "target": format_value(item.indicator, item.target),
                "green": format_value(item.indicator, item.green),
                "amber": format_value(item.indicator, item.amber),
            }
            for item in items
        ],
        "rows": rows,
        "states": states,
        **_as_of_span(states),
        "made_at": timezone.now(),
    }


def centre_print_context(*, centre: Centre, filters: Filters) -> dict:
    """Every figure of one centre in the filters' period: by area, with last year, the change, the city and the
    breakdowns (suppressed as on the pages); the headline indicators month by month; its evaluation result."""
    period = filters.period
    states = centre_states(period=period)
    state = next((s for s in states if s.centre.pk == centre.pk), None)
    ids = [s.centre.pk for s in states]
    indicators = indicator_map()
    grids = facts_grids(
        periods=[period], codes=list(indicators), centre_ids=ids, breakdowns=True, indicators=indicators
    )
    before = facts_grids(periods=[period.last_year()], codes=list(indicators), centre_ids=ids, indicators=indicators)
    sections = []
    for area_code, area_label in Indicator.Area.choices:
        items = []
        for indicator in (i for i in indicators.values() if i.area == area_code):
            grid = suppress(grids[(period.key, indicator.code)], ids)
            old = before[(period.last_year().key, indicator.code)]
            now_cell, old_cell = grid.cell(centre.pk), old.cell(centre.pk)
            items.append(
                {
                    "indicator": indicator,
                    "has_total": (centre.pk, "") in grid.cells,
                    "text": format_value(indicator, now_cell.value),
                    "before": format_value(indicator, old_cell.value),
                    "change": format_change(indicator, now_cell.value, old_cell.value),
                    "city": format_value(indicator, city_total(grid, ids).value),
                    "breakdown": [
                        {
                            "label": grid.cell(centre.pk, k).label or grid.labels[k],
                            "text": cell_text(indicator, grid.cell(centre.pk, k)),
                        }
                        for k in grid.keys
                        if (centre.pk, k) in grid.cells
                    ],
                }
            )
        sections.append({"code": area_code, "label": area_label, "items": items})
    headline = [i for i in indicators.values() if i.headline]
    months = months_of(Period(period.year), timezone.localdate())
    monthly = facts_grids(
        periods=months, codes=[i.code for i in headline], centre_ids=[centre.pk], indicators=indicators
    )
    trend = [
        {"period": m, "cells": [format_value(i, monthly[(m.key, i.code)].cell(centre.pk).value) for i in headline]}
        for m in months
    ]
    card = scorecard_current(year=period.year)
    result = None
    if card is not None:
        result = next((r for r in scorecard_results(scorecard=card) if r["centre"].pk == centre.pk), None)
    return {
        "target": centre,
        "state": state,
        "period": period,
        "sections": sections,
        "has_data": any(i["has_total"] or i["breakdown"] for s in sections for i in s["items"]),
        "headline": headline,
        "trend": trend if any(c != "—" for row in trend for c in row["cells"]) else [],
        "scorecard": card,
        "result": result,
        "made_at": timezone.now(),
    }


def pdf_filename(*, year: int, centre: Centre | None = None, period: Period | None = None) -> str:
    if centre is not None and period is not None:
        name = _("%(centre)s, %(period)s") % {"centre": centre.name, "period": period.label}
    else:
        name = _("Yearly evaluation %(year)d") % {"year": year}
    return "".join("-" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in name)[:190] + ".pdf"


def _static_fetcher():
    """A WeasyPrint URL fetcher that reads the project's static files from disk and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = unquote(urlsplit(url).path)
            prefix = urlsplit(settings.STATIC_URL).path
            found = finders.find(path.removeprefix(prefix)) if path.startswith(prefix) else None
            if not found:
                raise ValueError(f"not a static file: {url}")
            kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(Path(found).as_uri(), Path(found).read_bytes(), {"Content-Type": kind})

    return StaticFetcher()


def pdf_render(*, html: str, base_url: str) -> bytes:
    """The print page as an A4 PDF (the print media rules apply)."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_static_fetcher()).write_pdf()

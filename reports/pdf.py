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
from reports.periods import Period
from reports.selectors import (
    COLOUR_LABELS,
    centre_figures,
    centre_states,
    format_value,
    scorecard_current,
    scorecard_results,
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
    figures = centre_figures(centre=centre, period=period)
    headline = figures["headline"]
    trend = [
        {"period": m, "cells": [format_value(i, figures["monthly"][(m.key, i.code)]) for i in headline]}
        for m in figures["months"]
    ]
    return {
        **figures,
        "target": centre,
        "period": period,
        "trend": trend if any(c != "—" for row in trend for c in row["cells"]) else [],
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

"""The bureau's side of the demo: figures of last year and this year, last year's published evaluation with
improvement actions on its weakest results, and this year's draft — so the portal shows contrasts at first start."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import ImprovementAction, Scorecard
from reports.periods import Period
from reports.selectors import centre_states, format_value, scorecard_results
from reports.services import (
    centre_facts_refresh,
    improvement_action_create,
    improvement_action_set_status,
    indicators_sync,
    scorecard_create,
    scorecard_items_save,
    scorecard_publish,
)
from tenants.models import Centre

# indicator, target, weight, green from, amber from (rates as fractions)
DEMO_SCORECARD = [
    ("on_time_rate", 0.95, 30, 0.95, 0.85),
    ("complaint_on_time_rate", 0.95, 15, 0.95, 0.8),
    ("complaint_answer_days", 5, 15, 5, 10),
    ("survey_score", 4.5, 15, 4.3, 4.0),
    ("survey_response_rate", 0.5, 5, 0.5, 0.3),
    ("activities_held", 6, 5, 6, 3),
    ("building_area_per_cadre", 10, 10, 10, 8),
    ("rooms_met_rate", 1, 5, 1, 0.75),
]


def _scorecard(year: int, username: str) -> Scorecard:
    card = scorecard_create(
        year=year, title=_("Evaluation of the centres, %(year)d") % {"year": year}, username=username
    )
    items = [
        {"indicator": code, "target": target, "weight": weight, "green": green, "amber": amber}
        for code, target, weight, green, amber in DEMO_SCORECARD
    ]
    return scorecard_items_save(scorecard=card, items=items)


def _actions(card: Scorecard, username: str) -> None:
    """Each centre's first red indicator gets an action, due in the summer after the evaluation, under way."""
    items = {item.indicator.code: item for item in card.items.select_related("indicator")}
    for result in scorecard_results(scorecard=card):
        red = [code for code, cell in result["cells"].items() if cell["colour"] == "red"]
        if not red:
            continue
        item = items[red[0]]
        action = improvement_action_create(
            centre=result["centre"],
            year=card.year,
            indicator_code=item.indicator.code,
            goal=_("Bring “%(indicator)s” to its target of %(target)s")
            % {"indicator": item.indicator.name, "target": format_value(item.indicator, item.target)},
            owner=_("Head of the centre"),
            due_on=dt.date(card.year + 1, 6, 30),
            username=username,
        )
        improvement_action_set_status(action=action, status=ImprovementAction.Status.IN_PROGRESS)


def demo_reports_ensure(*, codes: list[str], username: str = "bureau") -> None:
    """Refresh the demo centres' figures of last year and this year; the scorecards and actions are made once."""
    today = timezone.localdate()
    indicators_sync()
    centres = list(Centre.objects.filter(schema_name__in=codes, kind=Centre.Kind.CENTRE, status=Centre.Status.ACTIVE))
    for year in (today.year - 1, today.year):
        for centre in centres:
            centre_facts_refresh(centre=centre, year=year)
    last = today.year - 1
    # Last year's evaluation only where centres were there all along (the demo's histories begin last January).
    if not Scorecard.objects.filter(year=last).exists() and centre_states(period=Period(last)):
        with transaction.atomic():
            card = scorecard_publish(scorecard=_scorecard(last, username), username=username)
            if not ImprovementAction.objects.filter(year=last).exists():
                _actions(card, username)
    if not Scorecard.objects.filter(year=today.year).exists():
        _scorecard(today.year, username)

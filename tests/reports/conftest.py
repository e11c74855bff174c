"""Report fixtures: a clock for the services that stamp "now", and the facts of a centre read back by cell."""

from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from reports.models import Fact
from tenants.models import Centre

SH = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in Shanghai."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


@contextlib.contextmanager
def clock(moment: dt.datetime):
    """Run the real services as if it were `moment` (sweeps, workflow moves and publishing stamp timezone.now())."""
    with mock.patch.object(timezone, "now", return_value=moment.astimezone(dt.UTC)):
        yield


@pytest.fixture
def established(centres) -> dict[str, Centre]:
    """The test centres as if they had served since 2020 (the test database is made today; a centre belongs only
    to the periods after it was created)."""
    Centre.objects.filter(pk__in=[c.pk for c in centres.values()]).update(created_at=at(2020, 1, 1))
    for centre in centres.values():
        centre.refresh_from_db()
    return centres


def facts_of(centre: Centre, period: str) -> dict[tuple[str, str], tuple[float | None, float | None, float | None]]:
    """(indicator, breakdown) → (value, numerator, denominator) of one centre's period."""
    return {
        (f.indicator, f.breakdown): (f.value, f.numerator, f.denominator)
        for f in Fact.objects.filter(centre=centre, period=period)
    }


def values_of(centre: Centre, period: str) -> dict[tuple[str, str], float | None]:
    return {key: cell[0] for key, cell in facts_of(centre, period).items()}


def rounded(cells: dict, places: int = 6) -> dict:
    """Floats rounded, so hand-computed fractions compare exactly."""

    def r(x):
        return round(x, places) if isinstance(x, float) else x

    return {key: tuple(r(x) for x in cell) if isinstance(cell, tuple) else r(cell) for key, cell in cells.items()}

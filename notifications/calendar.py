"""Working days, lunar festivals and the periods a cadence divides time into.

Days off and make-up working days come from the Holiday table (seeded from the official schedule, editable for later
years); lunar dates (春节 1/1, 重阳 9/9) are computed offline with lunar-python.
"""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lunar_python import Lunar

from notifications.models import Holiday

DATA_DIR = Path(__file__).resolve().parent / "data"
EVERY = ("day", "week", "month", "quarter", "year")
CADENCE_KINDS = ("every", "yearly_on", "lunar", "festival", "after_field")
FESTIVALS = {"spring_festival": ("lunar", 1, 1), "chongyang": ("lunar", 9, 9), "army_day": ("solar", 8, 1)}
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    key: str  # unique within a rule and subject: 2026-11-29, 2026-W48, 2026-11, 2026-Q4, 2026
    start: dt.date
    end: dt.date
    due_on: dt.date


# ---------------------------------------------------------------- holidays and working days


def holidays_seed(**_context) -> int:
    """Load the shipped official schedules (data/holidays_*.json) into the Holiday table; returns rows created.

    Also a repeatable set-up step of every centre. Rows already there (perhaps edited) are left alone.
    """
    created = 0
    for path in sorted(DATA_DIR.glob("holidays_*.json")):
        schedule = json.loads(path.read_text(encoding="utf-8"))
        names = {}
        for period in schedule["periods"]:
            start, end = dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"])
            for offset in range((end - start).days + 1):
                names[start + dt.timedelta(days=offset)] = period["name"]
            for day in period.get("makeup_workdays", []):
                names[dt.date.fromisoformat(day)] = period["name"]
        rows = [
            Holiday(
                date=dt.date.fromisoformat(day), kind=Holiday.Kind.OFF, name=names.get(dt.date.fromisoformat(day), "")
            )
            for day in schedule["days_off"]
        ] + [
            Holiday(
                date=dt.date.fromisoformat(day),
                kind=Holiday.Kind.WORKDAY,
                name=names.get(dt.date.fromisoformat(day), ""),
            )
            for day in schedule["makeup_workdays"]
        ]
        existing = set(Holiday.objects.filter(date__in=[row.date for row in rows]).values_list("date", flat=True))
        new = [row for row in rows if row.date not in existing]
        Holiday.objects.bulk_create(new)
        created += len(new)
    return created


class WorkingDays:
    """Answers "is this a working day?" for a range of dates with one query."""

    def __init__(self, start: dt.date, end: dt.date):
        self.exceptions = dict(Holiday.objects.filter(date__range=(start, end)).values_list("date", "kind"))

    def is_working(self, day: dt.date) -> bool:
        kind = self.exceptions.get(day)
        if kind == Holiday.Kind.OFF:
            return False
        if kind == Holiday.Kind.WORKDAY:
            return True
        return day.weekday() < 5

    def on_or_before(self, day: dt.date) -> dt.date:
        """The last working day on or before `day` (a deadline that falls on a day off moves earlier)."""
        while not self.is_working(day):
            day -= dt.timedelta(days=1)
        return day


def is_working_day(day: dt.date) -> bool:
    return WorkingDays(day, day).is_working(day)


# ---------------------------------------------------------------- festivals


@cache
def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a day of the (ordinary, non-leap) lunar month in lunar year `year`."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def festival_date(key: str, year: int) -> dt.date:
    """春节, 重阳 (老年节) or 八一建军节 in the given year."""
    kind, month, day = FESTIVALS[key]
    return lunar_to_solar(year, month, day) if kind == "lunar" else dt.date(year, month, day)


# ---------------------------------------------------------------- cadences


def cadence_validate(cadence: dict) -> None:
    """Refuse a cadence that cannot happen, saying why (in Chinese)."""
    kinds = [kind for kind in CADENCE_KINDS if kind in cadence] if isinstance(cadence, dict) else []
    if len(kinds) != 1:
        raise ValidationError(_("A cadence needs exactly one of: every, yearly_on, lunar, festival, after_field."))
    kind, value = kinds[0], cadence[kinds[0]]
    if set(cadence) - {kind, "working_days", "days"}:
        raise ValidationError(
            _("Unknown cadence settings: %(keys)s")
            % {"keys": ", ".join(sorted(set(cadence) - {kind, "working_days", "days"}))}
        )
    if kind == "every" and value not in EVERY:
        raise ValidationError(_("Unknown repetition “%(every)s”.") % {"every": value})
    if kind == "yearly_on":
        match = MONTH_DAY.fullmatch(str(value))
        if not match or not _real_month_day(int(match[1]), int(match[2])):
            raise ValidationError(_("“%(date)s” is not a day of the year.") % {"date": value})
    if kind == "lunar":
        match = MONTH_DAY.fullmatch(str(value))
        if not match or not (1 <= int(match[1]) <= 12 and 1 <= int(match[2]) <= 29):
            raise ValidationError(_("“%(date)s” is not a lunar month and day (days 1–29).") % {"date": value})
    if kind == "festival" and value not in FESTIVALS:
        raise ValidationError(_("Unknown festival “%(name)s”.") % {"name": value})
    if kind == "after_field":
        days = cadence.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3660:
            raise ValidationError(_("“N days after a date” needs a number of days between 0 and 3660."))


def _real_month_day(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= gregorian.monthrange(2024, month)[1]  # 2024: 29 February exists


def period_containing(cadence: dict, day: dt.date) -> Period:
    """The period of a repeating cadence that contains `day` (for after_field, see period_after)."""
    every = cadence.get("every")
    if every == "day":
        return Period(day.isoformat(), day, day, day)
    if every == "week":
        start = day - dt.timedelta(days=day.weekday())
        year, week, _weekday = day.isocalendar()
        return Period(f"{year}-W{week:02d}", start, start + dt.timedelta(days=6), start + dt.timedelta(days=6))
    if every == "month":
        end = day.replace(day=gregorian.monthrange(day.year, day.month)[1])
        return Period(f"{day:%Y-%m}", day.replace(day=1), end, end)
    if every == "quarter":
        quarter = (day.month - 1) // 3 + 1
        start = dt.date(day.year, 3 * quarter - 2, 1)
        end = dt.date(day.year, 3 * quarter, gregorian.monthrange(day.year, 3 * quarter)[1])
        return Period(f"{day.year}-Q{quarter}", start, end, end)
    start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if every == "year":
        return Period(str(day.year), start, end, end)
    if "yearly_on" in cadence:
        month, mday = map(int, cadence["yearly_on"].split("-"))
        if month == 2 and mday == 29 and not gregorian.isleap(day.year):
            mday = 28
        return Period(str(day.year), start, end, dt.date(day.year, month, mday))
    if "lunar" in cadence:
        month, mday = map(int, cadence["lunar"].split("-"))
        return Period(str(day.year), start, end, lunar_to_solar(day.year, month, mday))
    if "festival" in cadence:
        return Period(str(day.year), start, end, festival_date(cadence["festival"], day.year))
    raise ValidationError(_("This cadence has no periods of its own."))


def period_after(cadence: dict, base: dt.date) -> Period:
    """The one period of an "N days after a date" cadence, e.g. medical information within 30 days of transfer-in."""
    due = base + dt.timedelta(days=cadence["days"])
    return Period(base.isoformat(), base, due, due)


def due_date(cadence: dict, period: Period, working: WorkingDays | None = None) -> dt.date:
    """When the period's item is due; with "working_days", a due date on a day off moves to the working day before."""
    if cadence.get("working_days") and working is not None:
        return working.on_or_before(period.due_on)
    return period.due_on

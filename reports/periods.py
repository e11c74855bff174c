"""Reporting periods: a year, a quarter or a month, with Asia/Shanghai day boundaries (dates are local days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _


class PeriodError(ValueError):
    """A period asked for that does not exist (the message is for the user)."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    type: str = "year"  # year, quarter, month
    number: int = 0  # the quarter (1–4) or month (1–12); 0 for a year

    @property
    def key(self) -> str:
        if self.type == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.type == "month":
            return f"{self.year}-{self.number:02d}"
        return str(self.year)

    @property
    def start(self) -> dt.date:
        if self.type == "quarter":
            return dt.date(self.year, 3 * self.number - 2, 1)
        if self.type == "month":
            return dt.date(self.year, self.number, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        if self.type == "quarter":
            following = dt.date(self.year + (self.number == 4), 1 if self.number == 4 else 3 * self.number + 1, 1)
        elif self.type == "month":
            following = dt.date(self.year + (self.number == 12), 1 if self.number == 12 else self.number + 1, 1)
        else:
            following = dt.date(self.year + 1, 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.type == "quarter":
            return _("Q%(quarter)d %(year)d") % {"year": self.year, "quarter": self.number}
        if self.type == "month":
            return _("%(month)d/%(year)d") % {"year": self.year, "month": self.number}
        return _("Year %(year)d") % {"year": self.year}

    def last_year(self) -> Period:
        return Period(self.year - 1, self.type, self.number)

    def months(self) -> list[Period]:
        first = self.start.month
        last = self.end.month
        return [Period(self.year, "month", m) for m in range(first, last + 1)]

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


def period_from_key(key: str) -> Period:
    """'2026', '2026-Q3' or '2026-07' → the period; anything else is refused."""
    text = (key or "").strip()
    try:
        if len(text) == 4:
            return period_make(year=int(text))
        if len(text) == 7 and text[4:6] == "-Q":
            return period_make(year=int(text[:4]), quarter=int(text[6]))
        if len(text) == 7 and text[4] == "-":
            return period_make(year=int(text[:4]), month=int(text[5:]))
    except ValueError:
        pass
    raise PeriodError(
        _("“%(value)s” is not a period: write a year (2026), a quarter (2026-Q3) or a month (2026-07).")
        % {"value": text}
    )


def period_make(*, year: int, quarter: int | None = None, month: int | None = None) -> Period:
    if not 2000 <= year <= 2100:
        raise PeriodError(_("The year must be between 2000 and 2100."))
    if quarter is not None and month is not None:
        raise PeriodError(_("Choose a quarter or a month, not both."))
    if quarter is not None:
        if not 1 <= quarter <= 4:
            raise PeriodError(_("The quarter must be 1, 2, 3 or 4."))
        return Period(year, "quarter", quarter)
    if month is not None:
        if not 1 <= month <= 12:
            raise PeriodError(_("The month must be between 1 and 12."))
        return Period(year, "month", month)
    return Period(year)


def periods_of_year(year: int, today: dt.date) -> list[Period]:
    """The year, its quarters and its months that have begun by `today` (none for a future year)."""
    if dt.date(year, 1, 1) > today:
        return []
    months = [Period(year, "month", m) for m in range(1, 13) if dt.date(year, m, 1) <= today]
    quarters = [Period(year, "quarter", q) for q in range(1, 5) if dt.date(year, 3 * q - 2, 1) <= today]
    return [Period(year), *quarters, *months]

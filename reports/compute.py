"""A centre's figures for one year, computed inside the centre's schema from the other apps' selectors.

What comes out are aggregates only (counts, rates, means, medians, areas): the fact rows of reports.Fact.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from content.selectors import content_report_days
from forms_engine.selectors import complaint_report_rows, survey_report_rows
from notifications.selectors import due_item_outcomes
from registry.selectors import cadre_movements, cadre_report_rows, facility_areas, report_labels
from reports.periods import Period, periods_of_year

SERVED = ("active", "abroad")
AGE_BANDS = (("under70", 0, 69), ("70-79", 70, 79), ("80-89", 80, 89), ("90-99", 90, 99), ("100plus", 100, 999))
CHANNELS = ("on_site", "phone", "letter", "internet")
# Table 1 of DB31/T 1044: minimum floor area (m²) by the number of cadres served: 50–100, 101–300, over 300.
TABLE_1 = {
    "calligraphy": (24, 36, 48),
    "chess": (12, 24, 24),
    "gym": (24, 36, 48),
    "computer": (12, 24, 36),
    "archive": (15, 20, 20),
    "honour": (24, 24, 36),
    "meeting": (100, 160, 300),
    "reading": (24, 36, 48),
}
AREA_PER_CADRE = 10


@dataclass
class Row:
    period: Period
    indicator: str
    breakdown: str = ""
    label: str = ""
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None


def labels() -> dict[str, dict[str, str]]:
    """Display names of the fixed breakdowns (the others — rules, rest homes, questions — carry their own)."""
    return {
        **report_labels(),
        "age": {
            "under70": _("Under 70"),
            "70-79": "70–79",
            "80-89": "80–89",
            "90-99": "90–99",
            "100plus": _("100 and over"),
        },
        "channel": {"on_site": _("On site"), "phone": _("Phone"), "letter": _("Letter"), "internet": _("Internet")},
    }


def _rate(num: float, den: float) -> float | None:
    return num / den if den else None


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (pos - low), 2)


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _served_at(row: dict, day: dt.date) -> bool:
    """Served on `day`: served now or died after it, and already arrived by then."""
    if row["arrived_on"] and row["arrived_on"] > day:
        return False
    if row["state"] in SERVED:
        return True
    return row["state"] == "deceased" and row["deceased_on"] is not None and row["deceased_on"] > day


def _cadre_rows(periods: list[Period], today: dt.date, names: dict) -> tuple[list[Row], dict[Period, int]]:
    cadres = cadre_report_rows()
    out: list[Row] = []
    served_counts: dict[Period, int] = {}
    for period in periods:
        day = min(period.end, today)
        served = [row for row in cadres if _served_at(row, day)]
        total = len(served)
        served_counts[period] = total
        out.append(Row(period, "cadres_total", value=total))
        for dimension, key_of in (("level", lambda r: r["level"]), ("kind", lambda r: r["kind"])):
            counts = Counter(key_of(row) for row in served)
            for key, label in names[dimension].items():
                out.append(Row(period, f"cadres_{dimension}", key, label, counts.get(key, 0)))
        ages = Counter()
        for row in served:
            age = _age(row["birth_date"], day)
            ages[next(band for band, low, high in AGE_BANDS if low <= age <= high)] += 1
        for band, label in names["age"].items():
            out.append(Row(period, "cadres_age", band, label, ages.get(band, 0)))
        for flag, label in names["situation"].items():
            out.append(Row(period, "cadres_situation", flag, label, sum(1 for row in served if row[flag])))
        homes = Counter(row["rest_home"] for row in served)
        for home in sorted(homes):
            out.append(Row(period, "cadres_rest_home", home or "-", home or _("No rest home"), homes[home]))
        alone = sum(1 for row in served if row["lives_alone"] or row["childless"])
        old = sum(1 for row in served if _age(row["birth_date"], day) >= 80)
        out.append(Row(period, "lives_alone_rate", value=_rate(alone, total), numerator=alone, denominator=total))
        out.append(Row(period, "very_old_rate", value=_rate(old, total), numerator=old, denominator=total))
    year = periods[0]
    moves = cadre_movements(start=year.start, end=min(year.end, today))
    for period in periods:
        counts = Counter(kind for kind, day in moves if period.start <= day <= period.end)
        for kind in ("received", "transferred_in", "transferred_out", "deceased"):
            out.append(Row(period, f"cadres_{kind}", value=counts.get(kind, 0)))
    return out, served_counts


def _compliance_rows(periods: list[Period], today: dt.date) -> list[Row]:
    year = periods[0]
    outcomes = due_item_outcomes(start=year.start, end=year.end, today=today)
    titles = {row["rule"]: row["title"] for row in outcomes}
    out: list[Row] = []
    for period in periods:
        sums: dict[str, Counter] = defaultdict(Counter)
        for row in outcomes:
            if period.start <= row["month"] <= period.end:
                for key in ("due", "on_time", "late", "missed", "escalated"):
                    sums[row["rule"]][key] += row[key]
                    sums[""][key] += row[key]
        for rule in ["", *sorted(titles)]:
            counts = sums.get(rule)
            if counts is None and rule:
                continue
            counts = counts or Counter()
            label = titles.get(rule, "")
            due, on_time = counts["due"], counts["on_time"]
            out += [
                Row(period, "due_items", rule, label, due),
                Row(period, "due_on_time", rule, label, on_time),
                Row(period, "due_late", rule, label, counts["late"]),
                Row(period, "due_missed", rule, label, counts["missed"]),
                Row(period, "escalations", rule, label, counts["escalated"]),
                Row(period, "on_time_rate", rule, label, _rate(on_time, due), on_time, due),
            ]
    return out


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


def _complaint_rows(periods: list[Period], today: dt.date, names: dict) -> list[Row]:
    year = periods[0]
    # As of the end of `today` (a retired centre's figures stop at its retirement), never later than now.
    now = min(timezone.now(), timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time())))
    limit = dt.timedelta(days=settings.JUNXIU_COMPLAINT_ANSWER_DAYS)
    complaints = complaint_report_rows(start=year.start, end=year.end)
    out: list[Row] = []
    for period in periods:
        these = [c for c in complaints if period.start <= timezone.localtime(c["received"]).date() <= period.end]
        out.append(Row(period, "complaints", value=len(these)))
        channels = Counter(c["channel"] for c in these)
        for channel, label in names["channel"].items():
            out.append(Row(period, "complaints", channel, label, channels.get(channel, 0)))
        other = sum(n for channel, n in channels.items() if channel not in names["channel"])
        if other:
            out.append(Row(period, "complaints", "other", _("Other"), other))
        answered = [_days(c["received"], c["answered"]) for c in these if c["answered"]]
        closed = [_days(c["received"], c["closed"]) for c in these if c["closed"]]
        out += [
            Row(period, "complaint_answer_days", value=percentile(answered, 0.5), denominator=len(answered)),
            Row(period, "complaint_answer_p90", value=percentile(answered, 0.9), denominator=len(answered)),
            Row(period, "complaint_close_days", value=percentile(closed, 0.5), denominator=len(closed)),
            Row(period, "complaint_close_p90", value=percentile(closed, 0.9), denominator=len(closed)),
        ]
        decided = [c for c in these if c["answered"] or now > c["received"] + limit]
        in_time = sum(1 for c in decided if c["answered"] and c["answered"] <= c["received"] + limit)
        out.append(
            Row(
                period,
                "complaint_on_time_rate",
                value=_rate(in_time, len(decided)),
                numerator=in_time,
                denominator=len(decided),
            )
        )
        out.append(Row(period, "complaints_overdue", value=len(decided) - in_time))
        out.append(Row(period, "complaints_escalated", value=sum(1 for c in these if c["escalated"])))
        answered_rows = [c for c in these if c["answered"]]
        fed_back = sum(1 for c in answered_rows if c["feedback"])
        out.append(
            Row(
                period,
                "complaint_feedback_rate",
                value=_rate(fed_back, len(answered_rows)),
                numerator=fed_back,
                denominator=len(answered_rows),
            )
        )
        scores = [c["satisfaction"] for c in these if c["satisfaction"] is not None]
        out.append(
            Row(
                period,
                "complaint_satisfaction",
                value=_rate(sum(scores), len(scores)),
                numerator=sum(scores),
                denominator=len(scores),
            )
        )
    return out


def _survey_rows(periods: list[Period], served: dict[Period, int]) -> list[Row]:
    year = periods[0]
    questions, responses = survey_report_rows(template=settings.JUNXIU_SURVEY_TEMPLATE, start=year.start, end=year.end)
    out: list[Row] = []
    for period in periods:
        these = [r for r in responses if period.start <= r["day"] <= period.end]
        out.append(Row(period, "survey_responses", value=len(these)))
        out.append(
            Row(
                period,
                "survey_response_rate",
                value=_rate(len(these), served[period]),
                numerator=len(these),
                denominator=served[period],
            )
        )
        every = [score for r in these for score in r["scores"].values()]
        out.append(
            Row(
                period,
                "survey_score",
                value=_rate(sum(every), len(every)),
                numerator=sum(every),
                denominator=len(every),
            )
        )
        for name, label in questions.items():
            scores = [r["scores"][name] for r in these if name in r["scores"]]
            out.append(
                Row(period, "survey_score", name, label, _rate(sum(scores), len(scores)), sum(scores), len(scores))
            )
    return out


def _content_rows(periods: list[Period], today: dt.date) -> list[Row]:
    year = periods[0]
    days = content_report_days(start=year.start, end=min(year.end, today))
    codes = {
        "notices": "notices_published",
        "policies": "policies_published",
        "activities": "activities_held",
        "activity_signups": "activity_signups",
        "courses": "courses_offered",
        "course_enrolments": "course_enrolments",
    }
    out: list[Row] = []
    for period in periods:
        counts: Counter = Counter()
        for what, day, n in days:
            if period.start <= day <= period.end:
                counts[what] += n
        out += [Row(period, code, value=counts.get(what, 0)) for what, code in codes.items()]
    return out


def table1_minimum(room: str, cadres: int) -> float | None:
    """The Table 1 minimum area of a room type for a centre of `cadres`; None under 50 (as needed)."""
    if cadres < 50:
        return None
    band = 0 if cadres <= 100 else 1 if cadres <= 300 else 2
    return float(TABLE_1[room][band])


def _facility_rows(periods: list[Period], served: dict[Period, int], names: dict) -> list[Row]:
    areas = facility_areas()
    out: list[Row] = []
    for period in periods:
        cadres = served[period]
        building = areas["building_area"]
        out.append(
            Row(
                period, "building_area_per_cadre", value=_rate(building, cadres), numerator=building, denominator=cadres
            )
        )
        met = 0
        for room, label in names["room"].items():
            area = areas["rooms"].get(room, 0.0)
            minimum = table1_minimum(room, cadres)
            met += minimum is not None and area >= minimum
            out.append(Row(period, "room_area", room, label, area, area, minimum))
        counted = len(TABLE_1) if cadres >= 50 else 0
        out.append(Row(period, "rooms_met_rate", value=_rate(met, counted), numerator=met, denominator=counted))
    return out


def centre_facts_compute(*, year: int, today: dt.date) -> list[Row]:
    """Every fact of one centre for one year, as of `today` (periods not begun yet have none)."""
    periods = periods_of_year(year, today)
    if not periods:
        return []
    names = labels()
    rows, served = _cadre_rows(periods, today, names)
    rows += _compliance_rows(periods, today)
    rows += _complaint_rows(periods, today, names)
    rows += _survey_rows(periods, served)
    rows += _content_rows(periods, today)
    rows += _facility_rows(periods, served, names)
    return rows

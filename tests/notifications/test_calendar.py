"""Working days from the official schedule, lunar festivals, and the periods cadences make."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from notifications.calendar import (
    WorkingDays,
    cadence_validate,
    due_date,
    festival_date,
    holidays_seed,
    is_working_day,
    period_after,
    period_containing,
)
from notifications.models import Holiday

D = dt.date


def test_lunar_festivals_are_computed_offline():
    assert festival_date("chongyang", 2026) == D(2026, 10, 18)
    assert festival_date("chongyang", 2027) == D(2027, 10, 8)
    assert festival_date("spring_festival", 2026) == D(2026, 2, 17)
    assert festival_date("spring_festival", 2028) == D(2028, 1, 26)
    assert festival_date("army_day", 2026) == D(2026, 8, 1)


@pytest.mark.django_db
def test_every_centre_has_the_2026_schedule_and_seeding_is_idempotent(centres):
    with schema_context("huangpu"):
        assert Holiday.objects.filter(kind="off").count() == 33
        assert Holiday.objects.filter(kind="workday").count() == 6
        assert Holiday.objects.get(date=D(2026, 2, 14)).name == "春节"
        assert holidays_seed() == 0


@pytest.mark.django_db
def test_make_up_workdays_and_days_off(centres):
    with schema_context("huangpu"):
        assert is_working_day(D(2026, 2, 14)) is True  # a Saturday worked before the Spring Festival
        assert is_working_day(D(2026, 1, 4)) is True  # a Sunday worked after New Year
        assert is_working_day(D(2026, 10, 5)) is False  # a Monday off (National Day)
        assert is_working_day(D(2026, 11, 28)) is False  # an ordinary Saturday
        assert is_working_day(D(2026, 11, 30)) is True  # an ordinary Monday
        Holiday.objects.create(date=D(2026, 11, 30), kind="off", name="演示")  # the table is editable
        assert is_working_day(D(2026, 11, 30)) is False
        working = WorkingDays(D(2026, 9, 1), D(2026, 10, 31))
        assert working.on_or_before(D(2026, 10, 7)) == D(2026, 9, 30)  # across the National Day holiday


@pytest.mark.parametrize(
    ("cadence", "day", "expected"),
    [
        ({"every": "day"}, D(2026, 11, 29), ("2026-11-29", D(2026, 11, 29), D(2026, 11, 29))),
        ({"every": "week"}, D(2026, 11, 29), ("2026-W48", D(2026, 11, 23), D(2026, 11, 29))),
        ({"every": "month"}, D(2026, 2, 10), ("2026-02", D(2026, 2, 1), D(2026, 2, 28))),
        ({"every": "quarter"}, D(2026, 3, 31), ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31))),
        ({"every": "quarter"}, D(2026, 4, 1), ("2026-Q2", D(2026, 4, 1), D(2026, 6, 30))),
        ({"every": "year"}, D(2026, 6, 1), ("2026", D(2026, 1, 1), D(2026, 12, 31))),
        ({"yearly_on": "10-31"}, D(2026, 6, 1), ("2026", D(2026, 1, 1), D(2026, 10, 31))),
        ({"yearly_on": "02-29"}, D(2026, 6, 1), ("2026", D(2026, 1, 1), D(2026, 2, 28))),
        ({"lunar": "09-09"}, D(2026, 6, 1), ("2026", D(2026, 1, 1), D(2026, 10, 18))),
        ({"festival": "spring_festival"}, D(2027, 1, 5), ("2027", D(2027, 1, 1), D(2027, 2, 6))),
    ],
)
def test_periods_of_cadences(cadence, day, expected):
    cadence_validate(cadence)
    period = period_containing(cadence, day)
    assert (period.key, period.start, period.due_on) == expected


def test_days_after_a_date():
    period = period_after({"after_field": "transfer_in_date", "days": 30}, D(2026, 11, 20))
    assert (period.key, period.due_on) == ("2026-11-20", D(2026, 12, 20))


@pytest.mark.django_db
def test_a_deadline_on_a_day_off_moves_to_the_working_day_before(centres):
    cadence = {"yearly_on": "10-31", "working_days": True}
    with schema_context("huangpu"):
        period = period_containing(cadence, D(2026, 1, 1))
        working = WorkingDays(D(2026, 10, 1), D(2026, 10, 31))
        assert due_date(cadence, period, working) == D(2026, 10, 30)  # 31 October 2026 is a Saturday
        assert due_date({"yearly_on": "10-31"}, period, working) == D(2026, 10, 31)


@pytest.mark.parametrize(
    ("cadence", "message"),
    [
        ({"every": "fortnight"}, "未知的重复方式“fortnight”。"),
        ({"yearly_on": "02-30"}, "“02-30”不是一年中的日期。"),
        ({"yearly_on": "13-01"}, "“13-01”不是一年中的日期。"),
        ({"lunar": "09-31"}, "“09-31”不是农历的月和日（1–29 日）。"),
        ({"festival": "halloween"}, "未知的节日“halloween”。"),
        ({"after_field": "transfer_in_date", "days": -3}, "“某日期后 N 天”需要 0 到 3660 之间的天数。"),
        (
            {"every": "day", "yearly_on": "10-31"},
            "周期必须且只能是以下之一：every、yearly_on、lunar、festival、after_field。",
        ),
        ({}, "周期必须且只能是以下之一：every、yearly_on、lunar、festival、after_field。"),
        ({"every": "day", "hourly": True}, "未知的周期设置：hourly"),
    ],
)
def test_impossible_cadences_are_refused(cadence, message):
    with pytest.raises(ValidationError) as excinfo:
        cadence_validate(cadence)
    assert excinfo.value.messages == [message]

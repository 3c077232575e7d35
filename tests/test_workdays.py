"""Working days on the official calendar: holidays, 调休 worked weekends, Beijing days, limits.

Dates are from the State Council's notices for 2024 and 2025 as the chinese-calendar package
holds them. Each case around a holiday is one a weekday rule gets wrong.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from catalog.errors import InvalidValue
from catalog.workdays import (
    DEFAULT_REVIEW_DAYS,
    Limit,
    add_working_days,
    beijing_day,
    calendar_known,
    deadline,
    is_working_day,
    remind_on,
    reminder_day,
    review_limit,
    working_days_between,
)

WORKED_WEEKENDS = [
    date(2024, 2, 4),  # Sunday before the 2024 Spring Festival
    date(2024, 2, 18),  # Sunday after it
    date(2024, 9, 29),  # Sunday before the 2024 National Day
    date(2024, 10, 12),  # Saturday after it
    date(2025, 1, 26),  # Sunday before the 2025 Spring Festival
    date(2025, 2, 8),  # Saturday after it
    date(2025, 9, 28),  # Sunday before the 2025 National Day
    date(2025, 10, 11),  # Saturday after it
]
WEEKDAY_HOLIDAYS = [
    date(2024, 2, 12),
    date(2024, 2, 16),
    date(2024, 10, 1),
    date(2024, 10, 7),
    date(2025, 1, 28),
    date(2025, 2, 4),
    date(2025, 10, 1),
    date(2025, 10, 8),
]


@pytest.mark.parametrize("day", WORKED_WEEKENDS)
def test_a_worked_weekend_day_is_a_working_day(day: date) -> None:
    assert day.weekday() >= 5
    assert is_working_day(day)


@pytest.mark.parametrize("day", WEEKDAY_HOLIDAYS)
def test_a_holiday_on_a_weekday_is_not_a_working_day(day: date) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day)


def test_an_ordinary_week() -> None:
    week = [date(2024, 11, 11) + timedelta(days=i) for i in range(7)]  # Monday to Sunday
    assert [is_working_day(d) for d in week] == [True] * 5 + [False] * 2


def test_the_count_starts_the_day_after_the_start_day() -> None:
    assert add_working_days(date(2024, 11, 11), 1) == date(2024, 11, 12)  # Monday → Tuesday
    assert add_working_days(date(2024, 11, 15), 1) == date(2024, 11, 18)  # Friday → Monday
    assert add_working_days(date(2024, 11, 16), 1) == date(2024, 11, 18)  # Saturday → Monday
    assert add_working_days(date(2024, 11, 13), 0) == date(2024, 11, 13)


def test_national_day_2024() -> None:
    assert add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 29)  # Friday → worked Sunday
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)  # over Oct 1–7
    assert add_working_days(date(2024, 10, 11), 1) == date(2024, 10, 12)  # worked Saturday
    # 29 Sep, 30 Sep, 8–12 Oct (12th a Saturday), 14–16 Oct; a weekday rule says 11 Oct.
    assert add_working_days(date(2024, 9, 27), 10) == date(2024, 10, 16)


def test_national_day_2025_with_mid_autumn() -> None:
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)  # over Oct 1–8
    assert add_working_days(date(2025, 9, 26), 10) == date(2025, 10, 16)


def test_spring_festival_2024() -> None:
    assert add_working_days(date(2024, 2, 2), 1) == date(2024, 2, 4)  # Friday → worked Sunday
    assert add_working_days(date(2024, 2, 9), 1) == date(2024, 2, 18)  # over Feb 10–17
    assert add_working_days(date(2024, 2, 9), 3) == date(2024, 2, 20)


def test_spring_festival_2025() -> None:
    assert add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)  # Friday → worked Sunday
    assert add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)  # over Jan 28 – Feb 4
    # 5–8 Feb (8th a Saturday), 10–14 Feb, 17 Feb.
    assert add_working_days(date(2025, 1, 27), 10) == date(2025, 2, 17)


def test_counting_backwards_skips_the_same_days() -> None:
    assert add_working_days(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert add_working_days(date(2024, 10, 8), -2) == date(2024, 9, 29)
    assert add_working_days(date(2025, 2, 10), -1) == date(2025, 2, 8)


@pytest.mark.parametrize(
    ("a", "b", "count"),
    [
        (date(2024, 9, 27), date(2024, 10, 16), 10),
        (date(2024, 10, 16), date(2024, 9, 27), -10),
        (date(2024, 9, 30), date(2024, 10, 7), 0),  # the whole holiday
        (date(2025, 1, 27), date(2025, 2, 17), 10),
        (date(2024, 11, 13), date(2024, 11, 13), 0),
        (date(2024, 11, 15), date(2024, 11, 17), 0),  # Friday to Sunday: the weekend only
    ],
)
def test_working_days_between(a: date, b: date, count: int) -> None:
    assert working_days_between(a, b) == count


@pytest.mark.parametrize("start", [date(2024, 9, 25), date(2025, 1, 20), date(2025, 9, 26)])
@pytest.mark.parametrize("n", [-7, -1, 1, 2, 10, 15])
def test_between_undoes_add(start: date, n: int) -> None:
    assert working_days_between(start, add_working_days(start, n)) == n


def test_the_deadline_counts_from_the_beijing_day_of_submission() -> None:
    # Thursday 26 Sep 2024: 23:59 in Beijing is still Thursday, 00:00 is Friday.
    thursday = deadline(datetime(2024, 9, 26, 15, 59), 10)
    friday = deadline(datetime(2024, 9, 26, 16, 0), 10)
    assert thursday == date(2024, 10, 15)
    assert friday == date(2024, 10, 16)
    assert deadline(datetime(2024, 9, 26, 17, 0), 10) == friday


def test_the_default_limit_is_ten_working_days() -> None:
    assert DEFAULT_REVIEW_DAYS == 10
    assert deadline(datetime(2025, 1, 27, 2, 0)) == date(2025, 2, 17)


def test_an_aware_time_is_taken_as_the_moment_it_is() -> None:
    beijing_morning = datetime(2024, 9, 27, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    assert beijing_day(beijing_morning) == date(2024, 9, 27)
    assert beijing_day(datetime(2024, 9, 26, 16, 30)) == date(2024, 9, 27)


@pytest.mark.parametrize("days", [0, -3])
def test_a_limit_must_be_at_least_one_day(days: int) -> None:
    with pytest.raises(InvalidValue) as refused:
        deadline(datetime(2024, 9, 26, 2, 0), days)
    assert refused.value.code == "invalid-time-limit"


def test_the_reminder_is_two_working_days_before() -> None:
    assert remind_on(date(2024, 10, 16)) == date(2024, 10, 14)
    assert remind_on(date(2024, 10, 9)) == date(2024, 9, 30)  # back over the holiday
    assert remind_on(date(2024, 10, 14)) == date(2024, 10, 11)  # Saturday 12th counted
    assert remind_on(date(2024, 10, 15)) == date(2024, 10, 12)  # a worked Saturday
    assert remind_on(date(2025, 2, 17), before=3) == date(2025, 2, 12)


@pytest.mark.parametrize("day", [date(2003, 6, 2), date(2100, 6, 1)])
def test_an_unknown_year_fails_closed(day: date) -> None:
    assert not calendar_known(day)
    for call in (
        lambda: is_working_day(day),
        lambda: add_working_days(day, 1),
        lambda: working_days_between(day, day + timedelta(days=3)),
        lambda: deadline(datetime.combine(day, datetime.min.time()), 10),
    ):
        with pytest.raises(InvalidValue) as refused:
            call()
        assert refused.value.code == "calendar-unknown"
        assert refused.value.field == str(day.year)


def test_a_known_year() -> None:
    assert calendar_known(date(2025, 6, 1))


def test_a_count_stops_at_the_end_of_the_known_calendar() -> None:
    last_known = max(y for y in range(2004, 2100) if calendar_known(date(y, 1, 1)))
    with pytest.raises(InvalidValue) as refused:
        add_working_days(date(last_known, 12, 20), 15)
    assert refused.value.code == "calendar-unknown"


def test_a_review_limit_is_exact_where_the_calendar_is_known() -> None:
    submitted = datetime(2024, 9, 27, 2, 0)  # Friday 10:00 in Beijing, before National Day
    limit = review_limit(submitted)
    assert limit == Limit(deadline(submitted), estimated=False)
    assert limit.day == date(2024, 10, 16)  # Sunday 9-29 and Saturday 10-12 are worked


def test_a_review_limit_past_the_known_calendar_is_an_estimate() -> None:
    """After the last year the package knows, weekdays are counted and the limit says so,
    instead of refusing every submission of the year's last weeks."""
    last_known = max(y for y in range(2004, 2100) if calendar_known(date(y, 1, 1)))
    submitted = datetime(last_known, 12, 24, 2, 0)
    limit = review_limit(submitted)
    assert limit.estimated
    assert limit.day.year == last_known + 1
    assert limit.day.weekday() < 5
    within = review_limit(datetime(last_known, 6, 1, 2, 0))
    assert not within.estimated
    assert reminder_day(limit).estimated and reminder_day(within) == Limit(remind_on(within.day))


def test_nothing_is_estimated_before_the_known_calendar() -> None:
    with pytest.raises(InvalidValue) as refused:
        review_limit(datetime(2003, 12, 1))
    assert refused.value.code == "calendar-unknown"

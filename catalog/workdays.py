"""Working days on China's official calendar, for review time limits and reminders.

The State Council's calendar is not a weekday rule: public holidays fall on weekdays, and the
weekend days worked instead (调休, e.g. Sunday 2024-09-29 and Saturday 2024-10-12 around the
National Day) are working days. The calendar comes from the ``chinese-calendar`` package, which
holds each year's notice once it is published.

Conventions, the same in every function here:

- A time limit of *n* working days starts the day **after** the start day, whatever that day is:
  ``add_working_days(start, n)`` is the *n*-th working day after ``start`` (before it when *n* is
  negative; ``start`` itself when *n* is 0). A review of 10 working days of an application
  submitted on day D ends at the end of ``add_working_days(D, 10)``.
- ``working_days_between(a, b)`` counts the working days in (a, b], negated when b < a, so that
  ``add_working_days(a, working_days_between(a, b)) == b`` for every working day ``b``.
- Days are days in Beijing time (UTC+8); stored times are naive UTC (:func:`deadline`).

Outside the years the package covers, the exact functions **fail closed**: they raise
``InvalidValue(code="calendar-unknown")`` rather than guessing with weekdays, since a guess is
wrong in exactly the weeks that matter (the Spring Festival of a year just past the package's
last). The remedy is upgrading ``chinese-calendar``; :func:`calendar_known` lets a page or a
check warn before that happens.

A review cannot wait for the State Council's notice, though: :func:`review_limit` (what the
application workflow uses) counts the official calendar where it is known and Monday to Friday
after it, and says so (``Limit.estimated``) so that every page showing the limit labels it an
estimate. Once the package knows the year, the limit is counted again exactly
(:func:`review_limit` is cheap enough to call on every page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import chinese_calendar

from catalog.beijing import beijing
from catalog.errors import InvalidValue

DEFAULT_REVIEW_DAYS = 10  # working days, unless the department sets another limit
REMIND_BEFORE = 2  # working days before the limit a reviewer is reminded
FIRST_KNOWN_YEAR = 2004  # chinese-calendar's first year; nothing before it is estimated
MAX_SPAN = 3660  # calendar days a single count may walk (about ten years), against runaway loops


def calendar_known(day: date) -> bool:
    """Whether the official calendar of ``day``'s year is known to the installed package."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day: a weekday not a holiday, or a worked weekend day (调休).

    Raises ``InvalidValue(code="calendar-unknown")`` for a year the package does not cover.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as error:
        raise InvalidValue(
            f"the official calendar of {day.year} is not known; upgrade chinese-calendar",
            code="calendar-unknown",
            field=str(day.year),
        ) from error


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (before it if ``n`` < 0; ``start`` if ``n`` == 0).

    ``start`` itself is never counted, so a limit of ``n`` working days from a submission on
    ``start`` ends on the returned day.
    """
    step = timedelta(days=1 if n > 0 else -1)
    day, left = start, abs(n)
    for _ in range(MAX_SPAN):
        if not left:
            return day
        day += step
        if is_working_day(day):
            left -= 1
    raise InvalidValue(f"{n} working days is too long a span", code="span-too-long")


def working_days_between(a: date, b: date) -> int:
    """The working days in (a, b], or minus those in [b, a) when ``b`` is before ``a``."""
    if b < a:
        return -working_days_between(b - timedelta(days=1), a - timedelta(days=1))
    if (b - a).days > MAX_SPAN:
        raise InvalidValue(f"{a} to {b} is too long a span", code="span-too-long")
    return sum(is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


def beijing_day(moment: datetime) -> date:
    """The day in Beijing of a stored time (naive UTC; an aware time is converted first)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return beijing(moment).date()


def deadline(submitted_at: datetime, days: int = DEFAULT_REVIEW_DAYS) -> date:
    """The last day of a review of ``days`` working days of something submitted at ``submitted_at``.

    ``submitted_at`` is a stored time (naive UTC); the count starts the Beijing day after the
    Beijing day of submission (17:00 UTC is already the next day in Beijing).
    """
    if days < 1:
        raise InvalidValue(f"a time limit of {days} working days", code="invalid-time-limit")
    return add_working_days(beijing_day(submitted_at), days)


def remind_on(limit: date, before: int = REMIND_BEFORE) -> date:
    """The day ``before`` working days ahead of the limit ``limit``, to remind a reviewer."""
    return add_working_days(limit, -before)


@dataclass(frozen=True)
class Limit:
    """The last day of a time limit; ``estimated`` when part of the count fell in a year
    whose official calendar is not known yet, where Monday to Friday were counted."""

    day: date
    estimated: bool = False


def _working_or_weekday(day: date) -> tuple[bool, bool]:
    """(working day, estimated): the official calendar, or Monday to Friday after it."""
    if calendar_known(day):
        return bool(chinese_calendar.is_workday(day)), False
    if day.year < FIRST_KNOWN_YEAR:
        is_working_day(day)  # raises calendar-unknown: nothing is estimated backwards
    return day.weekday() < 5, True


def add_working_days_estimated(start: date, n: int) -> Limit:
    """:func:`add_working_days` that counts weekdays past the known calendar, and says so."""
    step = timedelta(days=1 if n > 0 else -1)
    day, left, estimated = start, abs(n), False
    for _ in range(MAX_SPAN):
        if not left:
            return Limit(day, estimated)
        day += step
        working, guessed = _working_or_weekday(day)
        estimated = estimated or guessed
        if working:
            left -= 1
    raise InvalidValue(f"{n} working days is too long a span", code="span-too-long")


def review_limit(submitted_at: datetime, days: int = DEFAULT_REVIEW_DAYS) -> Limit:
    """The last day of a review of ``days`` working days (as :func:`deadline`), estimated with
    weekdays where the official calendar is not known yet."""
    if days < 1:
        raise InvalidValue(f"a time limit of {days} working days", code="invalid-time-limit")
    return add_working_days_estimated(beijing_day(submitted_at), days)


def reminder_day(limit: Limit, before: int = REMIND_BEFORE) -> Limit:
    """:func:`remind_on` of a possibly estimated limit."""
    back = add_working_days_estimated(limit.day, -before)
    return Limit(back.day, limit.estimated or back.estimated)

"""Beijing time, the one time zone people are shown. Times are stored as naive UTC
(:func:`catalog.db.utcnow`); China keeps no daylight saving time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "UTC+8")


def beijing(moment: datetime) -> datetime:
    """A stored (naive UTC) time, or an aware one, in Beijing time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def beijing_day(moment: datetime) -> date:
    """The Beijing calendar day of a stored (naive UTC) moment."""
    return beijing(moment).date()

"""A quarter of the Beijing calendar (the figures are published for China's quarters).

Times are stored as naive UTC (:func:`catalog.db.utcnow`): a quarter's ``start`` and ``end``
are its first and last Beijing moments, in naive UTC; ``first_day`` and ``last_day`` its
Beijing calendar days (the days the hit counters are kept by).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from catalog.beijing import beijing_day
from catalog.quality.figures import parse_quarter, quarter_end, quarter_of

BEIJING_OFFSET = timedelta(hours=8)


@dataclass(frozen=True)
class Quarter:
    code: str  # "2026Q3"
    first_day: date
    last_day: date
    # what the providers of one computation share (facts loaded once); never compared
    cache: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def start(self) -> datetime:
        """The first moment of the quarter in Beijing, as naive UTC (inclusive)."""
        return datetime.combine(self.first_day, datetime.min.time()) - BEIJING_OFFSET

    @property
    def end(self) -> datetime:
        """The first moment after the quarter in Beijing, as naive UTC (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), datetime.min.time()) - (
            BEIJING_OFFSET
        )

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def quarter(code: str) -> Quarter:
    """The quarter written like ``2026Q3`` (ValueError otherwise)."""
    year, number = parse_quarter(code)
    normal = f"{year}Q{number}"
    return Quarter(normal, date(year, 3 * number - 2, 1), quarter_end(normal))


def current(now: datetime) -> Quarter:
    """The quarter a stored (naive UTC) moment falls in, on the Beijing calendar."""
    return quarter(quarter_of(beijing_day(now)))


def previous(of: Quarter) -> Quarter:
    return quarter(quarter_of(of.first_day - timedelta(days=1)))

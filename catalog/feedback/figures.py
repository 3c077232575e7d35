"""The loop's figures per department, for the quarterly statistics and the quality index.

:func:`department_figures` counts the reports *received* in ``[start, end)`` (naive UTC), per
department id (the department of the dataset when it was reported):

- ``received``: all of them; ``fixed``: of those, the correction published (by ``end``);
  ``rejected``: rejected (by ``end``);
- ``due``: those answered by ``end`` or whose limit day passed before ``end``'s Beijing day;
- ``answered_in_time``: answered (rejection or correction published) on or before the limit
  day; ``overdue``: answered after it, or unanswered with the limit passed;
- ``share_in_time``: ``answered_in_time / due`` (None when nothing was due yet);
- ``median_days_to_fix``: the median of received → correction published, in days (None
  when nothing was fixed).

:func:`responsiveness` is the quality index's component of a department: 100 × the share
answered in time over the last year, None for a department that had no report due.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.feedback.models import ProblemReport
from catalog.workdays import beijing_day

RESPONSIVENESS_DAYS = 365  # the window of the quality index's responsiveness


@dataclass
class DepartmentFigures:
    department_id: int | None
    received: int = 0
    fixed: int = 0
    rejected: int = 0
    due: int = 0
    answered_in_time: int = 0
    overdue: int = 0
    days_to_fix: list[float] = field(default_factory=list, repr=False)

    @property
    def share_in_time(self) -> float | None:
        return self.answered_in_time / self.due if self.due else None

    @property
    def median_days_to_fix(self) -> float | None:
        return round(statistics.median(self.days_to_fix), 2) if self.days_to_fix else None

    def to_dict(self) -> dict[str, Any]:
        found = asdict(self)
        del found["days_to_fix"]
        return found | {"share_in_time": self.share_in_time,
                        "median_days_to_fix": self.median_days_to_fix}  # fmt: skip


def department_figures(
    session: Session, start: datetime, end: datetime
) -> dict[int | None, DepartmentFigures]:
    """The figures of the reports received in ``[start, end)``, per department id."""
    found: dict[int | None, DepartmentFigures] = {}
    end_day = beijing_day(end)
    rows = session.scalars(
        select(ProblemReport).where(
            ProblemReport.received_at >= start, ProblemReport.received_at < end
        )
    )
    for report in rows:
        item = found.setdefault(report.department_id, DepartmentFigures(report.department_id))
        _count(item, report, end, end_day)
    return found


def _count(item: DepartmentFigures, report: ProblemReport, end: datetime, end_day: date) -> None:
    item.received += 1
    if report.fixed_at is not None and report.fixed_at < end:
        item.fixed += 1
        item.days_to_fix.append((report.fixed_at - report.received_at).total_seconds() / 86400)
    if report.rejection_reason is not None and report.answered_at is not None:
        item.rejected += report.answered_at < end
    answered = report.answered_at is not None and report.answered_at < end
    if answered:
        item.due += 1
        if report.answered_in_time:
            item.answered_in_time += 1
        else:
            item.overdue += 1
    elif end_day > report.limit_day:
        item.due += 1
        item.overdue += 1


def responsiveness(session: Session, today: date) -> dict[int, float]:
    """100 × the share answered in time in the last year, per department that had reports due."""
    end = datetime.combine(today + timedelta(days=1), datetime.min.time()) - timedelta(hours=8)
    start = end - timedelta(days=RESPONSIVENESS_DAYS)
    return {
        department: 100.0 * share
        for department, figures in department_figures(session, start, end).items()
        if department is not None and (share := figures.share_in_time) is not None
    }

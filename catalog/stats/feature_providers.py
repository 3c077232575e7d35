"""The providers of the measures other features own: reuses, problem reports, data requests.

- reuses: the reuses approved in the quarter (and still approved), counted once for each
  department whose datasets they use;
- problem reports: :func:`catalog.feedback.figures.department_figures` of the quarter
  (received, fixed, overdue, by the department of the dataset reported);
- data requests: :func:`catalog.datarequests.stats.figures` of the quarter (routed to the
  department, answered by it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datarequests.stats import figures as request_figures
from catalog.feedback.figures import department_figures
from catalog.models import Dataset
from catalog.reuses.models import APPROVED, Reuse, ReuseDataset
from catalog.stats.quarters import Quarter


def reuses(session: Session, quarter: Quarter) -> Mapping[int | None, float]:
    rows = session.execute(
        select(Reuse.id, Dataset.department_id)
        .join(ReuseDataset, ReuseDataset.reuse_id == Reuse.id)
        .join(Dataset, Dataset.id == ReuseDataset.dataset_id)
        .where(
            Reuse.state == APPROVED,
            Reuse.decided_at >= quarter.start,
            Reuse.decided_at < quarter.end,
        )
        .distinct()
    ).all()
    found: dict[int | None, float] = defaultdict(int)
    for _reuse, department in rows:
        found[department] += 1
    return dict(found)


def problem_figures(
    session: Session, start: datetime, end: datetime
) -> dict[int | None, dict[str, Any]]:
    return {
        department: figures.to_dict()
        for department, figures in department_figures(session, start, end).items()
    }


def data_request_figures(
    session: Session, start: datetime, end: datetime
) -> dict[int | None, dict[str, Any]]:
    return {
        item.department_id: {"received": item.received, "answered": item.answered}
        for item in request_figures(session, start, end)
    }

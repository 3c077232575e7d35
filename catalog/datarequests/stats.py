"""The figures of data requests for the quarterly statistics: per department, the requests
routed to it (received) and those it answered, in a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.datarequests.models import DataRequest, DataRequestEvent
from catalog.models import Department


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    department: str  # its name
    received: int  # routed to it in the period (a request routed twice counts for each)
    answered: int  # requests it answered in the period (each request once)


def figures(session: Session, start: datetime, end: datetime) -> list[DepartmentFigures]:
    """Counts per department for ``start`` ≤ time < ``end`` (UTC, naive, as stored), from the
    requests' history: a routing counts for the department routed to, an answer for the
    department the request was routed to when it was answered. Departments with no request
    in the period are left out; ordered by name."""
    received: dict[int | None, int] = dict(
        session.execute(
            select(DataRequestEvent.department_id, func.count(DataRequestEvent.id))
            .where(
                DataRequestEvent.event == "route",
                DataRequestEvent.at >= start,
                DataRequestEvent.at < end,
                DataRequestEvent.department_id.is_not(None),
            )
            .group_by(DataRequestEvent.department_id)
        ).all()
    )
    answered: dict[int | None, int] = dict(
        session.execute(
            select(DataRequest.department_id, func.count(func.distinct(DataRequest.id)))
            .join(DataRequestEvent, DataRequestEvent.request_id == DataRequest.id)
            .where(
                DataRequestEvent.event == "answer",
                DataRequestEvent.at >= start,
                DataRequestEvent.at < end,
                DataRequest.department_id.is_not(None),
            )
            .group_by(DataRequest.department_id)
        ).all()
    )
    ids = {dep for dep in (*received, *answered) if dep is not None}
    if not ids:
        return []
    names = dict(
        session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all()
    )
    rows = [
        DepartmentFigures(
            dep, names.get(dep, ""), int(received.get(dep, 0)), int(answered.get(dep, 0))
        )
        for dep in ids
    ]
    return sorted(rows, key=lambda row: (row.department, row.department_id))

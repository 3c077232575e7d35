"""What staff need beyond one application: the administrator's filtered listing and its CSV,
the overdue figures of the dashboard, the reviewers a reminder goes to, the days left of a
limit, and what a reviewer is shown of an applicant's identity.

- :func:`listing`: :func:`catalog.applications.queries.all_applications` (``applications.
  manage``) filtered by state, department and overdue; :func:`csv_rows` the same as CSV cells,
  formula-neutralised (:mod:`catalog.cells`).
- :func:`overdue_figures`: overdue reviews and overdue usage reports, counted.
- :func:`reviewers_of`: the live accounts reviewing for a department (its own reviewers and
  those of the departments above it, whose role covers it).
- :func:`days_left`: working days from today to a limit (negative once past it).
- :func:`identifiers`: an applicant's identifiers checked at registration, masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.models import ENTERPRISE, INDIVIDUAL, INSTITUTION, REVIEWER, RoleGrant, User
from catalog.applications import states
from catalog.applications.models import Application
from catalog.applications.queries import Row, all_applications, overdue_reports
from catalog.beijing import beijing
from catalog.cells import safe_row
from catalog.errors import CatalogError
from catalog.masking.rules import mask_middle
from catalog.models import Department
from catalog.permissions import Actor, department_lineage
from catalog.publishing.acts import ensure
from catalog.workdays import Limit, working_days_between

CSV_HEADER = ("reference", "state", "dataset", "department", "applicant", "applicant_kind",
              "submitted_at", "limit_day", "limit_estimated", "overdue", "decided_at")  # fmt: skip


@dataclass(frozen=True)
class ListFilter:
    """What the administrator's list is cut to; None: no cut."""

    state: str | None = None
    department_id: int | None = None
    overdue: bool = False

    def as_change(self) -> dict[str, object]:
        return {"state": self.state, "department": self.department_id, "overdue": self.overdue}


def listing(session: Session, actor: Actor, today: date, filters: ListFilter) -> list[Row]:
    """Every application but drafts, the nearest limit first, cut to ``filters``; an unknown
    state is refused (``unknown-state``) rather than listing everything."""
    if filters.state is not None and filters.state not in states.STATES:
        raise CatalogError(f"no state {filters.state!r}", code="unknown-state")
    rows = all_applications(session, actor, today, filters.state)
    if filters.department_id is not None:
        rows = [row for row in rows if row.dataset.department_id == filters.department_id]
    if filters.overdue:
        rows = [row for row in rows if row.overdue]
    return rows


def csv_rows(session: Session, rows: list[Row]) -> Iterator[list[object]]:
    """The header, then one row per application; times in Beijing time; no personal data
    beyond the applicant's pseudonym and kind."""
    names = department_names(session)
    yield list(CSV_HEADER)
    for row in rows:
        application = row.application
        yield safe_row([
            application.reference,
            application.state,
            row.dataset.title,
            names.get(row.dataset.department_id or 0, ""),
            row.applicant.pseudonym,
            row.applicant.kind,
            _time(application.submitted_at),
            row.limit.day.isoformat() if row.limit else "",
            "yes" if row.limit and row.limit.estimated else "",
            "yes" if row.overdue else "",
            _time(application.decided_at),
        ])  # fmt: skip


def department_names(session: Session) -> dict[int, str]:
    return {key: name for key, name in session.execute(select(Department.id, Department.name))}


def _time(moment: datetime | None) -> str:
    return beijing(moment).isoformat(timespec="seconds") if moment else ""


@dataclass(frozen=True)
class OverdueFigures:
    reviews: int  # applications waiting for a reviewer past their limit
    reports: int  # active grants whose usage report is overdue


def overdue_figures(session: Session, actor: Actor, now: datetime) -> OverdueFigures:
    ensure(session, actor, "applications.manage", None)
    today = beijing(now).date()
    reviews = sum(row.overdue for row in all_applications(session, actor, today))
    return OverdueFigures(reviews, len(overdue_reports(session, now)))


def reviewers_of(session: Session, department_id: int | None) -> list[User]:
    """Live accounts holding the reviewer role for ``department_id`` or a department above it."""
    if department_id is None:
        return []
    lineage = department_lineage(session, department_id)
    found = session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == REVIEWER, RoleGrant.department_id.in_(sorted(lineage)))
        .order_by(User.id)
        .distinct()
    )
    return [user for user in found if user.active and user.email]


def limit_of(application: Application, today: date) -> tuple[Limit | None, bool]:
    """An application's review limit, and whether it is overdue (still waiting past it)."""
    if application.limit_day is None:
        return None, False
    limit = Limit(application.limit_day, application.limit_estimated)
    waiting = application.state in states.IN_REVIEWER_QUEUE
    return limit, waiting and today > limit.day


def days_left(today: date, limit: Limit) -> int:
    """Working days from ``today`` to the limit's day (0 on the day, negative past it); calendar
    days where the official calendar is unknown (the limit is then an estimate anyway)."""
    try:
        return working_days_between(today, limit.day)
    except CatalogError:
        return (limit.day - today).days


@dataclass(frozen=True)
class Identifier:
    kind: str  # "name", "organization", "credit-code", "id-number", "department"
    value: str


def identifiers(user: User, names: dict[int, str]) -> list[Identifier]:
    """What registration checked of ``user`` (the resident ID number's and the credit code's
    check characters, a government account's department, named from ``names``), the numbers
    masked: an ID number is stored only as a digest and its last four characters."""
    found: list[Identifier] = []
    if user.kind == INDIVIDUAL and user.id_number_last4:
        if user.real_name:
            found.append(Identifier("name", mask_middle(user.real_name, 1, 0)))
        found.append(Identifier("id-number", "*" * 14 + user.id_number_last4))
    elif user.kind in (ENTERPRISE, INSTITUTION) and user.credit_code:
        if user.organization_name:
            found.append(Identifier("organization", user.organization_name))
        found.append(Identifier("credit-code", mask_middle(user.credit_code, 8, 2)))
    elif user.department_id is not None and user.department_id in names:
        found.append(Identifier("department", names[user.department_id]))
    return found

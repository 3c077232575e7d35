"""What the pages read of problem reports: the public tracker (no personal data), the
department's workbench with limits and overdue flags, and a reporter's own reports.

Every list settles first (:func:`catalog.feedback.acts.close_expired`), so a page never shows
a report still waiting for a confirmation whose 7 days ran out. Overdue is computed, never
stored: a report waiting for the department after its limit day (Beijing time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.accounts.models import ADMIN, DEPARTMENT_ROLES, RoleGrant, User
from catalog.feedback import acts, states
from catalog.feedback.models import ProblemReport
from catalog.models import PUBLISHED, Dataset
from catalog.permissions import Actor, acting_departments, can, department_lineage
from catalog.workdays import beijing_day

MAX_LISTED = 200


def is_overdue(report: ProblemReport, today: date) -> bool:
    return report.state in states.WITH_DEPARTMENT and today > report.limit_day


@dataclass(frozen=True)
class PublicStep:
    event: str
    role: str  # reporter, department or system: never a name
    at: datetime
    note: str | None


@dataclass(frozen=True)
class PublicReport:
    """A report as anyone may see it: no contact, no account, no name."""

    reference: str
    kind: str
    description: str | None  # None for a privacy concern: not repeated in public
    distribution_id: str | None  # these three also None for a privacy concern: they would
    row_ref: str | None  # point at the very cell that leaks
    column_ref: str | None
    state: str
    received_at: datetime
    limit_day: date
    limit_estimated: bool
    extended: bool
    overdue: bool
    rejection_reason: str | None
    feedback: str | None
    steps: tuple[PublicStep, ...]


def public_view(report: ProblemReport, today: date) -> PublicReport:
    hidden = report.kind == "privacy"
    steps = tuple(
        PublicStep(e.event, e.role, e.at, None if hidden and e.role == states.REPORTER else e.note)
        for e in report.events
    )
    return PublicReport(
        reference=report.reference,
        kind=report.kind,
        description=None if hidden else report.description,
        distribution_id=None if hidden else report.distribution_id,
        row_ref=None if hidden else report.row_ref,
        column_ref=None if hidden else report.column_ref,
        state=report.state,
        received_at=report.received_at,
        limit_day=report.limit_day,
        limit_estimated=report.limit_estimated,
        extended=report.extended,
        overdue=is_overdue(report, today),
        rejection_reason=report.rejection_reason,
        feedback=report.feedback,
        steps=steps,
    )


def tracker(session: Session, dataset: Dataset, now: datetime) -> list[PublicReport]:
    """The reports of ``dataset``, newest first, as anyone may see them."""
    acts.close_expired(session, now, dataset.id)
    found = session.scalars(
        select(ProblemReport)
        .where(ProblemReport.dataset_id == dataset.id)
        .options(selectinload(ProblemReport.events))  # one query for every report's steps
        .order_by(ProblemReport.received_at.desc(), ProblemReport.id.desc())
        .limit(MAX_LISTED)
    )
    today = beijing_day(now)
    return [public_view(r, today) for r in found]


def open_count(session: Session, dataset_id: str, now: datetime) -> int:
    """Reports of the dataset not settled yet (waiting for the department or a confirmation
    whose 7 days have not run out): a read only, for the dataset page."""
    waiting = ProblemReport.state.in_(sorted(states.WITH_DEPARTMENT))
    confirming = (ProblemReport.state == states.PUBLISHED) & (
        ProblemReport.feedback_at > now - acts.CLOSE_AFTER
    )
    return (
        session.scalar(
            select(func.count(ProblemReport.id)).where(
                ProblemReport.dataset_id == dataset_id, waiting | confirming
            )
        )
        or 0
    )


@dataclass(frozen=True)
class WorkItem:
    report: ProblemReport
    dataset_title: str
    dataset_slug: str
    overdue: bool
    actions: tuple[str, ...]


def workbench(
    session: Session, actor: Actor, now: datetime, include_settled: bool = False
) -> list[WorkItem]:
    """The reports on published datasets where ``actor`` may handle them (of the departments
    the datasets belong to now; every one for an administrator): overdue first, then by limit
    day."""
    everything = can(session, actor, acts.HANDLE_ANY)
    departments = acting_departments(session, actor, acts.HANDLE)
    if not departments and not everything:
        return []
    acts.close_expired(session, now)
    query = (
        select(ProblemReport, Dataset.title, Dataset.slug)
        .join(Dataset, Dataset.id == ProblemReport.dataset_id)
        .where(Dataset.state == PUBLISHED)
    )
    if not everything:
        query = query.where(Dataset.department_id.in_(sorted(departments)))
    if not include_settled:
        query = query.where(ProblemReport.state.in_(sorted(states.OPEN)))
    today = beijing_day(now)
    items = [
        WorkItem(report, title, slug, is_overdue(report, today),
                 tuple(department_actions(report, today)))
        for report, title, slug in session.execute(query.limit(MAX_LISTED))
    ]  # fmt: skip
    items.sort(key=lambda i: (not i.overdue, i.report.limit_day, i.report.id))
    return items


def department_actions(report: ProblemReport, today: date | None = None) -> list[str]:
    """The department's buttons on ``report`` now (extend only once, and only until the limit
    day, Beijing time: ``today``)."""
    found = states.next_events(report.state, states.DEPARTMENT)
    late = today is not None and today > report.limit_day
    return [e for e in found if not (e == states.EXTEND and (report.extended or late))]


def reports_of(session: Session, user_id: int, now: datetime) -> list[ProblemReport]:
    """A signed-in reporter's own reports, newest first."""
    found = list(
        session.scalars(
            select(ProblemReport)
            .where(ProblemReport.user_id == user_id)
            .order_by(ProblemReport.received_at.desc())
            .limit(MAX_LISTED)
        )
    )
    for report in found:
        acts.settle(session, report, now)
    return found


def handlers_of(session: Session, department_id: int | None) -> list[User]:
    """Live accounts with an e-mail who may handle reports of ``department_id`` (publishers and
    reviewers of it or of a department above it; the administrators for a dataset of no
    department), to be told of a new report."""
    if department_id is None:
        granted = RoleGrant.role == ADMIN
    else:
        lineage = department_lineage(session, department_id)
        granted = RoleGrant.role.in_(sorted(DEPARTMENT_ROLES)) & RoleGrant.department_id.in_(
            sorted(lineage)
        )
    found = session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(granted)
        .order_by(User.id)
        .distinct()
    )
    return [user for user in found if user.active and user.email]

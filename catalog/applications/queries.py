"""What the pages list of applications and grants, and the public figures of a dataset.

- :func:`reviewer_queue`: the applications waiting for a reviewer in the actor's departments,
  by time limit, overdue ones flagged; :func:`all_applications` for an administrator;
  :func:`own_applications` for an applicant.
- :func:`due_reminders` (and :func:`mark_reminded`): reviewers to remind two working days
  before a limit (the mailer sends; this only says to whom and marks it done).
- :func:`overdue_reports`: active grants whose last usage report is older than the conditions'
  interval; :func:`report_status` one grant's next report; :func:`due_report_reminders` (and
  :func:`mark_report_reminded`): overdue reports not reminded yet in their due period.
- :func:`public_counts`: numbers only, for everybody, never a name.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from catalog import conditions
from catalog.accounts.models import User
from catalog.applications import states
from catalog.applications.acts import SYSTEM_ACTOR
from catalog.applications.models import (
    ACTIVE,
    Application,
    ApplicationEvent,
    Grant,
    UsageReport,
)
from catalog.audit import AuditEntry, Origin
from catalog.audit_acts import record_act
from catalog.errors import CatalogError
from catalog.models import Dataset
from catalog.permissions import Actor, acting_departments
from catalog.publishing.acts import CLI, ensure
from catalog.workdays import Limit, beijing_day, reminder_day, working_days_between

MAX_ROWS = 1000  # rows of one listing


@dataclass(frozen=True)
class Row:
    """One application as a list shows it, with its dataset and applicant (for staff)."""

    application: Application
    dataset: Dataset
    applicant: User
    limit: Limit | None
    overdue: bool


def reviewer_queue(session: Session, actor: Actor, today: date) -> list[Row]:
    """Applications waiting for a reviewer (submitted, under review, resubmitted) of datasets
    of the departments ``actor`` reviews for, the nearest limit first; none for others."""
    departments = acting_departments(session, actor, "application.review")
    if not departments:
        return []
    query = _listing().where(
        Application.state.in_(states.IN_REVIEWER_QUEUE),
        Dataset.department_id.in_(sorted(departments)),
    )
    return _rows(session, query, today)


def all_applications(
    session: Session, actor: Actor, today: date, state: str | None = None
) -> list[Row]:
    """Every application but drafts (an administrator's), the nearest limit first."""
    ensure(session, actor, "applications.manage", None)
    query = _listing().where(Application.state != states.DRAFT)
    if state is not None:
        query = query.where(Application.state == state)
    return _rows(session, query, today)


def own_applications(session: Session, actor: Actor) -> list[Application]:
    """The actor's own applications, newest first."""
    if actor.user_id is None:
        return []
    return list(
        session.scalars(
            select(Application)
            .where(Application.user_id == actor.user_id)
            .order_by(Application.created_at.desc(), Application.id.desc())
            .limit(MAX_ROWS)
        )
    )


def _listing() -> Select[Application, Dataset, User]:
    return (
        select(Application, Dataset, User)
        .join(Dataset, Dataset.id == Application.dataset_id)
        .join(User, User.id == Application.user_id)
        .order_by(Application.limit_day.is_(None), Application.limit_day, Application.id)
        .limit(MAX_ROWS)
    )


def _rows(session: Session, query: Select[Application, Dataset, User], today: date) -> list[Row]:
    rows = []
    for application, dataset, user in session.execute(query):
        limit = None
        if application.limit_day is not None:
            limit = Limit(application.limit_day, application.limit_estimated)
        waiting = application.state in states.IN_REVIEWER_QUEUE
        overdue = waiting and limit is not None and today > limit.day
        rows.append(Row(application, dataset, user, limit, overdue))
    return rows


def due_reminders(session: Session, today: date) -> list[Application]:
    """Applications waiting for a reviewer whose reminder day (two working days before the
    limit) is ``today`` or past, not reminded yet since their last submission."""
    waiting = session.scalars(
        select(Application)
        .where(
            Application.state.in_(states.IN_REVIEWER_QUEUE),
            Application.limit_day.is_not(None),
            Application.reminded_at.is_(None),
        )
        .order_by(Application.limit_day, Application.id)
    )
    due = []
    for application in waiting:
        assert application.limit_day is not None
        limit = Limit(application.limit_day, application.limit_estimated)
        try:
            remind = reminder_day(limit).day
        except CatalogError:
            remind = limit.day  # a calendar not known backwards: remind on the day itself
        if remind <= today:
            due.append(application)
    return due


def mark_reminded(applications: Collection[Application], now: datetime) -> None:
    for application in applications:
        application.reminded_at = now


@dataclass(frozen=True)
class OverdueReport:
    """An active grant whose usage report is owed: since ``due_since``, one interval after the
    last report (or the grant's start when none was filed)."""

    grant: Grant
    last_report: datetime | None  # None: none filed since the grant started
    due_since: datetime
    dataset: Dataset
    applicant: User

    def days_overdue(self, now: datetime) -> int:
        """Whole days since the report fell due (0 on its first day)."""
        return max((now - self.due_since).days, 0)


@dataclass(frozen=True)
class ReportStatus:
    """Where one grant stands with its usage reports, as the reviewer's page shows it."""

    interval_days: int
    last_report: datetime | None
    due_at: datetime  # the next report's due moment (past when overdue)
    overdue: bool


def report_due(interval_days: int, last_report: datetime | None, starts_at: datetime) -> datetime:
    """When the next report of a grant is due: one interval after the last, or the start."""
    return (last_report or starts_at) + timedelta(days=interval_days)


def report_status(session: Session, grant: Grant, now: datetime) -> ReportStatus | None:
    """The next report of an active grant, and whether it is overdue; None when the grant is
    not active or its conditions set no interval."""
    if grant.state != ACTIVE or grant.ends_at <= now:
        return None
    dataset = session.get(Dataset, grant.dataset_id)
    stated = conditions.of(dataset.conditions) if dataset is not None else None
    if stated is None or stated.report_interval_days is None:
        return None
    last = max((report.filed_at for report in grant.reports), default=None)
    due = report_due(stated.report_interval_days, last, grant.starts_at)
    return ReportStatus(stated.report_interval_days, last, due, due <= now)


def overdue_reports(
    session: Session, now: datetime, departments: Collection[int] | None = None
) -> list[OverdueReport]:
    """Active grants (of datasets of ``departments``, or all) whose conditions set a report
    interval and whose last report, or start, is older than it; the longest overdue first."""
    last = (
        select(UsageReport.grant_id, func.max(UsageReport.filed_at).label("last"))
        .group_by(UsageReport.grant_id)
        .subquery()
    )
    query = (
        select(Grant, Dataset, User, last.c.last)
        .join(Dataset, Dataset.id == Grant.dataset_id)
        .join(User, User.id == Grant.user_id)
        .outerjoin(last, last.c.grant_id == Grant.id)
        .where(Grant.state == ACTIVE, Grant.ends_at > now)
        .order_by(Grant.starts_at, Grant.id)
    )
    if departments is not None:
        query = query.where(Dataset.department_id.in_(sorted(departments)))
    found = []
    for grant, dataset, user, last_filed in session.execute(query):
        stated = conditions.of(dataset.conditions)
        if stated is None or stated.report_interval_days is None:
            continue
        due = report_due(stated.report_interval_days, last_filed, grant.starts_at)
        if due <= now:
            found.append(OverdueReport(grant, last_filed, due, dataset, user))
    return sorted(found, key=lambda item: (item.due_since, item.grant.id))


REPORT_REMINDER = "usage-report.remind"  # the audit action of a reminder of an overdue report


def due_report_reminders(session: Session, now: datetime) -> list[OverdueReport]:
    """Overdue usage reports whose reminder for this due period was not sent yet.

    No column marks it: each reminder is an audit row (:func:`mark_report_reminded`) naming
    the grant and the moment the report fell due, so a report filed late opens a new period
    (a new due moment) and a new reminder, and an auditor sees every reminder sent."""
    owed = overdue_reports(session, now)
    if not owed:
        return []
    sent = {
        (reference, summary)
        for reference, summary in session.execute(
            select(AuditEntry.object_id, AuditEntry.summary).where(
                AuditEntry.action == REPORT_REMINDER,
                AuditEntry.object_type == "application",
                AuditEntry.object_id.in_(sorted(_reference(item) for item in owed)),
            )
        )
    }
    return [item for item in owed if (_reference(item), _period(item)) not in sent]


def mark_report_reminded(
    session: Session, item: OverdueReport, now: datetime, origin: Origin = CLI
) -> None:
    """Record that ``item``'s reviewers and grantee were reminded: one audit row by the portal
    (``system``) on the application, beside its ``usage-report.file`` rows."""
    record_act(session, SYSTEM_ACTOR, origin, REPORT_REMINDER, role=states.SYSTEM,
               object_type="application", object_id=item.grant.application.reference,
               summary=_period(item), now=now)  # fmt: skip


def _reference(item: OverdueReport) -> str:
    return item.grant.application.reference


def _period(item: OverdueReport) -> str:
    return "due " + item.due_since.isoformat(timespec="seconds")


@dataclass(frozen=True)
class PublicCounts:
    """What everybody may know of a conditional dataset's applications: numbers only."""

    applications: int  # submitted at least once
    approvals: int
    rejections: int
    active_grants: int
    usage_reports: int
    median_review_days: float | None  # working days from (last) submission to decision


def public_counts(session: Session, dataset: Dataset, now: datetime) -> PublicCounts:
    submitted = select(Application.id).where(
        Application.dataset_id == dataset.id, Application.submitted_at.is_not(None)
    )
    events = (
        select(ApplicationEvent.event, func.count())
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(Application.dataset_id == dataset.id)
        .where(ApplicationEvent.event.in_([states.APPROVE, states.REJECT]))
        .group_by(ApplicationEvent.event)
    )
    decided: dict[str, int] = {event: count for event, count in session.execute(events)}
    active = select(func.count()).where(
        Grant.dataset_id == dataset.id,
        Grant.state == ACTIVE,
        Grant.starts_at <= now,
        Grant.ends_at > now,
    )
    reports = (
        select(func.count())
        .select_from(UsageReport)
        .join(Grant, Grant.id == UsageReport.grant_id)
        .where(Grant.dataset_id == dataset.id)
    )
    return PublicCounts(
        applications=session.scalar(select(func.count()).select_from(submitted.subquery())) or 0,
        approvals=decided.get(states.APPROVE, 0),
        rejections=decided.get(states.REJECT, 0),
        active_grants=session.scalar(active) or 0,
        usage_reports=session.scalar(reports) or 0,
        median_review_days=_median_review(session, dataset),
    )


def _median_review(session: Session, dataset: Dataset) -> float | None:
    times = session.execute(
        select(Application.submitted_at, Application.decided_at).where(
            Application.dataset_id == dataset.id,
            Application.submitted_at.is_not(None),
            Application.decided_at.is_not(None),
        )
    )
    days = []
    for submitted_at, decided_at in times:
        if submitted_at is None or decided_at is None:
            continue
        try:
            days.append(working_days_between(beijing_day(submitted_at), beijing_day(decided_at)))
        except CatalogError:
            continue  # a year the calendar does not know: left out rather than guessed
    return float(statistics.median(days)) if days else None


def own_grants(session: Session, actor: Actor) -> list[tuple[Grant, Dataset]]:
    """The grants made to the actor, with their datasets, the latest first."""
    if actor.user_id is None:
        return []
    rows = session.execute(
        select(Grant, Dataset)
        .join(Dataset, Dataset.id == Grant.dataset_id)
        .where(Grant.user_id == actor.user_id)
        .order_by(Grant.starts_at.desc(), Grant.id)
        .limit(MAX_ROWS)
    )
    return [(grant, dataset) for grant, dataset in rows]

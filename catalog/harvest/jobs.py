"""Harvest jobs: start, record outcomes, finish or fail; expire jobs past their time limit.

Service functions: they take a session and never commit. At most one job of a source runs at
a time (a partial unique index says so to the database as well). A job holds a lease
(:mod:`catalog.leases`): its owner renews ``heartbeat_at`` every few seconds, and the next
start marks it failed (``owner-died``) once the heartbeat is older than the lease, or at once
when the owner was a process of this host that is gone; a job still running past its time
limit is marked failed too. So a job whose process was killed never blocks its source.

The per-record log is pruned (:func:`prune_job_records`): a source keeps the record rows of its
last N jobs, and always those of its latest successful job, which say what the source holds
now (the conflicts shown on dataset pages, :mod:`catalog.harvest.conflicts`, read them). The
job rows and their counts are never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.errors import CatalogError
from catalog.harvest.models import (
    FAILED,
    OUTCOMES,
    RUNNING,
    SUCCEEDED,
    HarvestJob,
    HarvestJobRecord,
    HarvestSource,
)
from catalog.harvest.prepare import clean_text
from catalog.leases import abandoned, new_owner

TIME_LIMIT_CODE = "time-limit-exceeded"
OWNER_DIED_CODE = "owner-died"
DEFAULT_LEASE = timedelta(seconds=30)


class JobRunning(CatalogError):
    code = "job-already-running"


def start_job(
    session: Session,
    source: HarvestSource,
    now: datetime,
    time_limit: timedelta,
    lease: timedelta = DEFAULT_LEASE,
    owner: str | None = None,
) -> HarvestJob:
    """A new running job of ``source``, owned by ``owner`` (:func:`catalog.leases.new_owner`);
    refused while another one runs within its time limit and its owner is alive."""
    expire_stale_jobs(session, now, time_limit, source.id)
    expire_dead_jobs(session, now, lease, source.id)
    running = session.scalar(
        select(HarvestJob.id).where(HarvestJob.source_id == source.id, HarvestJob.status == RUNNING)
    )
    if running is not None:
        raise JobRunning(f"job {running} of {source.name} is still running")
    job = HarvestJob(
        source_id=source.id,
        status=RUNNING,
        started_at=now,
        notes=[],
        owner=owner or new_owner(),
        heartbeat_at=now,
    )
    session.add(job)
    try:
        session.flush()
    except IntegrityError:  # the caller's transaction rolls back
        raise JobRunning(f"another job of {source.name} has just started") from None
    return job


def expire_stale_jobs(
    session: Session, now: datetime, time_limit: timedelta, source_id: int | None = None
) -> int:
    """Mark failed every job still running past ``time_limit``; the number marked."""
    stmt = (
        update(HarvestJob)
        .where(HarvestJob.status == RUNNING, HarvestJob.started_at < now - time_limit)
        .values(
            status=FAILED,
            finished_at=now,
            error_code=TIME_LIMIT_CODE,
            error_message=f"still running after {time_limit}; marked failed",
        )
        .execution_options(synchronize_session="fetch")
    )
    if source_id is not None:
        stmt = stmt.where(HarvestJob.source_id == source_id)
    return session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]


def expire_dead_jobs(
    session: Session, now: datetime, lease: timedelta, source_id: int | None = None
) -> int:
    """Mark failed (``owner-died``) every running job whose owner is gone: its heartbeat is
    older than ``lease``, or its owner was a process of this host that no longer runs. The
    number marked."""
    stmt = select(HarvestJob.id, HarvestJob.owner, HarvestJob.heartbeat_at, HarvestJob.started_at)
    stmt = stmt.where(HarvestJob.status == RUNNING)
    if source_id is not None:
        stmt = stmt.where(HarvestJob.source_id == source_id)
    marked = 0
    for job_id, owner, heartbeat_at, started_at in session.execute(stmt).all():
        why = abandoned(owner, heartbeat_at or started_at, now, lease)
        if why is None:
            continue
        died = (
            update(HarvestJob)
            .where(HarvestJob.id == job_id, HarvestJob.status == RUNNING)
            .where(HarvestJob.owner.is_(None) if owner is None else HarvestJob.owner == owner)
            .values(
                status=FAILED,
                finished_at=now,
                error_code=OWNER_DIED_CODE,
                error_message=f"{why}; marked failed",
            )
            .execution_options(synchronize_session="fetch")
        )
        marked += session.execute(died).rowcount or 0  # type: ignore[attr-defined]
    return marked


def renew_lease(session: Session, job_id: int, owner: str, now: datetime) -> bool:
    """Say that ``owner`` still runs the job; False when the job is no longer its own (it was
    marked failed, by a start that took the owner for dead)."""
    result = session.execute(
        update(HarvestJob)
        .where(HarvestJob.id == job_id, HarvestJob.owner == owner, HarvestJob.status == RUNNING)
        .values(heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


def finish_job(session: Session, job: HarvestJob, now: datetime) -> HarvestJob:
    job.status = SUCCEEDED
    job.finished_at = now
    session.flush()
    return job


def fail_job(
    session: Session, job: HarvestJob, code: str, message: str, now: datetime
) -> HarvestJob:
    job.status = FAILED
    job.finished_at = now
    job.error_code = code
    job.error_message = clean_text(message)[:2000]
    job.notes = [clean_text(note) for note in job.notes or []]
    session.flush()
    return job


def record_outcomes(session: Session, job: HarvestJob, rows: Sequence[dict[str, Any]]) -> None:
    """Store one row per record (remote_id, title, dataset_id, outcome, errors, warnings) in
    one statement, and add them to the job's counts. Text the database cannot hold (a record
    rejected for ``invalid-text`` brings it) is stored with escapes (:func:`clean_text`)."""
    unknown = {row["outcome"] for row in rows} - set(OUTCOMES)
    if unknown:
        raise ValueError(f"unknown outcomes {sorted(unknown)}")
    if not rows:
        return
    session.execute(
        insert(HarvestJobRecord),
        [
            {
                "job_id": job.id,
                "remote_id": clean_text(row["remote_id"])[:500],
                "title": (row.get("title") or None) and clean_text(str(row["title"]))[:500],
                "dataset_id": row.get("dataset_id"),
                "outcome": row["outcome"],
                "errors": _clean_issues(row.get("errors")),
                "warnings": _clean_issues(row.get("warnings")),
            }
            for row in rows
        ],
    )
    for row in rows:  # the job's count columns are named after the outcomes
        outcome = row["outcome"]
        setattr(job, outcome, getattr(job, outcome) + 1)


def _clean_issues(issues: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [
        {k: clean_text(v) if isinstance(v, str) else v for k, v in issue.items()}
        for issue in issues or []
    ]


def last_success_started(session: Session, source_id: int) -> datetime | None:
    """When the last successful job of the source started: the start of an incremental run."""
    return session.scalar(
        select(func.max(HarvestJob.started_at)).where(
            HarvestJob.source_id == source_id, HarvestJob.status == SUCCEEDED
        )
    )


def latest_successes() -> Select[int]:
    """The id of each source's latest successful job (a subquery)."""
    return (
        select(func.max(HarvestJob.id))
        .where(HarvestJob.status == SUCCEEDED)
        .group_by(HarvestJob.source_id)
    )


def prune_job_records(session: Session, source_id: int, keep: int) -> int:
    """Delete the record rows of the source's jobs older than its ``keep`` latest, except
    those of its latest successful job; the number deleted. ``keep`` 0 keeps everything."""
    if keep <= 0:
        return 0
    kept = set(
        session.scalars(
            select(HarvestJob.id)
            .where(HarvestJob.source_id == source_id)
            .order_by(HarvestJob.id.desc())
            .limit(keep)
        )
    )
    kept |= set(session.scalars(latest_successes().where(HarvestJob.source_id == source_id)))
    older = select(HarvestJob.id).where(
        HarvestJob.source_id == source_id, HarvestJob.id.not_in(kept)
    )
    result = session.execute(
        delete(HarvestJobRecord)
        .where(HarvestJobRecord.job_id.in_(older))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def source_jobs(session: Session, source_id: int, limit: int = 50) -> list[HarvestJob]:
    return list(
        session.scalars(
            select(HarvestJob)
            .where(HarvestJob.source_id == source_id)
            .order_by(HarvestJob.id.desc())
            .limit(limit)
        )
    )


def job_records(
    session: Session,
    job_id: int,
    outcomes: Iterable[str] | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[HarvestJobRecord]:
    stmt = select(HarvestJobRecord).where(HarvestJobRecord.job_id == job_id)
    if outcomes is not None:
        stmt = stmt.where(HarvestJobRecord.outcome.in_(list(outcomes)))
    stmt = stmt.order_by(HarvestJobRecord.id).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def outcome_counts(session: Session, job_id: int) -> dict[str, int]:
    rows = session.execute(
        select(HarvestJobRecord.outcome, func.count())
        .where(HarvestJobRecord.job_id == job_id)
        .group_by(HarvestJobRecord.outcome)
    )
    return {outcome: n for outcome, n in rows}

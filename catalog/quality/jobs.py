"""The background queue: a ``job`` table, filled as data arrives, drained by a worker.

There is no task broker: a job is a row. :class:`JobTrigger` listens to a session factory
and, in the same transaction that adds or changes a distribution (an upload, a harvest),
queues a ``validate`` job for it when it is a table and an ``enrich`` job for its dataset;
a new dataset gets an ``enrich`` job and a distribution with links a ``check-links`` job
for its dataset. :mod:`catalog.quality.worker` claims and runs them (``gxdata worker``, or
the thread ``gxdata serve`` starts). Claiming is an ``UPDATE … WHERE state = 'pending'``
whose row count says who won, so several workers never run one job twice, on SQLite and
PostgreSQL alike. Service functions here take a session and never commit.

A claimed job is leased (:mod:`catalog.leases`): the worker renews its ``heartbeat_at``
while it runs it, and a job whose heartbeat is older than :data:`LEASE`, or whose worker was
a process of this host that is gone, is released for another claim (given up once it used
its :data:`MAX_ATTEMPTS`). A job that failed for lack of disk space (``ENOSPC``, a database
that says its disk is full) is :func:`deferred <defer>`: not counted as an attempt, held back
until ``not_before``, and tried again then, as often as it takes.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, event, func, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import in_chunks, utcnow
from catalog.leases import abandoned
from catalog.models import Dataset, Distribution, new_id
from catalog.quality.models import DONE, FAILED, PENDING, RUNNING, Job
from catalog.quality.validation import is_tabular

VALIDATE = "validate"
ENRICH = "enrich"
CHECK_LINKS = "check-links"
KINDS = (VALIDATE, ENRICH, CHECK_LINKS)
MAX_ATTEMPTS = 3
# A running job whose worker gave no sign of life for this long was abandoned: released.
LEASE = timedelta(seconds=60)
# A job that failed for lack of disk space is tried again no sooner than this.
DISK_FULL_BACKOFF = timedelta(minutes=5)
DISK_FULL = "disk-full"  # how the problem of a deferred job starts
WORKER_DIED = "worker-died"
# Set in session.info by work that must not queue more of itself (enrichment adds files).
QUIET = "gxdata.jobs.quiet"
_QUEUED = "gxdata.jobs.queued"  # (kind, target) queued in the current transaction


def enqueue(session: Session, kind: str, target_id: str) -> Job | None:
    """Queue ``kind`` for ``target_id`` unless the same job is already waiting; the new job."""
    if not enqueue_many(session, [(kind, target_id)]):
        return None
    stmt = select(Job).where(Job.kind == kind, Job.target_id == target_id, Job.state == PENDING)
    return session.scalar(stmt.order_by(Job.id.desc()).limit(1))


def enqueue_many(session: Session, jobs: Iterable[tuple[str, str]]) -> int:
    """Queue each ``(kind, target_id)`` unless the same job is already waiting; returns how
    many were queued. One query per few hundred targets and one multi-row INSERT, so that a
    harvest adding thousands of datasets in one flush costs a few statements.
    """
    queued: set[tuple[str, str]] = session.info.setdefault(_QUEUED, set())
    wanted = list(dict.fromkeys(job for job in jobs if job not in queued))
    if not wanted:
        return 0
    for kind, _target in wanted:
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
    connection = session.connection()
    targets = sorted({target for _kind, target in wanted})
    waiting: set[tuple[str, str]] = set()
    for chunk in in_chunks(targets):
        stmt = select(Job.kind, Job.target_id).where(Job.state == PENDING, Job.target_id.in_(chunk))
        waiting.update((kind, target) for kind, target in connection.execute(stmt))
    queued.update(wanted)
    rows = [
        {"kind": kind, "target_id": target, "state": PENDING, "attempts": 0, "result": {}}
        for kind, target in wanted
        if (kind, target) not in waiting
    ]
    if rows:
        connection.execute(insert(Job), rows)
    return len(rows)


def claim(
    session: Session, worker: str, kinds: Iterable[str] = KINDS, lease: timedelta = LEASE
) -> Job | None:
    """Take the oldest pending job of ``kinds`` for ``worker``; None when there is none.
    Jobs whose worker died are released first (:func:`release_abandoned`)."""
    kinds = list(kinds)
    release_abandoned(session, lease)
    while True:
        now = utcnow()
        candidate = session.scalar(
            select(Job.id)
            .where(Job.kind.in_(kinds), Job.state == PENDING, Job.attempts < MAX_ATTEMPTS)
            .where(Job.not_before.is_(None) | (Job.not_before <= now))
            .order_by(Job.id)
            .limit(1)
        )
        if candidate is None:
            return None
        taken = session.execute(
            update(Job)
            .where(Job.id == candidate, Job.state == PENDING)
            .values(
                state=RUNNING,
                started_at=now,
                heartbeat_at=now,
                worker=worker,
                attempts=Job.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            job = session.get(Job, candidate, populate_existing=True)
            assert job is not None
            return job


def release_abandoned(session: Session, lease: timedelta = LEASE) -> int:
    """Put back in the queue every running job whose worker is gone: its heartbeat is older
    than ``lease``, or its worker was a process of this host that no longer runs. A job that
    has used its attempts is given up instead. The number released."""
    now = utcnow()
    stmt = select(Job.id, Job.worker, Job.heartbeat_at, Job.started_at).where(Job.state == RUNNING)
    released = 0
    for job_id, worker, heartbeat_at, started_at in session.execute(stmt).all():
        if abandoned(worker, heartbeat_at or started_at or now, now, lease) is None:
            continue
        done = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == RUNNING)
            .where(Job.worker.is_(None) if worker is None else Job.worker == worker)
            .values(
                state=case((Job.attempts >= MAX_ATTEMPTS, FAILED), else_=PENDING),
                finished_at=now,
                problem=f"{WORKER_DIED}: {worker} stopped while running the job",
            )
            .execution_options(synchronize_session="fetch")
        )
        released += done.rowcount or 0  # type: ignore[attr-defined]
    return released


def renew(session: Session, job_id: int, worker: str) -> bool:
    """Say that ``worker`` still runs the job; False when it is no longer its own."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.state == RUNNING)
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


def held_by(job: Job, worker: str) -> bool:
    """Whether ``job`` (as just read) is still running for ``worker``."""
    return job.state == RUNNING and job.worker == worker


def finish(session: Session, job: Job, result: dict[str, Any]) -> None:
    job.state = DONE
    job.finished_at = utcnow()
    job.result = result
    job.problem = None
    session.flush()


def fail(session: Session, job: Job, problem: str) -> None:
    """Record a failure; the job is tried again until MAX_ATTEMPTS."""
    job.state = FAILED if job.attempts >= MAX_ATTEMPTS else PENDING
    job.finished_at = utcnow()
    job.problem = problem[:2000]
    session.flush()


def defer(session: Session, job: Job, problem: str, until: datetime) -> None:
    """Put back a job that failed for want of disk space: the attempt does not count, and it
    is not claimed before ``until``. ``problem`` says why (it starts with ``disk-full``)."""
    job.state = PENDING
    job.attempts = max(job.attempts - 1, 0)
    job.finished_at = utcnow()
    job.not_before = until
    job.problem = f"{DISK_FULL}: {problem}"[:2000]
    session.flush()


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says the disk is full: ``ENOSPC`` or ``EDQUOT``,
    SQLite's "database or disk is full", PostgreSQL's SQLSTATE 53100 (disk_full)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(current, "sqlstate", None) == "53100" or "disk is full" in str(current):
            return True
        orig = getattr(current, "orig", None)  # a DBAPIError's driver error
        stack.extend([current.__cause__, current.__context__])
        if isinstance(orig, BaseException):
            stack.append(orig)
    return False


def pending_counts(session: Session) -> dict[str, int]:
    stmt = select(Job.kind, func.count()).where(Job.state == PENDING).group_by(Job.kind)
    return {kind: count for kind, count in session.execute(stmt).all()}


class JobTrigger:
    """Queue validation, enrichment and link checks for what a transaction adds or changes."""

    WATCHED = ("stored_file", "download_url", "access_url", "format", "sha256")

    def __init__(self, session_factory: sessionmaker):
        self.session_factory = session_factory
        event.listen(session_factory, "before_flush", self._before_flush)
        event.listen(session_factory, "after_commit", self._forget)
        event.listen(session_factory, "after_soft_rollback", self._forget)

    def detach(self) -> None:
        event.remove(self.session_factory, "before_flush", self._before_flush)
        event.remove(self.session_factory, "after_commit", self._forget)
        event.remove(self.session_factory, "after_soft_rollback", self._forget)

    @staticmethod
    def _forget(session: Session, *_args: object) -> None:
        session.info.pop(_QUEUED, None)

    def _before_flush(self, session: Session, _context: object, _instances: object) -> None:
        quiet = session.info.get(QUIET, False)
        wanted: list[tuple[str, str]] = []
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, Dataset) and obj in session.new and not quiet:
                if obj.id is None:  # ids are minted at insert: mint it now to name the job
                    obj.id = new_id()
                wanted.append((ENRICH, obj.id))
            elif isinstance(obj, Distribution) and self._changed(obj, session):
                wanted.extend(self._distribution(obj, quiet))
        if wanted:
            enqueue_many(session, wanted)

    def _changed(self, distribution: Distribution, session: Session) -> bool:
        if distribution in session.new:
            return True
        state = inspect(distribution)
        return any(state.attrs[name].history.has_changes() for name in self.WATCHED)

    @staticmethod
    def _distribution(distribution: Distribution, quiet: bool) -> list[tuple[str, str]]:
        if distribution.id is None:
            distribution.id = new_id()
        dataset_id = distribution.dataset_id or (
            distribution.dataset.id if distribution.dataset is not None else None
        )
        jobs = []
        if is_tabular(distribution.format) and (
            distribution.stored_file or distribution.download_url
        ):
            jobs.append((VALIDATE, distribution.id))
        if dataset_id and not quiet:
            jobs.append((ENRICH, dataset_id))
            if distribution.access_url or distribution.download_url:
                jobs.append((CHECK_LINKS, dataset_id))
        return jobs

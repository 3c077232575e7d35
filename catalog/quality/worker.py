"""The worker that drains the job queue, and the background thread the server runs.

Each job runs in its own transaction, committed with its result, so a job that fails rolls
back alone and is marked failed (tried again up to :data:`~catalog.quality.jobs.MAX_ATTEMPTS`
times). While a job runs, a :class:`~catalog.leases.Heartbeat` thread renews its lease, so a
worker that is killed releases its job within the lease; a job that failed because the disk
was full is deferred instead (:func:`~catalog.quality.jobs.defer`), not counted, and tried
again after ``disk_full_backoff``. ``gxdata worker`` runs a :class:`Worker` in the
foreground; ``gxdata serve`` starts a :class:`BackgroundWorker` thread beside the web server,
so an upload or a harvest is validated and enriched shortly after it is committed — never in
the request that made it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.db import utcnow
from catalog.leases import Heartbeat, LeaseLost
from catalog.models import Dataset, Distribution
from catalog.quality import jobs
from catalog.quality.enrichment import EnrichContext, enrich_dataset
from catalog.quality.links import check_dataset_links
from catalog.quality.models import Job
from catalog.quality.validate import validate_distribution

log = logging.getLogger(__name__)

Handler = Callable[[Session, EnrichContext, str], dict[str, Any]]


def _validate(session: Session, context: EnrichContext, target: str) -> dict[str, Any]:
    distribution = session.get(Distribution, target)
    if distribution is None:
        return {"skipped": "distribution-gone"}
    report = validate_distribution(session, context.store, distribution, context.limits)
    if report is None:
        return {"skipped": "not-a-table"}
    return {"valid": report.valid, "errors": report.error_count, "problem": report.problem}


def _enrich(session: Session, context: EnrichContext, target: str) -> dict[str, Any]:
    dataset = session.get(Dataset, target)
    if dataset is None:
        return {"skipped": "dataset-gone"}
    session.info[jobs.QUIET] = True  # the files it derives must not queue this job again
    try:
        return enrich_dataset(session, dataset, context).summary()
    finally:
        session.info.pop(jobs.QUIET, None)


def _check_links(session: Session, context: EnrichContext, target: str) -> dict[str, Any]:
    dataset = session.get(Dataset, target)
    if dataset is None:
        return {"skipped": "dataset-gone"}
    if not context.limits.network:
        return {"skipped": "network-disabled"}
    checked = check_dataset_links(session, dataset, context.limits)
    return {"checked": len(checked), "failed": sum(not c.ok for c in checked)}


HANDLERS: dict[str, Handler] = {
    jobs.VALIDATE: _validate,
    jobs.ENRICH: _enrich,
    jobs.CHECK_LINKS: _check_links,
}


@dataclass
class Outcome:
    job_id: int
    kind: str
    target_id: str
    ok: bool
    result: dict[str, Any]


class Worker:
    def __init__(
        self,
        session_factory: sessionmaker,
        context: EnrichContext,
        kinds: Iterable[str] = jobs.KINDS,
        name: str | None = None,
        lease: timedelta = jobs.LEASE,
        disk_full_backoff: timedelta = jobs.DISK_FULL_BACKOFF,
    ):
        self.session_factory = session_factory
        self.context = context
        self.kinds = tuple(kinds)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.lease = lease
        self.disk_full_backoff = disk_full_backoff

    def run_one(self) -> Outcome | None:
        """Claim and run one job; None when the queue holds none of this worker's kinds."""
        with self.session_factory() as session:
            with session.begin():
                job = jobs.claim(session, self.name, self.kinds, self.lease)
                if job is None:
                    return None
                job_id, kind, target = job.id, job.kind, job.target_id
            heartbeat = Heartbeat(
                lambda: self._renew(job_id), self.lease.total_seconds() / 3, f"job-{job_id}"
            )
            heartbeat.start()
            try:
                return self._run(session, job_id, kind, target)
            finally:
                heartbeat.stop()

    def _run(self, session: Session, job_id: int, kind: str, target: str) -> Outcome:
        try:
            with session.begin():
                result = HANDLERS[kind](session, self.context, target)
                job = session.get(Job, job_id, populate_existing=True)
                if job is None or not jobs.held_by(job, self.name):
                    raise LeaseLost(f"job {job_id} was released while it ran")
                jobs.finish(session, job, result)
            return Outcome(job_id, kind, target, True, result)
        except LeaseLost as lost:
            log.warning("%s", lost)
            return Outcome(job_id, kind, target, False, {"error": str(lost)})
        except Exception as error:  # one bad file never stops the queue
            problem = f"{type(error).__name__}: {error}"
            with session.begin():
                job = session.get(Job, job_id, populate_existing=True)
                if job is not None and jobs.held_by(job, self.name):
                    if jobs.is_disk_full(error):
                        log.warning("job %s (%s %s): disk full; deferred", job_id, kind, target)
                        jobs.defer(session, job, problem, utcnow() + self.disk_full_backoff)
                    else:
                        log.exception("job %s (%s %s) failed", job_id, kind, target)
                        jobs.fail(session, job, problem)
            return Outcome(job_id, kind, target, False, {"error": str(error)})

    def _renew(self, job_id: int) -> bool:
        with self.session_factory() as session, session.begin():
            return jobs.renew(session, job_id, self.name)

    def run(self, max_jobs: int | None = None) -> list[Outcome]:
        """Run jobs until the queue is empty (or ``max_jobs`` ran)."""
        done: list[Outcome] = []
        while max_jobs is None or len(done) < max_jobs:
            outcome = self.run_one()
            if outcome is None:
                break
            done.append(outcome)
        return done


class BackgroundWorker(threading.Thread):
    """A daemon thread that runs a worker, then waits ``poll`` seconds when idle."""

    def __init__(self, worker: Worker, poll: float = 5.0):
        super().__init__(name="gxdata-worker", daemon=True)
        self.worker = worker
        self.poll = poll
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                ran = self.worker.run(max_jobs=20)
            except Exception:  # the database went away for a moment: wait and go on
                log.exception("background worker")
                ran = []
            if not ran:
                self.stopping.wait(self.poll)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.join(timeout)

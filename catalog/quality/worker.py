"""The worker that drains the job queue, and the background thread the server runs.

Each job runs in its own transaction, committed with its result, so a job that fails rolls
back alone and is marked failed (tried again up to :data:`~catalog.quality.jobs.MAX_ATTEMPTS`
times). ``gxdata worker`` runs a :class:`Worker` in the foreground; ``gxdata serve`` starts a
:class:`BackgroundWorker` thread beside the web server, so an upload or a harvest is
validated and enriched shortly after it is committed — never in the request that made it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

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
    ):
        self.session_factory = session_factory
        self.context = context
        self.kinds = tuple(kinds)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"

    def run_one(self) -> Outcome | None:
        """Claim and run one job; None when the queue holds none of this worker's kinds."""
        with self.session_factory() as session:
            with session.begin():
                job = jobs.claim(session, self.name, self.kinds)
                if job is None:
                    return None
                job_id, kind, target = job.id, job.kind, job.target_id
            try:
                with session.begin():
                    result = HANDLERS[kind](session, self.context, target)
                    job = session.get(Job, job_id)
                    assert job is not None
                    jobs.finish(session, job, result)
                return Outcome(job_id, kind, target, True, result)
            except Exception as error:  # one bad file never stops the queue
                log.exception("job %s (%s %s) failed", job_id, kind, target)
                with session.begin():
                    job = session.get(Job, job_id)
                    if job is not None:
                        jobs.fail(session, job, f"{type(error).__name__}: {error}")
                return Outcome(job_id, kind, target, False, {"error": str(error)})

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

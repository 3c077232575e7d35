"""Claimed background jobs are leased: a killed worker's job is released for another at once
(same host) or after the lease, and a job that failed on a full disk is tried again once
there is space, however many times that takes, instead of being given up after three."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from catalog.db import utcnow
from catalog.quality import jobs, worker
from catalog.quality.models import DONE, FAILED, PENDING, Job
from catalog.quality.worker import Worker
from portal.quality import enrich_context


def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _queue(session, target: str = "some-distribution") -> int:
    with session.begin():
        job = jobs.enqueue(session, jobs.VALIDATE, target)
        assert job is not None
        return job.id


def test_a_killed_workers_job_is_released_at_once(session):
    job_id = _queue(session)
    dead = f"{socket.gethostname()}:{_gone_pid()}:140000000"
    with session.begin():
        assert jobs.claim(session, dead, [jobs.VALIDATE]).id == job_id
    with session.begin():
        again = jobs.claim(session, "worker-b", [jobs.VALIDATE])
    assert again is not None and again.id == job_id and again.attempts == 2
    assert again.worker == "worker-b"


def test_a_job_of_a_silent_worker_elsewhere_is_released_after_the_lease(session):
    job_id = _queue(session)
    with session.begin():
        jobs.claim(session, "elsewhere.example:77:1", [jobs.VALIDATE])
    with session.begin():  # within the lease: still its own
        assert jobs.claim(session, "worker-b", [jobs.VALIDATE]) is None
    with session.begin():
        session.execute(update(Job).values(heartbeat_at=utcnow() - timedelta(minutes=2)))
    with session.begin():
        again = jobs.claim(session, "worker-b", [jobs.VALIDATE], lease=timedelta(seconds=60))
    assert again is not None and again.id == job_id


def test_a_dead_workers_job_past_its_attempts_is_given_up(session):
    job_id = _queue(session)
    dead = f"{socket.gethostname()}:{_gone_pid()}:1"
    with session.begin():
        session.execute(update(Job).values(attempts=jobs.MAX_ATTEMPTS - 1))
        jobs.claim(session, dead, [jobs.VALIDATE])
    with session.begin():
        assert jobs.claim(session, "worker-b", [jobs.VALIDATE]) is None
    job = session.get(Job, job_id)
    assert job.state == FAILED and job.problem.startswith("worker-died")


def test_renewing_keeps_the_job_and_a_released_job_is_not_finished_by_its_old_worker(
    app, session, services, monkeypatch
):
    job_id = _queue(session)
    calls = []

    def handler(db_session, _context, _target):
        calls.append(1)
        with services.session_factory() as other, other.begin():  # taken for abandoned
            other.execute(update(Job).values(state=PENDING, worker=None))
        return {"valid": True}

    monkeypatch.setitem(worker.HANDLERS, jobs.VALIDATE, handler)
    with app.app_context():
        runner = Worker(services.session_factory, enrich_context(app, network=False))
    outcome = runner.run_one()
    assert calls and outcome is not None and not outcome.ok
    session.expire_all()
    assert session.get(Job, job_id).state == PENDING  # not marked done by the old worker
    session.rollback()
    with session.begin():
        claimed = jobs.claim(session, "w", [jobs.VALIDATE])
        assert jobs.renew(session, claimed.id, "w")
        assert not jobs.renew(session, claimed.id, "somebody-else")


@pytest.mark.parametrize(
    "disk_full",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OperationalError("INSERT …", {}, Exception("database or disk is full")),
    ],
)
def test_a_job_failing_on_a_full_disk_is_retried_until_there_is_space(
    app, session, services, monkeypatch, disk_full
):
    job_id = _queue(session)
    disk = {"full": True}

    def handler(_session, _context, _target):
        if disk["full"]:
            raise disk_full
        return {"valid": True}

    monkeypatch.setitem(worker.HANDLERS, jobs.VALIDATE, handler)
    with app.app_context():
        context = enrich_context(app, network=False)
    backing_off = Worker(services.session_factory, context, disk_full_backoff=timedelta(hours=1))
    outcome = backing_off.run_one()
    assert outcome is not None and not outcome.ok
    job = session.get(Job, job_id)
    assert job.state == PENDING and job.attempts == 0
    assert job.problem.startswith("disk-full") and job.not_before > utcnow()
    session.rollback()
    assert backing_off.run_one() is None  # held back until not_before

    session.rollback()
    with session.begin():  # an hour later
        session.execute(update(Job).values(not_before=utcnow() - timedelta(seconds=1)))
    eager = Worker(services.session_factory, context, disk_full_backoff=timedelta(0))
    for _ in range(jobs.MAX_ATTEMPTS + 2):  # more failures than MAX_ATTEMPTS
        outcome = eager.run_one()
        assert outcome is not None and not outcome.ok
    disk["full"] = False  # space is back
    outcome = eager.run_one()
    assert outcome is not None and outcome.ok
    session.expire_all()
    job = session.get(Job, job_id)
    assert job.state == DONE and job.attempts == 1


def test_other_failures_still_count(session):
    assert not jobs.is_disk_full(ValueError("broken"))
    assert not jobs.is_disk_full(OSError(errno.EACCES, "Permission denied"))
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as error:
            raise RuntimeError("could not write the report") from error
    except RuntimeError as wrapped:
        assert jobs.is_disk_full(wrapped)

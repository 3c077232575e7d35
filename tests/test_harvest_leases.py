"""A harvest job holds a lease: a job whose process was killed blocks its source no longer
than it takes to see that its owner is gone (at once on the same host, after the lease
elsewhere), and a job taken for dead writes nothing more."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import TEST_HARVEST
from factories import ckan_package
from sqlalchemy import select, update
from test_harvest_sources import _sign_in

from catalog.db import utcnow
from catalog.harvest.jobs import JobRunning
from catalog.harvest.models import HarvestJob, HarvestSource
from catalog.leases import owner_is_dead

ROOT = Path(__file__).resolve().parents[1]
PATIENT = replace(TEST_HARVEST.limits, timeout=8.0)  # waits for a stalling source


@pytest.fixture
def site(source_server, new_source):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(n) for n in range(1, 4)]
    new_source("yulin", "ckan", url)
    return site


def _stall(site, seconds: float) -> None:
    """Make package_search answer after ``seconds`` (``site.stall``, changeable meanwhile)."""
    original = site.call
    site.stall = seconds

    def call(action, params):
        if action == "package_search":
            began = time.monotonic()
            while time.monotonic() - began < site.stall:
                time.sleep(0.05)
        return original(action, params)

    site.call = call


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("the condition never came true")


def _jobs(session) -> list[HarvestJob]:
    session.expire_all()
    jobs = list(session.scalars(select(HarvestJob).order_by(HarvestJob.id)))
    session.rollback()
    return jobs


def test_a_killed_job_is_marked_dead_and_the_next_run_starts_at_once(
    app, site, source_server, harvest, session, tmp_path
):
    _stall(site, 20.0)  # package_search stalls: the child is killed mid-fetch
    env = {
        **os.environ,
        "GXDATA_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "GXDATA_DATABASE_URL": app.config["DATABASE_URL"],
        "GXDATA_SEARCH_INDEX": app.config["SEARCH_INDEX"],
        "GXDATA_SECRET_KEY": "test",
        "GXDATA_HARVEST_LEASE_SECONDS": "600",  # only the dead process can explain a takeover
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "portal", "harvest", "run", "yulin"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(lambda: any(job.status == "running" for job in _jobs(session)))
        _wait_for(lambda: any("/package_search" in path for path in source_server.requests))
        assert child.poll() is None, "the job ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    (killed,) = _jobs(session)
    assert killed.status == "running" and killed.owner.split(":")[1] == str(child.pid)
    site.stall = 0.0
    started = time.monotonic()
    report = harvest("yulin", lease=timedelta(minutes=10))
    assert time.monotonic() - started < 20  # not the lease, not the hour
    assert report.status == "succeeded" and report.counts["added"] == 3
    dead = _jobs(session)[0]
    assert dead.id == killed.id
    assert dead.status == "failed" and dead.error_code == "owner-died"
    assert str(child.pid) in dead.error_message


def _foreign_job(services, heartbeat_age: timedelta) -> int:
    """A running job owned by a process of another host, last heard of ``heartbeat_age`` ago."""
    with services.session_factory() as other, other.begin():
        source = other.scalars(select(HarvestSource)).one()
        job = HarvestJob(
            source_id=source.id,
            status="running",
            started_at=utcnow() - heartbeat_age,
            heartbeat_at=utcnow() - heartbeat_age,
            owner="another-host.example:4242:cafe0123",
            notes=[],
        )
        other.add(job)
        other.flush()
        return job.id


def test_a_job_of_another_host_is_dead_once_its_lease_ran_out(
    app, client, site, harvest, services, session
):
    job_id = _foreign_job(services, timedelta(seconds=5))
    with pytest.raises(JobRunning):  # alive: its heartbeat is within the lease
        harvest("yulin", lease=timedelta(seconds=30))
    report = harvest("yulin", lease=timedelta(seconds=2))
    assert report.status == "succeeded"
    dead = _jobs(session)[0]
    assert dead.id == job_id
    assert dead.status == "failed" and dead.error_code == "owner-died"
    assert "another-host.example:4242" in dead.error_message
    _sign_in(app, client)
    assert "运行该任务的进程已停止" in client.get(f"/admin/harvest/jobs/{job_id}").text


def test_the_heartbeat_renews_the_lease_while_the_job_runs(
    site, source_server, harvest, services, session
):
    _stall(site, 4.0)
    reports = []
    worker = threading.Thread(
        target=lambda: reports.append(
            harvest("yulin", lease=timedelta(seconds=1.5), limits=PATIENT)
        )
    )
    worker.start()
    try:
        _wait_for(lambda: bool(_jobs(session)))
        job = _jobs(session)[0]
        _wait_for(lambda: _jobs(session)[0].heartbeat_at > job.started_at + timedelta(seconds=0.6))
        with pytest.raises(JobRunning):  # renewed by its heartbeat: alive
            harvest("yulin", lease=timedelta(seconds=1.5))
    finally:
        worker.join(timeout=30)
    assert reports and reports[0].status == "succeeded"


def test_a_job_taken_for_dead_writes_nothing_more(site, harvest, services, session):
    """Another start marked the job failed while it was fetching (say its host was cut off
    for longer than the lease): its first batch finds the lease gone and is rolled back."""
    original = site.call

    def call(action, params):
        if action == "package_search":
            with services.session_factory() as other, other.begin():
                other.execute(update(HarvestJob).values(status="failed", error_code="owner-died"))
        return original(action, params)

    site.call = call
    report = harvest("yulin")
    assert report.status == "failed" and report.error_code == "owner-died"
    job = _jobs(session)[0]
    assert job.added == 0 and job.status == "failed"


def test_owner_is_dead_only_for_a_gone_process_of_this_host():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    assert owner_is_dead(f"{host}:{gone.pid}:abcd")
    assert not owner_is_dead(f"{host}:{os.getpid()}:abcd")
    assert not owner_is_dead(f"{host}:1:abcd")  # alive (init), whoever owns it
    assert not owner_is_dead(f"elsewhere.example:{gone.pid}:abcd")
    assert not owner_is_dead(None) and not owner_is_dead("worker-a")


def test_a_job_whose_crash_handler_could_not_write_is_dead_after_its_lease(
    site, harvest, session, monkeypatch
):
    """A full disk: the job fails, and so does marking it failed. Its process lives on (a
    server thread), so only the lease, no longer renewed, says the job is dead."""

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("harvesters.base.CatalogSync.archive_missing", disk_full)
    monkeypatch.setattr("harvesters.base.fail_job", disk_full)
    with pytest.raises(OSError):
        harvest("yulin", lease=timedelta(seconds=0.5))
    assert _jobs(session)[0].status == "running"
    monkeypatch.undo()
    with pytest.raises(JobRunning):  # within its lease, it might still be alive
        harvest("yulin", lease=timedelta(minutes=1))
    time.sleep(0.6)
    report = harvest("yulin", lease=timedelta(seconds=0.5))
    assert report.status == "succeeded"
    dead = _jobs(session)[0]
    assert dead.status == "failed" and dead.error_code == "owner-died"

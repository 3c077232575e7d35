"""``gxdata harvest …`` on the command line, and a job killed half-way through its writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from factories import ckan_package
from sqlalchemy import func, select, update

from catalog.audit import AuditEntry
from catalog.db import utcnow
from catalog.harvest.models import HarvestJob, HarvestJobRecord, HarvestRecord
from catalog.models import Dataset, Distribution

ROOT = Path(__file__).resolve().parents[1]


def test_add_list_run_and_read_jobs(runner, source_server, session):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(n) for n in range(1, 4)] + [{**ckan_package(4), "title": ""}]
    result = runner.invoke(args=["harvest", "source", "add", "--name", "yulin", "--type", "ckan",
                                 "--url", url, "--frequency", "daily"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added source yulin (ckan)" in result.output
    listed = runner.invoke(args=["harvest", "source", "list"])
    assert "yulin\tckan\tdaily\t0 datasets\tnever run" in listed.output

    run = runner.invoke(args=["harvest", "run", "yulin"])
    assert run.exit_code == 0, run.output
    assert "job 1 succeeded: added 3, updated 0, unchanged 0" in run.output
    assert "writing" in run.output  # the progress bar
    jobs = runner.invoke(args=["harvest", "jobs", "yulin", "--errors"])
    assert "job 1\tsucceeded" in jobs.output and "failed 1" in jobs.output
    assert f"{ckan_package(4)['id']}\t\tmissing-title: the package has no title" in jobs.output

    due = runner.invoke(args=["harvest", "run-due"])
    assert due.output.strip() == "no source is due"  # daily, and it ran a moment ago
    acts = session.execute(select(AuditEntry.action, AuditEntry.object_id).order_by(AuditEntry.seq))
    assert [tuple(row) for row in acts] == [("harvest.source-add", "yulin"), ("harvest.run", "1")]


def test_run_due_runs_what_is_due(runner, source_server, new_source, session):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(1)]
    new_source("daily", "ckan", url, frequency="daily")
    new_source("by-hand", "ckan", url)
    result = runner.invoke(args=["harvest", "run-due"])
    assert result.exit_code == 0, result.output
    assert "daily: job 1 succeeded" in result.output and "by-hand" not in result.output


def test_cli_errors_are_typed(runner, new_source):
    add = ["harvest", "source", "add", "--name", "x", "--type", "ckan"]
    result = runner.invoke(args=[*add, "--url", "http://x.example", "--department", "nowhere"])
    assert result.exit_code != 0 and "unknown-department" in result.output
    result = runner.invoke(args=["harvest", "run", "nothing"])
    assert result.exit_code != 0 and "unknown-source" in result.output
    result = runner.invoke(args=[*add, "--url", "file:///etc/passwd"])
    assert result.exit_code != 0 and "invalid-url" in result.output


def test_a_job_killed_half_way_leaves_the_catalog_consistent(
    app, source_server, new_source, harvest, session, tmp_path
):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(n) for n in range(1, 1001)]
    new_source("yulin", "ckan", url)
    env = {
        **os.environ,
        "GXDATA_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "GXDATA_DATABASE_URL": app.config["DATABASE_URL"],
        "GXDATA_SEARCH_INDEX": app.config["SEARCH_INDEX"],
        "GXDATA_SECRET_KEY": "test",
        "GXDATA_HARVEST_BATCH_SIZE": "20",
    }
    job = subprocess.Popen(
        [sys.executable, "-m", "portal", "harvest", "run", "yulin"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and job.poll() is None:
            written = session.scalar(select(func.count()).select_from(HarvestJobRecord))
            session.rollback()
            if written:
                break
            time.sleep(0.01)
        assert job.poll() is None, "the job ended before it could be killed"
        os.kill(job.pid, signal.SIGKILL)
    finally:
        job.wait(timeout=30)

    datasets = session.scalar(select(func.count()).select_from(Dataset))
    assert 0 < datasets < 1000
    assert datasets % 20 == 0  # whole batches only
    assert session.scalar(select(func.count()).select_from(HarvestRecord)) == datasets
    assert session.scalar(select(func.count()).select_from(Distribution)) == datasets
    running = session.scalars(select(HarvestJob)).one()
    assert running.status == "running"

    session.execute(update(HarvestJob).values(started_at=utcnow() - timedelta(hours=2)))
    session.commit()
    report = harvest("yulin", full=True)
    assert report.status == "succeeded"
    assert report.counts["added"] == 1000 - datasets and report.counts["unchanged"] == datasets
    assert session.scalar(select(func.count()).select_from(Dataset)) == 1000
    session.expire_all()
    assert session.get(HarvestJob, running.id).error_code == "time-limit-exceeded"

"""The per-record log of harvest jobs is pruned: a source keeps the record rows of its last N
jobs and of its latest successful job; every job row keeps its counts."""

from __future__ import annotations

from collections import Counter

import pytest
from factories import ckan_package
from sqlalchemy import select

from catalog.harvest.models import HarvestJob, HarvestJobRecord


@pytest.fixture
def site(source_server, new_source):
    url, site = source_server.ckan("/liuzhou")
    site.packages = [ckan_package(n) for n in range(3)]
    new_source("liuzhou", "ckan", url)
    return site


def rows_by_job(session) -> Counter:
    session.expire_all()
    return Counter(session.scalars(select(HarvestJobRecord.job_id)))


def jobs(session) -> list[HarvestJob]:
    return list(session.scalars(select(HarvestJob).order_by(HarvestJob.id)))


def test_each_job_keeps_the_log_of_the_last_jobs_only(site, harvest, session):
    ids = [harvest("liuzhou", full=True, keep_jobs=2).job_id for _ in range(4)]
    assert rows_by_job(session) == {ids[2]: 3, ids[3]: 3}
    assert [(job.id, job.added + job.unchanged) for job in jobs(session)] == [(i, 3) for i in ids]


def test_the_latest_successful_log_outlives_failed_jobs(site, harvest, session):
    first = harvest("liuzhou", keep_jobs=2).job_id
    site.fault = "500"
    failed = [harvest("liuzhou", keep_jobs=2) for _ in range(3)]
    assert {report.status for report in failed} == {"failed"}
    assert rows_by_job(session) == {first: 3}  # what the source holds now, for conflicts
    site.fault = None
    latest = harvest("liuzhou", full=True, keep_jobs=2).job_id
    assert rows_by_job(session) == {latest: 3}


def test_keep_zero_keeps_every_log(site, harvest, session):
    for _ in range(3):
        harvest("liuzhou", full=True, keep_jobs=0)
    assert sorted(rows_by_job(session).values()) == [3, 3, 3]


def test_prune_command(site, source_server, new_source, harvest, runner, session):
    url, other = source_server.ckan("/other")
    other.packages = [ckan_package(9)]
    new_source("other", "ckan", url)
    for name in ("liuzhou", "liuzhou", "other", "other"):
        harvest(name, full=True, keep_jobs=0)
    result = runner.invoke(args=["harvest", "prune", "liuzhou", "--keep", "1"])
    assert result.exit_code == 0, result.output
    assert "liuzhou: deleted 3 record rows" in result.output
    assert sorted(rows_by_job(session).values()) == [1, 1, 3]
    result = runner.invoke(args=["harvest", "prune"])  # every source, GXDATA_HARVEST_KEEP_JOBS
    assert "liuzhou: deleted 0" in result.output and "other: deleted 0" in result.output
    result = runner.invoke(args=["harvest", "prune", "--keep", "1"])
    assert "other: deleted 1 record rows" in result.output
    assert sorted(rows_by_job(session).values()) == [1, 3]
    missing = runner.invoke(args=["harvest", "prune", "nowhere"])
    assert missing.exit_code != 0 and "unknown-source" in missing.output

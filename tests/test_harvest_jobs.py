"""What every harvest job guarantees, shown on CKAN sites served on 127.0.0.1: incremental
and unchanged runs, disappearance and return, duplicates and conflicts between sources, one
bad record never stopping a job, faults of the source changing nothing, and jobs past their
time limit."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from catalog.db import utcnow
from catalog.harvest.jobs import JobRunning
from catalog.harvest.models import HarvestJob, HarvestJobRecord, HarvestRecord, HarvestSource
from catalog.models import Dataset
from catalog.queries import get_public_dataset, public_datasets
from catalog.search.base import SearchQuery
from catalog.services.departments import get_or_create_department
from harvesters.fetch import FetchLimits

TEST_LIMITS = FetchLimits(max_bytes=4 * 1024 * 1024, timeout=2.0, max_redirects=3)
CATALOG_TABLES = ("dataset", "distribution", "department", "harvest_record")


def package(n: int, **changes) -> dict:
    base = {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "name": f"package-{n}",
        "title": f"南宁市公交线路信息（第{n}批）",
        "notes": "南宁市公交线路、站点与运营时间。",
        "organization": {"name": "nanning-transport", "title": "南宁市交通运输局"},
        "tags": [{"name": "公交"}, {"name": "交通"}],
        "metadata_modified": "2024-01-01T00:00:00",
        "extras": [{"key": "frequency", "value": "每月"}],
        "resources": [
            {"id": f"r-{n}", "name": "线路.csv", "format": "CSV",
             "url": f"https://data.nanning.gov.cn/files/{n}.csv"}
        ],
    }  # fmt: skip
    base.update(changes)
    return base


@pytest.fixture
def site(source_server, new_source):
    url, site = source_server.ckan("/ckan")
    site.packages = [package(n) for n in range(1, 6)]
    new_source("nanning", "ckan", url)
    site.url = url
    return site


def _count(session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery()))


def _record(session, remote_n: int) -> HarvestRecord:
    remote_id = package(remote_n)["id"]
    return session.scalars(select(HarvestRecord).where(HarvestRecord.remote_id == remote_id)).one()


def _log(session, job_id: int) -> dict[str, HarvestJobRecord]:
    rows = session.scalars(select(HarvestJobRecord).where(HarvestJobRecord.job_id == job_id))
    return {row.remote_id: row for row in rows}


@pytest.fixture
def writes(services):
    """The INSERT, UPDATE and DELETE statements on catalog tables while the test runs."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE") and any(
            f" {table} " in f" {statement.replace(chr(10), ' ')} " for table in CATALOG_TABLES
        ):
            seen.append(statement)

    event.listen(services.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(services.engine, "before_cursor_execute", listen)


def test_unchanged_run_writes_nothing(site, harvest, session, services, writes):
    first = harvest("nanning")
    assert first.counts["added"] == 5
    indexed = services.search.count()
    writes.clear()
    again = harvest("nanning", full=True)
    assert again.status == "succeeded"
    assert again.counts == {**again.counts, "unchanged": 5, "added": 0, "updated": 0}
    assert writes == []  # no dataset, distribution, department or provenance row written
    assert services.search.count() == indexed == 5


def test_incremental_run_fetches_only_what_changed(site, source_server, harvest, session):
    assert harvest("nanning").counts["added"] == 5
    started = session.scalar(select(HarvestJob.started_at))
    site.packages[1] = package(
        2, title="南宁市公交线路信息（更正）", metadata_modified="2099-01-01T00:00:00"
    )
    source_server.requests.clear()
    report = harvest("nanning")
    assert report.counts == {**report.counts, "updated": 1, "added": 0, "unchanged": 0}
    search = next(p for p in source_server.requests if "package_search" in p and "fl=" not in p)
    assert f"metadata_modified%3A%5B{started:%Y-%m-%dT%H%%3A%M%%3A%S}Z+TO+%2A%5D" in search
    job = session.get(HarvestJob, report.job_id)
    assert job.incremental_since == started
    dataset = session.get(Dataset, _record(session, 2).dataset_id)
    assert dataset.title == "南宁市公交线路信息（更正）"


def test_disappearance_grace_archive_and_return(site, harvest, session, services, client):
    harvest("nanning")
    gone = site.packages.pop(2)  # package 3 leaves the source
    dataset_id = _record(session, 3).dataset_id
    report = harvest("nanning", full=True)
    assert report.counts == {**report.counts, "missing": 1, "archived": 0, "unchanged": 4}
    session.expire_all()
    assert _record(session, 3).missing_since is not None
    assert get_public_dataset(session, dataset_id) is not None  # still public in its grace

    with services.session_factory() as other, other.begin():  # the grace period passes
        other.execute(
            update(HarvestRecord)
            .where(HarvestRecord.dataset_id == dataset_id)
            .values(missing_since=utcnow() - timedelta(days=8))
        )
    report = harvest("nanning", full=True)
    assert report.counts["archived"] == 1
    session.expire_all()
    assert session.get(Dataset, dataset_id).state == "archived"  # hidden, never deleted
    assert get_public_dataset(session, dataset_id) is None
    hits = services.search.search(SearchQuery(text="公交线路", per_page=50)).hits
    assert dataset_id not in {hit.id for hit in hits} and len(hits) == 4
    assert client.get(f"/dataset/{dataset_id}").status_code == 404

    report = harvest("nanning", full=True)  # archiving twice is harmless
    assert report.counts["archived"] == 0 and report.counts["missing"] == 0
    assert session.get(Dataset, dataset_id).state == "archived"

    site.packages.append(gone)  # it returns
    report = harvest("nanning", full=True)
    assert report.counts["restored"] == 1
    session.expire_all()
    assert session.get(Dataset, dataset_id).state == "published"  # the same dataset
    assert _record(session, 3).archived_at is None
    assert _count(session, public_datasets()) == 5


def test_return_is_seen_by_an_incremental_run(site, harvest, session):
    harvest("nanning")
    gone = site.packages.pop(0)
    harvest("nanning", grace=timedelta(0))  # archived at once
    session.expire_all()
    assert _record(session, 1).archived_at is not None
    site.packages.insert(0, gone)  # back, but not modified: the incremental search misses it
    report = harvest("nanning")
    assert report.counts["restored"] == 1
    assert _count(session, public_datasets()) == 5


def test_same_dataset_from_two_sources(site, source_server, new_source, harvest, session):
    harvest("nanning")
    url, mirror = source_server.ckan("/mirror")
    mirror.packages = copy.deepcopy(site.packages[:2]) + [package(9)]
    mirror.packages[1]["title"] = "南宁市公交线路信息（镜像站改写）"
    new_source("mirror", "ckan", url)
    report = harvest("mirror")
    assert report.counts == {**report.counts, "added": 1, "unchanged": 1, "failed": 1}
    assert _count(session, select(Dataset)) == 6  # never duplicated
    log = _log(session, report.job_id)
    same = log[package(1)["id"]]
    assert (
        same.warnings[0]["code"] == "duplicate-record" and "nanning" in same.warnings[0]["message"]
    )
    conflict = log[package(2)["id"]]
    assert conflict.errors[0]["code"] == "conflict-with-source"
    assert session.get(Dataset, conflict.dataset_id).title == package(2)["title"]  # not resolved


def test_a_source_takes_over_a_dataset_its_owner_lost(
    site, source_server, new_source, harvest, session
):
    harvest("nanning")
    url, mirror = source_server.ckan("/mirror")
    mirror.packages = [package(1, title="南宁市公交线路信息（新来源）")]
    new_source("mirror", "ckan", url)
    site.packages.pop(0)
    harvest("nanning", grace=timedelta(0))
    dataset_id = _record(session, 1).dataset_id
    report = harvest("mirror")
    assert report.counts["restored"] == 1
    session.expire_all()
    dataset = session.get(Dataset, dataset_id)
    assert dataset.state == "published" and dataset.title == "南宁市公交线路信息（新来源）"
    owners = session.scalars(select(HarvestRecord).where(HarvestRecord.dataset_id == dataset_id))
    assert [r.source.name for r in owners] == ["mirror"]


def test_one_bad_record_never_stops_a_job(site, harvest, session):
    site.packages[0] = package(1, title="")
    site.packages[1] = package(2, extras=[{"key": "frequency", "value": "每逢初一十五"}])
    site.packages[2]["resources"][0]["url"] = "ftp://data.nanning.gov.cn/3.csv"
    report = harvest("nanning")
    assert report.status == "succeeded"
    assert report.counts == {**report.counts, "added": 4, "failed": 1}
    log = _log(session, report.job_id)
    assert log[package(1)["id"]].errors[0]["code"] == "missing-title"
    assert log[package(2)["id"]].warnings[0]["code"] == "unknown-update-frequency"
    kept = session.get(Dataset, log[package(2)["id"]].dataset_id)
    assert kept.extras["source_values"]["update_frequency"] == "每逢初一十五"
    assert "invalid-url" in {w["code"] for w in log[package(3)["id"]].warnings}


def test_a_record_with_unexpected_data_is_reported(site, harvest, session):
    site.packages[0] = package(1, tags=5)  # not a list: the mapping itself breaks
    report = harvest("nanning")
    assert report.counts == {**report.counts, "added": 4, "failed": 1}
    errors = _log(session, report.job_id)[package(1)["id"]].errors
    assert errors[0]["code"] == "mapping-failed"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("500", "http-error"),
        ("timeout", "timeout"),
        ("redirect-loop", "redirect-loop"),
        ("malformed-json", "malformed-response"),
        ("huge", "too-large"),
    ],
)
def test_a_faulty_source_fails_its_job_and_changes_nothing(
    site, source_server, harvest, session, services, fault, code
):
    harvest("nanning")
    site.packages = [
        package(n, title=f"改过的标题 {n}", metadata_modified="2099-01-01") for n in (1, 2)
    ]
    site.max_rows = 1  # two pages: the fault comes on the second
    site.fault, site.fault_after_pages = fault, 1
    source_server.slow_seconds = 3.0
    source_server.huge_bytes = 6 * 1024 * 1024
    report = harvest("nanning", full=True, limits=_limits(timeout=0.5))
    assert report.status == "failed" and report.error_code == code, report
    assert report.error_message
    session.expire_all()
    titles = sorted(d.title for d in session.scalars(public_datasets()))
    assert titles == sorted(p["title"] for p in [package(n) for n in range(1, 6)])
    assert services.search.count() == 5
    site.fault = None
    site.pages_served = 0
    assert harvest("nanning", full=True).status == "succeeded"  # the next run is not blocked


def _limits(**changes):
    return replace(TEST_LIMITS, **changes)


def test_a_job_past_its_time_limit_is_failed_and_the_next_one_runs(
    site, harvest, session, services
):
    with services.session_factory() as other, other.begin():
        source = other.scalars(select(HarvestSource)).one()
        other.add(HarvestJob(source_id=source.id, status="running", started_at=utcnow(), notes=[]))
    with pytest.raises(JobRunning):
        harvest("nanning")
    with services.session_factory() as other, other.begin():
        other.execute(update(HarvestJob).values(started_at=utcnow() - timedelta(hours=2)))
    report = harvest("nanning")
    assert report.status == "succeeded"
    stale = session.scalars(select(HarvestJob).order_by(HarvestJob.id)).first()
    assert stale.status == "failed" and stale.error_code == "time-limit-exceeded"


def test_a_job_stops_at_its_time_limit(site, harvest, session):
    report = harvest("nanning", job_limit=timedelta(0))
    assert report.status == "failed" and report.error_code == "time-limit-exceeded"


def test_records_naming_no_publisher_belong_to_the_sources_department(
    source_server, new_source, harvest, session, services
):
    with services.session_factory() as other, other.begin():
        department = get_or_create_department(other, "南宁市大数据发展局")
        slug = department.slug
    url, site = source_server.ckan("/ckan")
    site.packages = [package(1, organization=None), package(2)]
    new_source("nanning", "ckan", url, department=slug)
    assert harvest("nanning").counts["added"] == 2
    departments = {
        r.remote_id: session.get(Dataset, r.dataset_id).department.name
        for r in session.scalars(select(HarvestRecord))
    }
    assert departments == {
        package(1)["id"]: "南宁市大数据发展局",
        package(2)["id"]: "南宁市交通运输局",
    }


def test_a_conflict_is_shown_on_the_dataset_page_until_resolved(
    site, source_server, new_source, harvest, session, client
):
    harvest("nanning")
    url, mirror = source_server.ckan("/mirror")
    mirror.packages = [copy.deepcopy(site.packages[1])]
    mirror.packages[0]["title"] = "南宁市公交线路信息（镜像站改写）"
    new_source("mirror", "ckan", url)
    harvest("mirror")
    dataset_id = _record(session, 2).dataset_id
    notice = "另一来源“mirror”于"
    page = client.get(f"/dataset/{dataset_id}").text
    assert notice in page and "提供了不同的内容" in page
    assert notice not in client.get(f"/dataset/{_record(session, 1).dataset_id}").text
    english = client.get(f"/dataset/{dataset_id}?lang=en").text
    assert "The source “mirror” sent different content for this dataset on" in english

    report = harvest("mirror")  # incremental, the record unchanged: looked at again
    assert report.counts["failed"] == 1
    assert notice in client.get(f"/dataset/{dataset_id}?lang=zh").text

    mirror.packages[0] = copy.deepcopy(site.packages[1])  # the two sources agree again
    report = harvest("mirror")
    assert report.counts == {**report.counts, "failed": 0, "unchanged": 1}
    assert notice not in client.get(f"/dataset/{dataset_id}").text

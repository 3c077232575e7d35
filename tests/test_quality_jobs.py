"""The background queue: uploads and harvests queue their work; workers claim each job once."""

from __future__ import annotations

import io

from sqlalchemy import select

from catalog.quality import jobs
from catalog.quality.models import DONE, FAILED, PENDING, RUNNING, Job, ValidationReport
from catalog.quality.worker import Worker
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution, store_file
from portal.quality import enrich_context

# Frictionless infers the types from the first 100 rows; row 112 of the file breaks them.
ROWS = [f"{n},第{n}号站点,{n * 7}" for n in range(1, 130)]
ROWS[110] = "111,第111号站点,暂无"
CSV = ("编号,名称,人口\n" + "\n".join(ROWS) + "\n").encode()


def _dataset(session, title="南宁市人口统计"):
    department = get_or_create_department(session, "南宁市统计局")
    dataset = create_dataset(session, title=title, department=department)
    publish_dataset(session, dataset)
    return dataset


def _queued(session):
    return {(j.kind, j.target_id) for j in session.scalars(select(Job).where(Job.state == PENDING))}


def test_an_upload_queues_its_validation_and_enrichment(session, services):
    with session.begin():
        dataset = _dataset(session)
        stored = store_file(
            session,
            services.files,
            dataset,
            file_name="人口.csv",
            stream=io.BytesIO(CSV),
            max_bytes=10_000,
        )
        other = attach_distribution(
            session, dataset, title="说明.pdf", access_url="http://127.0.0.1:9/page"
        )
    queued = _queued(session)
    assert (jobs.VALIDATE, stored.id) in queued
    assert (jobs.VALIDATE, other.id) not in queued  # a PDF is no table
    assert (jobs.ENRICH, dataset.id) in queued
    assert (jobs.CHECK_LINKS, dataset.id) in queued
    assert sum(1 for kind, _ in queued if kind == jobs.ENRICH) == 1  # queued once


def test_changing_the_file_queues_it_again_and_a_rollback_queues_nothing(session, services):
    with session.begin():
        dataset = _dataset(session)
        distribution = attach_distribution(
            session, dataset, title="人口.csv", download_url="http://127.0.0.1:9/a.csv"
        )
    with session.begin():
        for job in session.scalars(select(Job)):
            job.state = DONE
    with session.begin():
        distribution.download_url = "http://127.0.0.1:9/b.csv"
    assert (jobs.VALIDATE, distribution.id) in _queued(session)
    session.commit()
    other_id = None
    try:
        with session.begin():
            other_id = _dataset(session, "柳州市人口统计").id
            raise RuntimeError("abandon the transaction")
    except RuntimeError:
        pass
    assert other_id and not any(target == other_id for _, target in _queued(session))


def test_the_worker_runs_each_job_in_its_own_transaction(app, session, services):
    with session.begin():
        dataset = _dataset(session)
        distribution = store_file(
            session,
            services.files,
            dataset,
            file_name="人口.csv",
            stream=io.BytesIO(CSV),
            max_bytes=10_000,
        )
    with app.app_context():
        worker = Worker(services.session_factory, enrich_context(app, network=False))
    outcomes = worker.run()
    assert {o.kind for o in outcomes} >= {jobs.VALIDATE, jobs.ENRICH}
    assert all(o.ok for o in outcomes)
    report = session.scalar(
        select(ValidationReport).where(ValidationReport.distribution_id == distribution.id)
    )
    assert report is not None and not report.valid
    assert report.error_counts == {"type-error": 1}
    assert report.errors[0]["row_number"] == 112 and report.errors[0]["field_number"] == 3
    states = set(session.scalars(select(Job.state)))
    assert states == {DONE}
    assert worker.run() == []  # nothing left


def test_two_workers_never_claim_the_same_job(session, services):
    with session.begin():
        dataset = _dataset(session)
    with services.session_factory() as first, services.session_factory() as second:
        with first.begin():
            a = jobs.claim(first, "worker-a", [jobs.ENRICH])
        with second.begin():
            b = jobs.claim(second, "worker-b", [jobs.ENRICH])
    assert a is not None and a.target_id == dataset.id and a.state == RUNNING
    assert b is None


def test_a_failing_job_is_retried_then_given_up(session):
    with session.begin():
        job = jobs.enqueue(session, jobs.VALIDATE, "no-such-distribution")
    assert job is not None
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        with session.begin():
            claimed = jobs.claim(session, "w", [jobs.VALIDATE])
            assert claimed is not None and claimed.attempts == attempt
            jobs.fail(session, claimed, "ValueError: broken")
    assert job.state == FAILED and job.problem == "ValueError: broken"
    with session.begin():
        assert jobs.claim(session, "w", [jobs.VALIDATE]) is None

"""One commit watcher feeds every follower (search index, SPARQL store) from one read, and
the job trigger queues a flush's jobs in a few statements."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from catalog.changes import log_head
from catalog.models import Dataset, new_id
from catalog.quality import jobs
from catalog.quality.models import PENDING, Job
from catalog.services.datasets import create_dataset, publish_dataset, withdraw_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution
from catalog.watch import commit_watcher, unfollow
from catalog.watch import follow as watch_follow


class Recorder:
    """A follower keeping its position in memory, starting in step with the log."""

    def __init__(self, name: str, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.calls: list[tuple[list[str], list[str]]] = []
        self.at: int | None = None

    @contextmanager
    def exclusive(self):
        yield True

    def position(self) -> int | None:
        return self.at

    def follow(self, changed, public) -> None:
        self.calls.append((list(changed), [d.id for d in public]))
        if self.fail:
            raise RuntimeError("broken follower")

    def set_position(self, change_id: int) -> None:
        self.at = change_id

    def rebuild(self, session, change_id: int) -> int:
        self.at = change_id
        return 0

    def label(self) -> str:
        return self.name


def follow(session_factory, recorder: Recorder) -> None:
    with session_factory() as session:
        recorder.at = log_head(session)
    watch_follow(session_factory, recorder)


def _published(session, title, department="南宁市统计局"):
    dataset = create_dataset(
        session, title=title, department=get_or_create_department(session, department)
    )
    return publish_dataset(session, dataset)


def test_the_portal_followers_share_one_watcher(services):
    watcher = commit_watcher(services.session_factory)
    names = [f.name for f in watcher.followers]
    assert "search index" in names and "SPARQL store" in names
    assert services.index_sync.watcher is watcher is services.sparql_sync.watcher


def test_followers_get_the_changed_and_public_datasets_read_once(services, session):
    first, second = Recorder("first"), Recorder("second")
    follow(services.session_factory, first)
    follow(services.session_factory, second)
    reads: list[str] = []

    def count_reads(conn, cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM dataset" in statement:
            reads.append(statement)

    engine = services.engine
    try:
        with session.begin():
            kept = _published(session, "南宁市公交线路")
            gone = _published(session, "南宁市地铁线路")
        first.calls.clear(), second.calls.clear()
        event.listen(engine, "before_cursor_execute", count_reads)
        with session.begin():
            kept.title = "南宁市公交线路（2024）"
            withdraw_dataset(session, gone)
        event.remove(engine, "before_cursor_execute", count_reads)
    finally:
        unfollow(services.session_factory, first)
        unfollow(services.session_factory, second)
    expected = (sorted([kept.id, gone.id]), [kept.id])
    assert first.calls == [expected] and second.calls == [expected]
    # the versions' snapshot (catalog/versions, in the commit) reads its own columns
    dataset_reads = [s for s in reads if "dataset.id IN" in s and "department.name" not in s]
    assert len(dataset_reads) == 1, dataset_reads  # one read of the batch for all followers


def test_a_new_dataset_does_not_resend_its_department(services, session):
    recorder = Recorder("recorder")
    with session.begin():
        first = _published(session, "柳州市医院名录", "柳州市卫生健康委员会")
    follow(services.session_factory, recorder)
    try:
        with session.begin():  # adding a dataset dirties the department's collection only
            second = _published(session, "柳州市诊所名录", "柳州市卫生健康委员会")
        assert recorder.calls == [([second.id], [second.id])]
        recorder.calls.clear()
        with session.begin():  # the department's own name changes: all its datasets follow
            second.department.name = "柳州市卫生健康委"
        assert recorder.calls == [(sorted([first.id, second.id]),) * 2]
    finally:
        unfollow(services.session_factory, recorder)


def test_a_failing_follower_neither_stops_the_others_nor_the_commit(services, session, caplog):
    broken, healthy = Recorder("broken", fail=True), Recorder("healthy")
    follow(services.session_factory, broken)
    follow(services.session_factory, healthy)
    try:
        with session.begin():
            dataset = _published(session, "梧州市空气质量")
    finally:
        unfollow(services.session_factory, broken)
        unfollow(services.session_factory, healthy)
    assert healthy.calls == [([dataset.id], [dataset.id])]
    assert session.scalar(select(Dataset.title).where(Dataset.id == dataset.id)) == "梧州市空气质量"
    assert "broken update failed" in caplog.text


def test_a_rollback_reaches_no_follower(services, session):
    recorder = Recorder("recorder")
    follow(services.session_factory, recorder)
    try:
        session.begin()
        _published(session, "回滚的数据")
        session.rollback()
    finally:
        unfollow(services.session_factory, recorder)
    assert recorder.calls == []


def test_a_flush_queues_its_jobs_in_a_few_statements(services, session):
    statements: list[str] = []

    def count(conn, cursor, statement, *_args):
        if "job" in statement.lower():
            statements.append(statement)

    with session.begin():
        dataset = _published(session, "已有的数据")
    event.listen(services.engine, "before_cursor_execute", count)
    try:
        with session.begin():
            department = get_or_create_department(session, "南宁市统计局")
            for n in range(40):  # as a harvest batch writes: one flush at the end
                new = create_dataset(
                    session, id=new_id(), title=f"第{n}号数据", department=department, flush=False
                )
                publish_dataset(session, new, flush=False)
                attach_distribution(
                    session,
                    new,
                    title=f"{n}.csv",
                    download_url=f"http://127.0.0.1:9/{n}.csv",
                    flush=False,
                )
            attach_distribution(
                session, dataset, title="b.csv", download_url="http://127.0.0.1:9/b", flush=False
            )
    finally:
        event.remove(services.engine, "before_cursor_execute", count)
    assert len(statements) <= 4, statements  # was one SELECT per job
    queued = session.execute(select(Job.kind, Job.target_id).where(Job.state == PENDING)).all()
    assert len(queued) == len(set(queued))  # the earlier dataset's enrich job is not doubled
    kinds = [kind for kind, _ in queued]
    assert kinds.count(jobs.VALIDATE) == 41 and kinds.count(jobs.CHECK_LINKS) == 41
    assert kinds.count(jobs.ENRICH) == 41


def test_enqueue_many_skips_waiting_jobs(session):
    with session.begin():
        dataset = _published(session, "排队的数据")
    with session.begin():
        assert jobs.enqueue_many(session, [(jobs.ENRICH, dataset.id)]) == 0  # queued at creation
        assert jobs.enqueue_many(session, [(jobs.CHECK_LINKS, dataset.id)] * 2) == 1

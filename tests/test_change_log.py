"""The database is the only truth: the change log is written in each commit's transaction,
and the search index and the SPARQL store follow it without losing an update (issue 9,
item 4): a store that was busy, deleted, restored from an old copy or changed by hand
catches up, and ``gxdata check`` finds and repairs drift."""

from __future__ import annotations

import gc
import logging
import os
import shutil
from dataclasses import replace
from datetime import datetime

import pyoxigraph as ox
import pytest
from sqlalchemy import event, func, select

from catalog.changes import Change, log_head, prune_log, record_position
from catalog.indexing import to_document
from catalog.models import CLOSED
from catalog.queries import get_public_dataset
from catalog.search import SearchQuery
from catalog.services.datasets import create_dataset, publish_dataset, withdraw_dataset
from catalog.services.departments import get_or_create_department
from portal import create_app

TITLES = """SELECT ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ;
  <http://purl.org/dc/terms/title> ?t }"""


def _published(session, title, department="南宁市统计局"):
    dataset = create_dataset(
        session, title=title, department=get_or_create_department(session, department)
    )
    return publish_dataset(session, dataset)


def _sparql_titles(client) -> set[str]:
    response = client.get("/sparql", query_string={"query": TITLES})
    assert response.status_code == 200, response.get_data(as_text=True)
    bindings = response.get_json(force=True)["results"]["bindings"]
    return {b["t"]["value"] for b in bindings}


def _indexed(services) -> set[str]:
    return set(services.search.digests())


def _ids(*datasets) -> set[str]:
    return {d.id for d in datasets}


def test_the_log_is_written_in_the_commit_and_a_rollback_leaves_none(services, session):
    inserts: list[str] = []

    def count(conn, cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO CHANGE_LOG"):
            inserts.append(statement)

    session.begin()
    _published(session, "回滚的数据")
    session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Change)) == 0
    session.rollback()
    event.listen(services.engine, "before_cursor_execute", count)
    try:
        with session.begin():
            datasets = [_published(session, f"梧州市数据{n}") for n in range(30)]
            session.flush()
            datasets[0].title = "梧州市数据（改）"  # a second flush in the same transaction
    finally:
        event.remove(services.engine, "before_cursor_execute", count)
    logged = set(session.scalars(select(Change.dataset_id).where(Change.dataset_id.is_not(None))))
    assert logged == _ids(*datasets)
    assert len(inserts) == 1  # one multi-row INSERT for the whole transaction


def test_a_change_missed_while_the_sparql_store_was_held_is_applied_later(
    app, client, services, session, caplog
):
    caplog.set_level(logging.INFO, "catalog.watch")
    with session.begin():
        dataset = _published(session, "钦州市港口吞吐量")
    assert "钦州市港口吞吐量" in _sparql_titles(client)
    services.sparql.backend.close()  # another process opens the store meanwhile
    holder = ox.Store(app.config["SPARQL_STORE"])
    try:
        with session.begin():
            dataset.open_type = CLOSED  # harvested again as 不予开放
    finally:
        del holder
        gc.collect()
    assert get_public_dataset(session, dataset.id) is None
    assert "钦州市港口吞吐量" not in _sparql_titles(client)  # caught up before answering
    assert "held by another process" in caplog.text


def test_a_second_process_commits_and_the_owner_catches_up(app, client, services, session):
    with session.begin():
        kept = _published(session, "北海市旅游景点")
        closed = _published(session, "北海市口岸数据")
    assert _sparql_titles(client) == {"北海市旅游景点", "北海市口岸数据"}
    other = create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "BASE_URL": app.config["BASE_URL"],
        }
    )
    try:  # as `gxdata harvest run` beside a running server
        with other.extensions["gxdata"].session_factory() as cli, cli.begin():
            cli.get(type(closed), closed.id).open_type = CLOSED
            added = _published(cli, "北海市海洋数据")
    finally:
        other.extensions["gxdata"].close()
    services.follow_loop.tick()  # what the server's follow thread does every few seconds
    assert services.sparql_sync._known == log_head(session)
    assert _sparql_titles(client) == {"北海市旅游景点", "北海市海洋数据"}
    assert _indexed(services) == _ids(kept, added)


def test_a_deleted_index_folder_answers_503_and_is_rebuilt_whole(app, client, services, session):
    with session.begin():
        datasets = [_published(session, f"柳州市公交线路{n}") for n in range(5)]
    assert services.search.count() == 5
    shutil.rmtree(app.config["SEARCH_INDEX"])
    page = client.get("/dataset", query_string={"q": "公交"})
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "检索索引正在重建" in page.get_data(as_text=True)
    api = client.get("/api/v1/datasets", query_string={"q": "公交"})
    assert api.status_code == 503 and api.get_json(force=True)["code"] == "search-index-rebuilding"
    with session.begin():  # the next write rebuilds the whole index, not only itself
        datasets.append(_published(session, "柳州市地铁线路"))
    assert _indexed(services) == _ids(*datasets)
    assert client.get("/dataset", query_string={"q": "线路"}).status_code == 200
    assert services.search.search(SearchQuery(text="线路")).total == 6


def test_a_deleted_index_folder_is_rebuilt_by_the_follow_loop(app, client, services, session):
    with session.begin():
        datasets = [_published(session, f"玉林市医院{n}") for n in range(3)]
    shutil.rmtree(app.config["SEARCH_INDEX"])
    assert client.get("/dataset", query_string={"q": "医院"}).status_code == 503
    services.follow_loop.tick()
    assert client.get("/dataset", query_string={"q": "医院"}).status_code == 200
    assert _indexed(services) == _ids(*datasets)


def test_an_index_restored_from_an_old_copy_catches_up(app, services, session, tmp_path):
    with session.begin():
        gone = _published(session, "贺州市旧数据")
        kept = _published(session, "贺州市气象数据")
    copy = tmp_path / "index-copy"
    shutil.copytree(app.config["SEARCH_INDEX"], copy)
    with session.begin():
        withdraw_dataset(session, gone)
        added = _published(session, "贺州市新数据")
    assert _indexed(services) == _ids(kept, added)
    shutil.rmtree(app.config["SEARCH_INDEX"])
    shutil.copytree(copy, app.config["SEARCH_INDEX"])
    assert _indexed(services) == _ids(gone, kept)  # the old copy is back
    services.follow_loop.tick()
    assert _indexed(services) == _ids(kept, added)


def test_check_reports_drift_made_by_hand_and_repairs_it(app, client, runner, services, session):
    with session.begin():
        first = _published(session, "崇左市边贸数据")
        second = _published(session, "崇左市甘蔗产量")
        third = _published(session, "崇左市旅游数据")
    assert _sparql_titles(client) == {"崇左市边贸数据", "崇左市甘蔗产量", "崇左市旅游数据"}
    result = runner.invoke(args=["check", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "search index: 3 datasets, 3 public in the database: in step" in result.output
    assert "SPARQL store: 3 datasets, 3 public in the database: in step" in result.output

    services.search.remove([first.id])  # drift by hand, past the change log
    services.search.add([replace(to_document(second), title="改过的标题")])
    stray = f"{app.config['BASE_URL']}/dataset/stray"
    services.sparql.backend.call("load", f'<{stray}> <urn:p> "x" <{stray}> .\n')
    result = runner.invoke(args=["check", "--dry-run"])
    assert result.exit_code == 1, result.output
    assert f"missing 1: {first.id}" in result.output
    assert f"stale 1: {second.id}" in result.output
    assert "extra 1: stray" in result.output
    assert _indexed(services) == _ids(second, third)  # a dry run repairs nothing

    result = runner.invoke(args=["check"])
    assert result.exit_code == 1 and "repaired" in result.output, result.output
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert _indexed(services) == _ids(first, second, third)
    assert "stray" not in str(services.sparql.graph_digests())


def test_a_store_behind_the_pruned_log_is_rebuilt(app, services, session):
    with session.begin():
        dataset = _published(session, "防城港市数据")
    services.index_sync.set_position(0)  # as if restored from a copy older than the log
    with session.begin():
        session.execute(Change.__table__.delete().where(Change.id < log_head(session)))
        session.add(Change(dataset_id=None, department_id=None))
    steps = services.follow_loop.tick()
    assert steps["search index"].rebuilt
    assert _indexed(services) == _ids(dataset)


@pytest.mark.parametrize("position", [None, 10**9])
def test_a_store_with_no_or_a_foreign_position_is_rebuilt(services, session, position):
    with session.begin():
        dataset = _published(session, "来宾市数据")
    services.search.remove([dataset.id])
    if position is None:
        os.remove(os.path.join(services.search.folder, "gxdata-position.json"))
    else:
        services.index_sync.set_position(position)  # a store of another database
    assert services.follow_loop.tick()["search index"].rebuilt
    assert _indexed(services) == _ids(dataset)


def test_pruning_keeps_what_a_recent_follower_still_needs(services, session):
    with session.begin():
        for n in range(4):
            _published(session, f"百色市数据{n}")
    head = log_head(session)
    before = len(list(session.scalars(select(Change.id).where(Change.id <= head - 2))))
    session.rollback()
    with session.begin():
        session.execute(Change.__table__.update().values(created_at=datetime(2020, 1, 1)))
        record_position(session, "a follower seen today", head - 2)
    with session.begin():
        assert prune_log(session, keep_days=7) == before  # what every follower applied
    session.rollback()
    remaining = list(session.scalars(select(Change.id).order_by(Change.id)))
    assert remaining[0] == head - 1 and remaining[-1] == head
    session.rollback()
    with session.begin():
        record_position(session, "a follower seen today", head)
        assert prune_log(session, keep_days=7) >= 1
    session.rollback()
    assert list(session.scalars(select(Change.id))) == [head]  # the head row stays


def test_a_search_counts_no_dataset_closed_by_a_process_that_could_not_write_the_index(
    app, client, services, session
):
    with session.begin():
        kept = _published(session, "河池市水库名录")
        closed = _published(session, "河池市矿山名录")

    def count() -> int:
        body = client.get("/api/3/action/package_search", query_string={"q": "河池"})
        return body.get_json()["result"]["count"]

    assert count() == 2
    other = create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "BASE_URL": app.config["BASE_URL"],
        }
    )
    other.extensions["gxdata"].search._write_timeout = 0.2
    writing = services.search._index.lock("WRITELOCK")  # another writer holds the index
    assert writing.acquire(blocking=False)
    try:
        with other.extensions["gxdata"].session_factory() as cli, cli.begin():
            cli.get(type(closed), closed.id).open_type = CLOSED
    finally:
        writing.release()
        other.extensions["gxdata"].close()
    assert count() == 1  # the server caught up before searching
    assert _indexed(services) == _ids(kept)


def test_a_savepoint_rolled_back_keeps_the_log_of_the_transaction(services, session):
    """A harvest batch writes each record in a savepoint when the batch failed: a record the
    database refuses rolls back its savepoint only, and the records written before it in the
    same transaction are still logged (and so reach the index and the SPARQL store)."""
    first = _published(session, "保存点之前的数据集")
    session.flush()
    try:
        with session.begin_nested():
            _published(session, "保存点里的数据集")
            session.flush()
            raise RuntimeError("the database refused the record")
    except RuntimeError:
        pass
    session.commit()
    logged = set(session.scalars(select(Change.dataset_id)))
    assert first.id in logged
    assert first.id in _indexed(services)


def test_a_released_savepoint_logs_and_catches_up_at_the_real_commit(services, session):
    """A savepoint's release is no commit: the log is written (and the change-log lock taken)
    once, just before the outer commit, and the stores catch up after it."""
    inserts: list[str] = []

    def count(conn, cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO CHANGE_LOG"):
            inserts.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        first = _published(session, "保存点之外的数据集")
        with session.begin_nested():
            second = _published(session, "保存点之内的数据集")
        with session.begin_nested():
            third = _published(session, "第二个保存点之内的数据集")
        assert inserts == []  # nothing logged before the commit
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(inserts) == 1
    assert _ids(first, second, third) <= _indexed(services)

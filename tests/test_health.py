"""Health probes: /healthz always, /readyz with the database, the stores' lag and the files."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from catalog.changes import log_changes, log_head
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import create_department


def _checks(body):
    return {check["name"]: check for check in body["checks"]}


def test_healthz_answers_without_checking(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
    assert answer.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_the_stores_follow_the_database(app, client, session):
    with session.begin():
        department = create_department(session, "南宁市统计局")
        publish_dataset(session, create_dataset(session, title="人口", department=department))
    services = app.extensions["gxdata"]
    services.index_sync.catch_up()
    services.sparql_sync.catch_up()
    answer = client.get("/readyz")
    body = answer.get_json()
    assert answer.status_code == 200 and body["status"] == "ready", body
    checks = _checks(body)
    assert checks["database"]["ok"] and checks["files"]["ok"]
    index = checks["change-log:search index"]
    assert index["lag"] == 0 and index["head"] >= 1


def test_readyz_is_not_ready_when_a_store_lags(app, client, session):
    app.config["READY_MAX_LAG"] = 0
    services = app.extensions["gxdata"]
    services.index_sync.catch_up()
    services.sparql_sync.catch_up()
    # another node's write: a log row this node's stores have not applied yet
    other = create_engine(services.engine.url)
    try:
        with sessionmaker(other)() as elsewhere, elsewhere.begin():
            log_changes(elsewhere.connection(), ["not-a-dataset"], [])
            head = log_head(elsewhere)
    finally:
        other.dispose()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    index = _checks(answer.get_json())["change-log:search index"]
    assert not index["ok"] and index["lag"] >= 1 and index["head"] == head
    services.index_sync.catch_up()
    services.sparql_sync.catch_up()
    assert client.get("/readyz").status_code == 200


def test_readyz_is_not_ready_without_a_database(app, client):
    services = app.extensions["gxdata"]
    broken = create_engine("sqlite:////nonexistent-folder/gxdata.db")
    kept = services.session_factory
    services.session_factory = sessionmaker(broken)
    try:
        answer = client.get("/readyz")
    finally:
        services.session_factory = kept
        broken.dispose()
    assert answer.status_code == 503
    checks = _checks(answer.get_json())
    assert not checks["database"]["ok"] and checks["database"]["error"] == "OperationalError"
    assert not checks["change-log:search index"]["ok"]

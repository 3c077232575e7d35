"""The sandbox under grants (catalog/sandbox/service.py): only under an active grant of the
sandbox channel, the granted fields masked as a download would be, every query logged with
its text, duration and rows touched (refused ones too), sessions kept and rebuilt, and the
export of a result submitted, reviewed and downloaded once."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from test_applications import (
    CONDITIONS,
    SECRET,
    _granted,
    world,  # noqa: F401 - the fixture
)
from test_applications import World as AppWorld
from test_masking import table

from catalog import audit, conditions
from catalog.applications import grants
from catalog.applications.delivery import NotGranted
from catalog.applications.models import Delivery, Grant
from catalog.errors import InvalidValue, NotFound
from catalog.sandbox import service
from catalog.sandbox.engine import Limits
from catalog.sandbox.models import SandboxQuery

ROWS = table(200)
SANDBOXED = {**CONDITIONS, "delivery_channel": "sandbox"}
BY_YEAR = "SELECT 出生日期, count(*) AS n FROM data GROUP BY 出生日期 ORDER BY 出生日期"
TOTAL = "SELECT count(*) AS n FROM data"


@pytest.fixture
def w(world: AppWorld) -> AppWorld:  # noqa: F811 - test_applications' fixture
    return world


@pytest.fixture
def sessions() -> service.Sessions:
    found = service.Sessions(Limits(seconds=5))
    yield found
    found.close()


def _set(w: AppWorld, stated: dict) -> Grant:
    w.dataset.conditions = conditions.to_stored(stated)
    w.session.flush()
    return _granted(w)


def _run(w: AppWorld, sessions: service.Sessions, grant: Grant, sql: str, **kw) -> service.Ran:
    now = kw.pop("now", grant.starts_at + timedelta(hours=1))
    actor = kw.pop("actor", w.applicant)
    return service.run_query(w.session, actor, grant.id, sql, now, store=w.store, secret=SECRET,
                             sessions=sessions)  # fmt: skip


def test_an_aggregate_is_answered_masked_and_logged(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    ran = _run(w, sessions, grant, BY_YEAR)
    assert ran.refusal is None and ran.result is not None
    years = {row[0] for row in ran.result.rows}
    assert years and all(isinstance(y, int) and 1900 < y < 2030 for y in years)  # generalized
    assert all(row[1] >= 5 for row in ran.result.rows)
    assert ran.result.suppressed > 0  # 200 people over many birth years: small years hidden
    logged = w.session.scalars(select(SandboxQuery)).one()
    assert (logged.sql, logged.state, logged.rows_touched, logged.table_name) == (
        BY_YEAR,
        "answered",
        200,
        "data",
    )
    assert logged.distribution_id == w.csv.id and logged.seconds is not None
    assert logged.result_rows == len(ran.result.rows) and logged.suppressed == ran.result.suppressed
    assert logged.result["columns"] == ["出生日期", "n"]
    assert logged.k == 5 and logged.user_id == w.applicant.user_id


def test_names_are_masked_in_the_sandbox_as_in_a_download(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    # 姓名 is kept at its ends (an identifier): it may be counted, never grouped or shown
    ran = _run(w, sessions, grant, "SELECT 姓名, count(*) FROM data GROUP BY 姓名")
    assert ran.refusal is not None and ran.refusal.code == "identifier-filter"
    counted = _run(w, sessions, grant, "SELECT count(DISTINCT 姓名) FROM data")
    assert counted.refusal is None or counted.refusal.code == "aggregate-argument"
    tables = service.tables(w.session, w.applicant, grant.id, grant.starts_at, store=w.store,
                            secret=SECRET, sessions=sessions)[1]  # fmt: skip
    assert [t.name for t in tables] == ["data"]
    assert "备注" not in tables[0].loaded.columns  # not a provided field: not loaded at all


def test_refusals_are_logged_with_their_code(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    for sql, code in [
        ("SELECT * FROM data", "not-aggregated"),
        ("SELECT count(*) FROM read_csv('/etc/passwd')", None),
        ("", "empty-query"),
        ("SELECT 1; SELECT 2", "one-statement"),
        ("x" * (service.MAX_SQL_CHARS + 1), "query-too-long"),
    ]:
        ran = _run(w, sessions, grant, sql)
        assert ran.result is None and ran.refusal is not None
        if code:
            assert ran.refusal.code == code
        assert ran.logged.state == "refused" and ran.logged.refusal == ran.refusal.code
    assert w.session.query(SandboxQuery).count() == 5


def test_only_under_an_active_grant_of_the_sandbox_channel(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    with pytest.raises(NotGranted):
        _run(w, sessions, grant, TOTAL, actor=w.stranger)
    with pytest.raises(NotGranted):
        _run(w, sessions, grant, TOTAL, now=grant.ends_at + timedelta(seconds=1))
    grants.revoke(w.session, w.reviewer, grant, "违规", now=grant.starts_at + timedelta(minutes=1))
    with pytest.raises(NotGranted):
        _run(w, sessions, grant, TOTAL)
    assert w.session.query(SandboxQuery).count() == 0  # not covered: nothing logged


def test_another_channel_opens_no_sandbox(w: AppWorld, sessions) -> None:
    grant = _set(w, {**CONDITIONS, "delivery_channel": "download"})
    with pytest.raises(InvalidValue) as error:
        _run(w, sessions, grant, TOTAL)
    assert error.value.code == "wrong-channel"


def test_the_dataset_sets_k(w: AppWorld, sessions) -> None:
    grant = _set(w, {**SANDBOXED, "sandbox_k": 40})
    ran = _run(w, sessions, grant, BY_YEAR)
    assert ran.result is not None and ran.result.k == 40
    assert all(row[1] >= 40 for row in ran.result.rows)
    with pytest.raises(InvalidValue):
        conditions.parse({**SANDBOXED, "sandbox_k": 1})
    with pytest.raises(InvalidValue):
        conditions.parse({**CONDITIONS, "delivery_channel": "download", "sandbox_k": 5})


def test_sessions_are_kept_rebuilt_on_change_and_evicted(w: AppWorld) -> None:
    sessions = service.Sessions(most=1)
    try:
        grant = _set(w, SANDBOXED)
        _run(w, sessions, grant, TOTAL)
        first = next(iter(sessions._slots.values())).sandbox
        _run(w, sessions, grant, TOTAL)
        assert len(sessions) == 1 and next(iter(sessions._slots.values())).sandbox is first
        w.dataset.conditions = conditions.to_stored({**SANDBOXED, "sandbox_k": 10})
        w.session.flush()
        ran = _run(w, sessions, grant, TOTAL)
        assert ran.result is not None and ran.result.k == 10
        assert len(sessions) == 1  # the old one evicted past `most`
        assert next(iter(sessions._slots.values())).sandbox is not first
    finally:
        sessions.close()


def test_a_broken_file_is_a_clear_refusal_and_nothing_breaks(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    path = w.store.path(w.csv.stored_file)
    path.chmod(0o644)
    path.write_bytes(b"\xff\xfe\x00broken")
    ran = _run(w, sessions, grant, TOTAL)
    assert ran.result is None and ran.refusal is not None
    assert len(sessions) == 0  # no half-loaded session kept


def _answered(w: AppWorld, sessions, grant: Grant) -> SandboxQuery:
    return _run(w, sessions, grant, BY_YEAR).logged


def test_an_export_is_reviewed_and_downloaded_once(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    query = _answered(w, sessions, grant)
    now = grant.starts_at + timedelta(hours=2)
    export = service.request_export(w.session, w.applicant, grant.id, query.id, now)
    with pytest.raises(InvalidValue) as error:
        service.request_export(w.session, w.applicant, grant.id, query.id, now)
    assert error.value.code == "export-exists"
    queued = service.exports_to_review(w.session, w.reviewer)
    assert [e.id for e, *_ in queued] == [export.id]
    assert service.exports_to_review(w.session, w.outsider) == []
    with pytest.raises(NotFound):
        service.decide_export(w.session, w.outsider, export.id, True, None, now)
    with pytest.raises(InvalidValue) as error:
        service.download_export(w.session, w.applicant, grant.id, export.id, now)
    assert error.value.code == "export-not-approved"
    service.decide_export(w.session, w.reviewer, export.id, True, "结果为汇总数据", now)
    got = service.download_export(w.session, w.applicant, grant.id, export.id, now)
    delivery_id = got.export.delivery_id
    assert delivery_id and delivery_id in got.file_name
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["出生日期", "n", "delivery"]
    assert [r[:2] for r in rows[1:]] == [[str(a), str(b)] for a, b in query.result["rows"]]
    assert {r[2] for r in rows[1:]} == {delivery_id}
    delivery = w.session.get(Delivery, delivery_id)
    assert (delivery.channel, delivery.grant_id, delivery.bytes) == (
        "sandbox",
        grant.id,
        len(got.content),
    )
    with pytest.raises(InvalidValue) as error:
        service.download_export(w.session, w.applicant, grant.id, export.id, now)
    assert error.value.code == "export-downloaded"
    with pytest.raises(NotGranted):
        service.download_export(w.session, w.stranger, grant.id, export.id, now)
    actions = [e.action for e in w.session.scalars(
        select(audit.AuditEntry).where(audit.AuditEntry.object_type == "sandbox_export")
        .order_by(audit.AuditEntry.id))]  # fmt: skip
    assert actions == ["sandbox.export.request", "sandbox.export.approve",
                       "sandbox.export.download"]  # fmt: skip


def test_a_rejection_states_its_reason_and_nothing_goes_out(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    query = _answered(w, sessions, grant)
    now = grant.starts_at + timedelta(hours=2)
    export = service.request_export(w.session, w.applicant, grant.id, query.id, now)
    with pytest.raises(InvalidValue) as error:
        service.decide_export(w.session, w.reviewer, export.id, False, "  ", now)
    assert error.value.code == "reason-required"
    service.decide_export(w.session, w.reviewer, export.id, False, "分组过细", now)
    assert export.state == "rejected" and export.reason == "分组过细"
    with pytest.raises(InvalidValue):
        service.download_export(w.session, w.applicant, grant.id, export.id, now)
    with pytest.raises(InvalidValue) as error:
        service.decide_export(w.session, w.reviewer, export.id, True, None, now)
    assert error.value.code == "export-decided"


def test_a_refused_query_or_anothers_query_cannot_be_exported(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    refused = _run(w, sessions, grant, "SELECT * FROM data").logged
    now = grant.starts_at + timedelta(hours=2)
    with pytest.raises(InvalidValue) as error:
        service.request_export(w.session, w.applicant, grant.id, refused.id, now)
    assert error.value.code == "export-not-answered"
    answered = _answered(w, sessions, grant)
    with pytest.raises(NotGranted):
        service.request_export(w.session, w.stranger, grant.id, answered.id, now)


def test_the_holder_and_the_reviewer_see_the_log(w: AppWorld, sessions) -> None:
    grant = _set(w, SANDBOXED)
    _run(w, sessions, grant, TOTAL)
    _run(w, sessions, grant, "SELECT * FROM data")
    assert [q.state for q in service.own_queries(w.session, w.applicant, grant)] == [
        "refused",
        "answered",
    ]
    assert len(service.grant_queries(w.session, w.reviewer, grant)) == 2
    with pytest.raises(NotFound):
        service.grant_queries(w.session, w.outsider, grant)
    with pytest.raises(NotFound):
        service.own_queries(w.session, w.stranger, grant)

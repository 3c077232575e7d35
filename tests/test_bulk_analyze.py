"""After a bulk write, PostgreSQL's planner statistics are refreshed; SQLite needs none."""

from __future__ import annotations

import pytest
from conftest import is_postgres
from sqlalchemy import text

from catalog.db import ANALYZE_AFTER_DATASETS, BULK_TABLES, analyze_after_bulk


def _last_analyzed(engine) -> dict[str, object]:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        rows = connection.execute(
            text("SELECT relname, last_analyze FROM pg_stat_user_tables")
        ).all()
    return {name: when for name, when in rows}


def test_sqlite_is_never_analyzed(services):
    if is_postgres():
        pytest.skip("the SQLite case")
    assert analyze_after_bulk(services.engine, 10 * ANALYZE_AFTER_DATASETS) is False


def test_postgres_is_analyzed_after_a_bulk_write_only(services):
    if not is_postgres():
        pytest.skip("needs GXDATA_TEST_DATABASE_URL (PostgreSQL)")
    before = _last_analyzed(services.engine)
    assert analyze_after_bulk(services.engine, ANALYZE_AFTER_DATASETS - 1) is False
    assert _last_analyzed(services.engine) == before
    assert analyze_after_bulk(services.engine, ANALYZE_AFTER_DATASETS) is True
    analyzed = _last_analyzed(services.engine)
    assert all(analyzed.get(t) is not None and analyzed[t] != before.get(t) for t in BULK_TABLES)

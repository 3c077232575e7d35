"""Database engine, session factory and the declarative base.

The same code runs on SQLite (the embedded default) and PostgreSQL. Service functions take
a :class:`~sqlalchemy.orm.Session` and never commit; callers frame the transaction with
``with session.begin():``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


IN_LIST = 500  # values in one SQL ``IN (…)`` list, well below SQLite's and PostgreSQL's limits
T = TypeVar("T")


def in_chunks(items: Iterable[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """``items`` a list of at most ``size`` at a time (for ``IN (…)`` lists and batches)."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def utcnow() -> datetime:
    """A naive UTC timestamp: stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


# After a write this large, PostgreSQL's planner statistics are refreshed at once: autovacuum
# may be off or late, and a plan made for an empty table stays slow (a seq scan where an index
# was meant). The tables a harvest or a load writes, from this fixed list only.
ANALYZE_AFTER_DATASETS = 1000
BULK_TABLES = ("department", "dataset", "distribution", "harvest_record", "change_log",
               "dataset_version")  # fmt: skip


def analyze_after_bulk(engine: Engine, datasets_changed: int) -> bool:
    """On PostgreSQL, ``ANALYZE`` the catalog's bulk tables when at least
    :data:`ANALYZE_AFTER_DATASETS` datasets changed (each brings its files, log, version and
    harvest rows: thousands of rows); True when it ran. SQLite plans without statistics."""
    if engine.dialect.name != "postgresql" or datasets_changed < ANALYZE_AFTER_DATASETS:
        return False
    with engine.connect() as connection:
        for table in BULK_TABLES:
            connection.execute(text(f'ANALYZE "{table}"'))
        connection.commit()
    return True


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


MAX_INTEGER_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL's integer is 32 bits)


def integer_id(text: str | int) -> int | None:
    """``text`` as an integer primary key, or None when it cannot be one. Only ASCII digits
    count (``"²".isdigit()`` is true, but ``int("²")`` fails), and only numbers the column
    can hold (a larger one makes the driver fail rather than find nothing)."""
    value = str(text)
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if number <= MAX_INTEGER_ID else None


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)

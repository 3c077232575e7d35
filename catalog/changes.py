"""The change log: what each committed transaction changed in the public catalog.

The database is the only truth; the search index and the SPARQL store follow it. Every
commit that touches a dataset (directly, through a distribution, or through a department
whose own values changed) appends rows to ``change_log`` in the same transaction
(:mod:`catalog.watch` writes them, one multi-row INSERT per commit). A follower keeps in its
store the id of the last row it applied and applies the rows after it in order, re-reading
each dataset's current state (so applying a row twice does no harm).

Row ids follow commit order: on PostgreSQL the writer takes an exclusive lock on the table
just before its commit (reads are not blocked), so no transaction can commit a smaller id
after a follower has read a larger one; SQLite serializes writers anyway.

``follower_position`` records, for monitoring and pruning only, how far each store got; the
store's own position is the one that counts (a deleted or restored store knows it is behind).
:func:`prune_log` deletes rows every recently seen follower has applied once they are older
than ``keep_days``; a follower left behind the pruned rows rebuilds from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base, in_chunks, utcnow
from catalog.models import Dataset

KEEP_DAYS = 7.0


class Change(Base):
    """One dataset (or every dataset of one department) changed in a committed transaction."""

    __tablename__ = "change_log"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str | None] = mapped_column(String(36))  # no FK: deletions are logged
    department_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class FollowerPosition(Base):
    """How far a store got in the log, as it last reported (for pruning and ``gxdata check``)."""

    __tablename__ = "follower_position"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)  # follower and store
    change_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class LogBounds:
    first: int | None  # the oldest row kept, None for an empty log
    head: int  # the newest row, 0 for an empty log

    def reachable(self, position: int) -> bool:
        """Whether a store at ``position`` can catch up from the log alone (no rows it still
        needs were pruned, and it is not ahead of the log, as a store of another database)."""
        if position > self.head:
            return False
        return self.first is None or position >= self.first - 1


def log_changes(
    connection: Connection, dataset_ids: Iterable[str], department_ids: Iterable[int] = ()
) -> int:
    """Append one row per dataset and per department, in one INSERT; returns the rows."""
    now = utcnow()
    rows: list[dict[str, object]] = [
        {"dataset_id": i, "department_id": None, "created_at": now} for i in dataset_ids
    ]
    rows += [{"dataset_id": None, "department_id": i, "created_at": now} for i in department_ids]
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":  # ids in commit order (see the module)
        connection.exec_driver_sql("LOCK TABLE change_log IN EXCLUSIVE MODE")
    connection.execute(insert(Change), rows)
    return len(rows)


def log_head(session: Session) -> int:
    """The id of the newest row (0 for an empty log): one indexed lookup."""
    return session.scalar(select(func.max(Change.id))) or 0


def log_bounds(session: Session) -> LogBounds:
    first, head = session.execute(select(func.min(Change.id), func.max(Change.id))).one()
    return LogBounds(first, head or 0)


def changed_since(
    session: Session, position: int, head: int, limit: int = 1000
) -> tuple[list[str], int]:
    """The datasets changed by the rows after ``position`` up to ``head`` (at most ``limit``
    rows; a department row stands for each of its datasets now) and the last row read."""
    rows = session.execute(
        select(Change.id, Change.dataset_id, Change.department_id)
        .where(Change.id > position, Change.id <= head)
        .order_by(Change.id)
        .limit(limit)
    ).all()
    if not rows:
        return [], head
    ids = {dataset_id for _id, dataset_id, _dept in rows if dataset_id}
    departments = sorted({dept for _id, _ds, dept in rows if dept is not None})
    for chunk in in_chunks(departments):
        ids.update(session.scalars(select(Dataset.id).where(Dataset.department_id.in_(chunk))))
    last = rows[-1][0] if len(rows) == limit else head
    return sorted(ids), last


def record_position(session: Session, name: str, change_id: int) -> None:
    """Note how far the follower ``name`` got (the caller commits)."""
    row = session.get(FollowerPosition, name)
    if row is None:
        session.add(FollowerPosition(name=name, change_id=change_id, updated_at=utcnow()))
    else:
        row.change_id, row.updated_at = change_id, utcnow()


def positions(session: Session) -> list[FollowerPosition]:
    return list(session.scalars(select(FollowerPosition).order_by(FollowerPosition.name)))


def prune_log(session: Session, keep_days: float = KEEP_DAYS) -> int:
    """Delete the rows older than ``keep_days`` that every follower seen in that time has
    applied; returns how many. Followers not seen for ``keep_days`` do not hold rows back
    (a store that comes back after that finds them pruned and rebuilds), and their rows in
    ``follower_position`` go."""
    horizon = utcnow() - timedelta(days=keep_days)
    applied = session.scalar(
        select(func.min(FollowerPosition.change_id)).where(FollowerPosition.updated_at >= horizon)
    )
    stmt = delete(Change).where(Change.created_at < horizon)
    if applied is not None:
        stmt = stmt.where(Change.id <= applied)
    head = log_head(session)
    stmt = stmt.where(Change.id < head)  # the newest row stays: it carries the log's head
    result = session.execute(stmt)
    session.execute(delete(FollowerPosition).where(FollowerPosition.updated_at < horizon))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

"""Record versions in the transaction that makes the change (see :mod:`catalog.versions`).

It hooks the same session events as :class:`catalog.watch.CommitWatcher`: ``after_flush``
collects the touched dataset ids, ``before_commit`` writes the versions. For a harvest of a
thousand datasets in one commit this is a few queries per 500 datasets (their rows, their
files, their latest versions) and one multi-row INSERT. A dataset deleted, or not public,
gets no version; one whose snapshot shows no difference from its latest version neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, event, func, insert, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from catalog.db import in_chunks, utcnow
from catalog.models import CLOSED, PUBLISHED, Dataset, Distribution
from catalog.versions import ORIGIN
from catalog.versions.models import SYSTEM, DatasetVersion
from catalog.versions.snapshots import build_snapshots, differences

_TOUCHED = "gxdata.versions.touched"
OriginOf = Callable[[Session], str | None]


class VersionRecorder:
    """Write a version of each public dataset a transaction changed, in that transaction."""

    def __init__(self, session_factory: sessionmaker, origin_of: OriginOf | None = None):
        self.session_factory = session_factory
        self.origin_of = origin_of
        for name, listener in self._listeners():
            event.listen(session_factory, name, listener)

    def _listeners(self) -> tuple[tuple[str, Callable[..., None]], ...]:
        return (
            ("after_flush", self._after_flush),
            ("before_commit", self._before_commit),
            ("after_commit", self._after_commit),
            ("after_soft_rollback", self._after_rollback),
        )

    def detach(self) -> None:
        for name, listener in self._listeners():
            if event.contains(self.session_factory, name, listener):
                event.remove(self.session_factory, name, listener)

    @staticmethod
    def _after_flush(session: Session, _context: object) -> None:
        touched: set[str] = session.info.setdefault(_TOUCHED, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Dataset) and obj.id:
                touched.add(obj.id)
            elif isinstance(obj, Distribution) and obj.dataset_id:
                touched.add(obj.dataset_id)

    def _before_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return
        if session.new or session.dirty or session.deleted:
            session.flush()
        touched = session.info.pop(_TOUCHED, set())
        if touched:
            record_versions(session.connection(), touched, self._origin(session))

    def _origin(self, session: Session) -> str:
        chosen = session.info.get(ORIGIN)
        if not chosen and self.origin_of is not None:
            chosen = self.origin_of(session)
        return chosen or SYSTEM

    @staticmethod
    def _after_commit(session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(_TOUCHED, None)
            session.info.pop(ORIGIN, None)

    @staticmethod
    def _after_rollback(session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # a savepoint's rollback: the rest is still to record
            session.info.pop(_TOUCHED, None)
            session.info.pop(ORIGIN, None)


def record_versions(connection: Connection, dataset_ids: Iterable[str], origin: str) -> int:
    """Insert a version of each of these datasets that is public and differs from its latest
    version; returns how many were written."""
    snapshots = build_snapshots(connection, dataset_ids)
    if not snapshots:
        return 0
    latest = latest_snapshots(connection, snapshots)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for dataset_id, snapshot in snapshots.items():
        number, previous = latest.get(dataset_id, (0, None))
        changes = differences(previous, snapshot)
        if previous is not None and not changes:
            continue
        rows.append(
            {
                "dataset_id": dataset_id,
                "number": number + 1,
                "created_at": now,
                "origin": origin,
                "snapshot": snapshot,
                "changes": changes,
            }
        )
    if rows:
        connection.execute(insert(DatasetVersion), rows)
    return len(rows)


def latest_snapshots(
    connection: Connection, dataset_ids: Iterable[str]
) -> dict[str, tuple[int, dict[str, Any]]]:
    """Each dataset's latest version: ``{id: (number, snapshot)}``, one query per 500 ids."""
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for chunk in in_chunks(sorted(dataset_ids)):
        newest = (
            select(DatasetVersion.dataset_id, func.max(DatasetVersion.number).label("number"))
            .where(DatasetVersion.dataset_id.in_(chunk))
            .group_by(DatasetVersion.dataset_id)
            .subquery()
        )
        stmt = select(
            DatasetVersion.dataset_id, DatasetVersion.number, DatasetVersion.snapshot
        ).join(
            newest,
            (newest.c.dataset_id == DatasetVersion.dataset_id)
            & (newest.c.number == DatasetVersion.number),
        )
        for dataset_id, number, snapshot in connection.execute(stmt):
            found[dataset_id] = (number, snapshot)
    return found


def record_unversioned(connection: Connection, origin: str) -> int:
    """Give every public dataset that has no version yet its first one (the datasets published
    before versions existed, which otherwise get it at their next change); returns how many."""
    versioned = select(DatasetVersion.dataset_id).distinct()
    stmt = (
        select(Dataset.id)
        .where(Dataset.state == PUBLISHED, Dataset.open_type != CLOSED)
        .where(Dataset.id.not_in(versioned))
        .order_by(Dataset.id)
    )
    ids = list(connection.scalars(stmt))
    return sum(record_versions(connection, chunk, origin) for chunk in in_chunks(ids))

"""Hits counted in memory and written in batches: no database write per request, no personal
data (no address, no user, no agent: a hit is a day, a kind and what was hit).

:class:`HitCounter` adds a hit to a dictionary under a lock; every ``flush_hits`` hits, or on
the first hit ``flush_seconds`` after the last flush, and at exit (and before figures are
read), the counts are written in one transaction by :func:`write_counts`: one upsert per
(day, kind, dataset) adding the counts to ``stats_counter`` (``INSERT … ON CONFLICT DO
UPDATE``, on SQLite and PostgreSQL alike), and the downloads also to
``distribution.download_count`` (what the home page's most downloaded datasets read), so both
agree after each flush. Several processes may count side by side: each adds its own counts.
A failed write keeps the counts for the next flush. :class:`RedisHitCounter` keeps them in
Redis instead when the portal has one, so that the processes share one pending batch.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import in_chunks, utcnow
from catalog.models import Dataset, Distribution
from catalog.stats.models import DOWNLOAD, KINDS, NO_DATASET, StatsCounter
from catalog.stats.quarters import beijing_day

log = logging.getLogger(__name__)

# (Beijing day, kind, subject): the subject is a distribution id for a download, a dataset id
# or slug for a page view or an API call, NO_DATASET for a hit that names none
Key = tuple[date, str, str]
FLUSH_HITS = 1000
FLUSH_SECONDS = 60.0


class HitCounter:
    """A thread-safe counter of hits, flushed in batches into the database."""

    def __init__(
        self,
        session_factory: sessionmaker,
        flush_hits: int = FLUSH_HITS,
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
    ):
        self.session_factory = session_factory
        self.flush_hits = max(1, flush_hits)
        self.flush_seconds = flush_seconds
        self.clock = clock
        self.now = now
        self.lock = threading.Lock()
        self.writing = threading.Lock()  # one flush at a time
        self.pending: Counter[Key] = Counter()
        self.pending_hits = 0
        self.last_flush = clock()

    def hit(self, kind: str, subject: str = NO_DATASET) -> None:
        """Count one hit; flush when the batch is full or old enough."""
        if kind not in KINDS:
            raise ValueError(f"no kind of hit {kind!r}")
        key = (beijing_day(self.now()), kind, subject[:100])
        with self.lock:
            self.pending[key] += 1
            self.pending_hits += 1
            due = self.pending_hits >= self.flush_hits or (
                self.clock() - self.last_flush >= self.flush_seconds
            )
        if due:
            self.flush()

    def pending_counts(self) -> Counter[Key]:
        with self.lock:
            return Counter(self.pending)

    def flush(self) -> int:
        """Write the pending counts; the number of hits written (0 when none or on failure)."""
        with self.writing:
            with self.lock:
                batch, self.pending = self.pending, Counter()
                self.pending_hits = 0
                self.last_flush = self.clock()
            if not batch:
                return 0
            try:
                with self.session_factory() as session, session.begin():
                    write_counts(session, batch)
            except Exception:  # the database is away: keep the counts for the next flush
                log.exception("hit counts not written; kept for the next flush")
                with self.lock:
                    self.pending.update(batch)
                    self.pending_hits += sum(batch.values())
                return 0
            return sum(batch.values())

    def close(self) -> None:
        """Flush at exit, never raising (the process is ending)."""
        try:
            self.flush()
        except Exception:
            log.exception("hit counts lost at exit")


class RedisHitCounter:
    """The same counter kept in Redis (``GXDATA_REDIS_URL``), shared by every process: a hit
    is one ``HINCRBY`` on the pending hash, no database write. A flush takes the pending hash
    away atomically (``RENAME`` to a key of its own), writes it with :func:`write_counts` and
    deletes it; a failed write puts the counts back."""

    PREFIX = "gxdata:stats:"

    def __init__(
        self,
        client: Any,
        session_factory: sessionmaker,
        flush_hits: int = FLUSH_HITS,
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
    ):
        self.client = client
        self.session_factory = session_factory
        self.flush_hits = max(1, flush_hits)
        self.flush_seconds = flush_seconds
        self.clock = clock
        self.now = now
        self.pending_key = self.PREFIX + "pending"
        self.count_key = self.PREFIX + "pending-hits"
        self.last_flush = clock()

    def hit(self, kind: str, subject: str = NO_DATASET) -> None:
        if kind not in KINDS:
            raise ValueError(f"no kind of hit {kind!r}")
        field = "\t".join((beijing_day(self.now()).isoformat(), kind, subject[:100]))
        pipe = self.client.pipeline()
        pipe.hincrby(self.pending_key, field, 1)
        pipe.incr(self.count_key)
        _, pending = pipe.execute()
        if int(pending) >= self.flush_hits or self.clock() - self.last_flush >= self.flush_seconds:
            self.flush()

    def pending_counts(self) -> Counter[Key]:
        return _parse(self.client.hgetall(self.pending_key))

    def flush(self) -> int:
        self.last_flush = self.clock()
        taken = f"{self.PREFIX}flushing:{uuid.uuid4().hex}"
        pipe = self.client.pipeline()
        pipe.exists(self.pending_key)
        pipe.set(self.count_key, 0)
        if not pipe.execute()[0]:
            return 0
        try:
            self.client.rename(self.pending_key, taken)
        except Exception:  # another process took it first
            return 0
        batch = _parse(self.client.hgetall(taken))
        try:
            with self.session_factory() as session, session.begin():
                write_counts(session, batch)
        except Exception:
            log.exception("hit counts not written; kept in Redis for the next flush")
            pipe = self.client.pipeline()
            for (day, kind, subject), n in batch.items():
                pipe.hincrby(self.pending_key, "\t".join((day.isoformat(), kind, subject)), n)
            pipe.delete(taken)
            pipe.execute()
            return 0
        self.client.delete(taken)
        return sum(batch.values())

    def close(self) -> None:
        try:
            self.flush()
        except Exception:
            log.exception("hit counts not written at exit (they stay in Redis)")


def _parse(raw: Mapping[Any, Any]) -> Counter[Key]:
    found: Counter[Key] = Counter()
    for field, n in raw.items():
        text = field.decode() if isinstance(field, bytes) else str(field)
        day, kind, subject = text.split("\t", 2)
        found[(date.fromisoformat(day), kind, subject)] += int(n)
    return found


def write_counts(session: Session, counts: Mapping[Key, int]) -> None:
    """Add ``counts`` to ``stats_counter`` (and downloads to ``distribution.download_count``).
    Subjects that name no dataset any more are counted as naming none."""
    downloads: Counter[str] = Counter()
    for (_day, kind, subject), n in counts.items():
        if kind == DOWNLOAD and subject:
            downloads[subject] += n
    for distribution_id, n in downloads.items():
        session.execute(
            update(Distribution)
            .where(Distribution.id == distribution_id)
            .values(download_count=Distribution.download_count + n)
        )
    datasets = _datasets_of(session, counts)
    rows: dict[tuple[date, str, str], int] = defaultdict(int)
    for (day, kind, subject), n in counts.items():
        rows[(day, kind, datasets.get((kind == DOWNLOAD, subject), (NO_DATASET, None))[0])] += n
    departments = {dataset_id: department for dataset_id, department in datasets.values()}
    values: list[dict[str, object]] = [
        {
            "day": day,
            "kind": kind,
            "dataset_id": dataset_id,
            "department_id": departments.get(dataset_id),
            "count": n,
        }
        for (day, kind, dataset_id), n in sorted(rows.items())
    ]
    _upsert(session, values)


def _datasets_of(
    session: Session, counts: Mapping[Key, int]
) -> dict[tuple[bool, str], tuple[str, int | None]]:
    """(is a download, subject) → (dataset id, department id), for the subjects that exist."""
    found: dict[tuple[bool, str], tuple[str, int | None]] = {}
    distributions = sorted({s for (_d, k, s) in counts if k == DOWNLOAD and s})
    for chunk in in_chunks(distributions):
        query = (
            select(Distribution.id, Dataset.id, Dataset.department_id)
            .join(Dataset, Dataset.id == Distribution.dataset_id)
            .where(Distribution.id.in_(chunk))
        )
        for distribution_id, dataset_id, department_id in session.execute(query):
            found[(True, distribution_id)] = (dataset_id, department_id)
    subjects = sorted({s for (_d, k, s) in counts if k != DOWNLOAD and s})
    for chunk in in_chunks(subjects):
        query = select(Dataset.id, Dataset.slug, Dataset.department_id).where(
            or_(Dataset.id.in_(chunk), Dataset.slug.in_(chunk))
        )
        for dataset_id, slug, department_id in session.execute(query):
            found[(False, dataset_id)] = found[(False, slug)] = (dataset_id, department_id)
    return found


def _upsert(session: Session, values: list[dict[str, object]]) -> None:
    if not values:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        _upsert_portably(session, values)
        return
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for chunk in in_chunks(values, 200):
        statement = insert(StatsCounter).values(chunk)
        statement = statement.on_conflict_do_update(
            index_elements=["day", "kind", "dataset_id"],
            set_={
                "count": StatsCounter.count + statement.excluded["count"],
                "department_id": statement.excluded["department_id"],
            },
        )
        session.execute(statement)


def _upsert_portably(session: Session, values: list[dict[str, object]]) -> None:
    for value in values:
        row = session.scalar(
            select(StatsCounter).where(
                StatsCounter.day == value["day"],
                StatsCounter.kind == value["kind"],
                StatsCounter.dataset_id == value["dataset_id"],
            )
        )
        if row is None:
            session.add(StatsCounter(**value))
        else:
            row.count += int(value["count"])  # type: ignore[call-overload]
    session.flush()

"""Hits counted in memory and written in batches: no database write per request, no personal
data (no address, no user, no agent: a hit is a day, a kind and what was hit).

:class:`HitCounter` adds a hit to a dictionary under a lock; every ``flush_hits`` hits, or on
the first hit ``flush_seconds`` after the last flush, every ``flush_seconds`` from
:class:`FlushTimer` (started by ``gxdata serve``), and at exit (and before figures are read),
the counts are written in one transaction by :func:`write_counts`: one upsert per
(day, kind, dataset) adding the counts to ``stats_counter`` (``INSERT … ON CONFLICT DO
UPDATE``, on SQLite and PostgreSQL alike), and the downloads also to
``distribution.download_count`` (what the home page's most downloaded datasets read), so both
agree after each flush. Several processes may count side by side: each adds its own counts.
A failed write keeps the counts for a later flush (no hit retries before ``flush_seconds``).
:class:`RedisHitCounter` keeps them in Redis instead when the portal has one, so that the
processes share one pending batch.
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
from catalog.models import Distribution
from catalog.queries import public_datasets
from catalog.stats.models import DOWNLOAD, KINDS, NO_DATASET, StatsCounter
from catalog.stats.quarters import beijing_day

log = logging.getLogger(__name__)

# (Beijing day, kind, subject): the subject is a distribution id for a download, a dataset id
# or slug for a page view or an API call, NO_DATASET for a hit that names none
Key = tuple[date, str, str]
FLUSH_HITS = 1000
FLUSH_SECONDS = 60.0
MAX_PENDING_KEYS = 100_000  # pending (day, kind, subject) keys kept while writes fail


class HitCounter:
    """A thread-safe counter of hits, flushed in batches into the database.

    A hit never waits for a write: when the batch is due and another thread is writing, the
    hit only counts (the writer takes it next time); after a failed write no hit tries again
    for ``flush_seconds`` (a locked or absent database does not make every request queue);
    and past ``max_keys`` pending (day, kind, subject) keys the oldest days' counts are
    dropped, logged, so that memory stays bounded while the database is away.
    """

    def __init__(
        self,
        session_factory: sessionmaker,
        flush_hits: int = FLUSH_HITS,
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
        max_keys: int = MAX_PENDING_KEYS,
    ):
        self.session_factory = session_factory
        self.flush_hits = max(1, flush_hits)
        self.flush_seconds = flush_seconds
        self.clock = clock
        self.now = now
        self.max_keys = max(1, max_keys)
        self.lock = threading.Lock()
        self.writing = threading.Lock()  # one flush at a time
        self.pending: Counter[Key] = Counter()
        self.pending_hits = 0
        self.last_flush = clock()
        self.retry_at = 0.0  # after a failed write, no hit flushes before this
        self.dropped = 0  # hits dropped past max_keys (logged)

    def hit(self, kind: str, subject: str = NO_DATASET) -> None:
        """Count one hit; flush when the batch is full or old enough, unless another thread
        is writing or the last write failed less than ``flush_seconds`` ago."""
        if kind not in KINDS:
            raise ValueError(f"no kind of hit {kind!r}")
        key = (beijing_day(self.now()), kind, subject[:100])
        with self.lock:
            if key not in self.pending and len(self.pending) >= self.max_keys:
                self._drop_oldest()
            self.pending[key] += 1
            self.pending_hits += 1
            now = self.clock()
            due = now >= self.retry_at and (
                self.pending_hits >= self.flush_hits or now - self.last_flush >= self.flush_seconds
            )
        if due:
            self._flush(blocking=False)

    def _drop_oldest(self) -> None:
        """Make room (called under ``lock``): drop the counts of the oldest tenth of the keys."""
        oldest = sorted(self.pending, key=lambda k: k[0])[: max(1, self.max_keys // 10)]
        lost = sum(self.pending.pop(k) for k in oldest)
        self.pending_hits = max(0, self.pending_hits - lost)
        self.dropped += lost
        log.warning(
            "hit counts over %d pending keys (the database is away?): dropped %d hits of "
            "the oldest days",
            self.max_keys,
            lost,
        )

    def pending_counts(self) -> Counter[Key]:
        with self.lock:
            return Counter(self.pending)

    def flush(self) -> int:
        """Write the pending counts, waiting for a write in progress; the number of hits
        written (0 when none or on failure)."""
        return self._flush(blocking=True)

    def _flush(self, blocking: bool) -> int:
        if not self.writing.acquire(blocking=blocking):
            return 0  # another thread is writing: these hits go in its next batch
        try:
            with self.lock:
                batch, self.pending = self.pending, Counter()
                self.pending_hits = 0
                self.last_flush = self.clock()
            if not batch:
                return 0
            try:
                with self.session_factory() as session, session.begin():
                    write_counts(session, batch)
            except Exception:  # the database is away: keep the counts for a later flush
                log.exception("hit counts not written; kept for a flush in %ss", self.flush_seconds)
                with self.lock:
                    self.retry_at = self.clock() + self.flush_seconds
                    self.pending.update(batch)
                    self.pending_hits += sum(batch.values())
                    while len(self.pending) > self.max_keys:
                        self._drop_oldest()
                return 0
            with self.lock:
                self.retry_at = 0.0
            return sum(batch.values())
        finally:
            self.writing.release()

    def close(self) -> None:
        """Flush at exit, never raising (the process is ending)."""
        try:
            self.flush()
        except Exception:
            log.exception("hit counts lost at exit")


class FlushTimer:
    """Flush a counter every ``seconds`` in a daemon thread (``gxdata serve``, ``gxdata
    demo``), so that the counts of a quiet portal are written without waiting for a hit."""

    def __init__(self, counter: HitCounter | RedisHitCounter, seconds: float) -> None:
        self.counter = counter
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.seconds > 0:
            self._thread = threading.Thread(target=self._run, name="gxdata-stats", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.counter.flush()
            except Exception:  # Redis away: the next tick tries again
                log.exception("hit counts not flushed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None


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
    """(is a download, subject) → (dataset id, department id), for the subjects that name a
    public dataset (:func:`catalog.queries.public_datasets`): any other subject counts as
    naming none, so that counts never tell of a dataset the public may not see."""
    found: dict[tuple[bool, str], tuple[str, int | None]] = {}
    public = public_datasets().subquery()
    distributions = sorted({s for (_d, k, s) in counts if k == DOWNLOAD and s})
    for chunk in in_chunks(distributions):
        query = (
            select(Distribution.id, public.c.id, public.c.department_id)
            .join(public, public.c.id == Distribution.dataset_id)
            .where(Distribution.id.in_(chunk))
        )
        for distribution_id, dataset_id, department_id in session.execute(query):
            found[(True, distribution_id)] = (dataset_id, department_id)
    subjects = sorted({s for (_d, k, s) in counts if k != DOWNLOAD and s})
    for chunk in in_chunks(subjects):
        query = select(public.c.id, public.c.slug, public.c.department_id).where(
            or_(public.c.id.in_(chunk), public.c.slug.in_(chunk))
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

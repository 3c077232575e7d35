"""Follow the change log: one watcher per session factory writes it, the stores follow it.

The database is the only truth. One :class:`CommitWatcher` per session factory records in
every flush which datasets the transaction touched (directly, through a distribution, or
through a department whose own values changed) and, just before the commit, appends them to
the change log (:mod:`catalog.changes`) in the same transaction, in one INSERT. A
rolled-back transaction leaves no row.

Each derived store (the search index, the SPARQL store) is a :class:`Follower` that keeps in
itself the id of the last log row it applied. :meth:`CommitWatcher.catch_up` brings the
followers to the log's head: it reads the rows after their position, then the datasets they
name, a batch at a time with what the exports need of them
(:data:`catalog.linked_data.LOAD_OPTIONS`), once for all followers at the same position, and
hands each batch to them: the ids that changed and the public datasets among them (the
others are to be removed). A follower with no position (a new, deleted or unreadable store),
or one left behind the pruned rows, is rebuilt from the database. Catch-up runs after every
commit of this process, at start and periodically (:class:`FollowLoop`); a follower whose
store another process writes (it cannot take the store) is skipped: the log keeps the
changes until the store's owner applies them, so no update is lost. Applying a row twice is
harmless: a dataset is re-published from its current state.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from catalog.changes import (
    changed_since,
    log_bounds,
    log_changes,
    log_head,
    prune_log,
    record_position,
)
from catalog.db import in_chunks
from catalog.linked_data import LOAD_OPTIONS
from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets

log = logging.getLogger(__name__)

BATCH = 1000
LOG_ROWS = 5000  # log rows read at a time by a catch-up
REPORT_SECONDS = 30.0  # a follower's position is noted in the database at most this often
PRUNE_SECONDS = 3600.0
_DATASETS = "gxdata.watch.datasets"
_DEPARTMENTS = "gxdata.watch.departments"
_LOGGED = "gxdata.watch.logged"
T = TypeVar("T")


def note_changed(session: Session, dataset_ids: Iterable[str]) -> None:
    """Log ``dataset_ids`` as changed at this transaction's commit although no row of theirs
    was written (e.g. a reuse of them was approved: their DCAT output changes)."""
    session.info.setdefault(_DATASETS, set()).update(dataset_ids)


class StoreBusy(Exception):
    """The store is held by another process, which will apply the log itself."""


class Follower(Protocol):
    """A store kept in step with the public catalog by applying the change log."""

    name: str

    def exclusive(self) -> AbstractContextManager[bool]:
        """Hold the store for a catch-up; yields False when another process writes it."""

    def position(self) -> int | None:
        """The last log row applied to the store; None when it must be rebuilt."""

    def follow(self, changed: Sequence[str], public: Sequence[Dataset]) -> None:
        """``changed``: dataset ids; ``public``: those of them still public, fully loaded."""

    def set_position(self, change_id: int) -> None:
        """Record in the store that the log up to ``change_id`` is applied."""

    def rebuild(self, session: Session, change_id: int) -> int:
        """Reload the store from the database, at log position ``change_id``; returns the
        public datasets loaded."""

    def label(self) -> str:
        """The follower and its store, as noted in ``follower_position``."""


class Following:
    """A follower that joins its session factory's watcher when made, and leaves on detach."""

    name: str

    def __init__(self, session_factory: sessionmaker) -> None:
        self.session_factory = session_factory
        self._lock = threading.RLock()
        self._known: int | None = None  # the position last read or written by this process
        self.watcher = follow(session_factory, self)  # type: ignore[arg-type]

    def detach(self) -> None:
        unfollow(self.session_factory, self)  # type: ignore[arg-type]

    def catch_up(self) -> CatchUp | None:
        """Bring this store to the log's head now (None: another process holds it)."""
        return self.watcher.catch_up([self]).get(self.name)  # type: ignore[list-item]

    def catch_up_if_behind(self) -> None:
        """Catch up first when the log has rows this store has not applied: one indexed
        lookup when it has them all (before a read, so no withdrawn dataset shows)."""
        with self.session_factory() as reader:
            head = log_head(reader)
        if self._known is None or self._known < head:
            self._before_read()
            self.catch_up()

    def _before_read(self) -> None:
        """What a reader's catch-up does first (nothing by default)."""


@dataclass
class CatchUp:
    """What one catch-up did to one follower."""

    start: int | None  # position before (None: rebuilt)
    end: int  # position after
    datasets: int = 0  # datasets applied (or loaded by a rebuild)
    rebuilt: bool = False


class CommitWatcher:
    """Write the change log of every commit; after the commit, catch the followers up."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self.session_factory = session_factory
        self.followers: list[Follower] = []
        self._reported: dict[str, float] = {}
        for name, listener in self._listeners():
            event.listen(session_factory, name, listener)

    def _listeners(self) -> tuple[tuple[str, Callable[..., None]], ...]:
        return (
            ("after_flush", self._after_flush),
            ("before_commit", self._before_commit),
            ("after_commit", self._after_commit),
            ("after_soft_rollback", self._after_rollback),
        )

    def add(self, follower: Follower) -> None:
        self.followers.append(follower)

    def remove(self, follower: Follower) -> None:
        if follower in self.followers:
            self.followers.remove(follower)
        if not self.followers:
            self.detach()

    def detach(self) -> None:
        for name, listener in self._listeners():
            if event.contains(self.session_factory, name, listener):
                event.remove(self.session_factory, name, listener)
        _WATCHERS.pop(self.session_factory, None)

    def _after_flush(self, session: Session, _context: object) -> None:
        dataset_ids: set[str] = session.info.setdefault(_DATASETS, set())
        department_ids: set[int] = session.info.setdefault(_DEPARTMENTS, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Dataset):
                dataset_ids.add(obj.id)
            elif isinstance(obj, Distribution) and obj.dataset_id:
                dataset_ids.add(obj.dataset_id)
            elif isinstance(obj, Department) and obj.id is not None and _changed(session, obj):
                department_ids.add(obj.id)

    def _before_commit(self, session: Session) -> None:
        """Flush, then append what the transaction touched to the log, in one INSERT."""
        if session.in_nested_transaction():  # a savepoint's release: the commit comes later
            return
        if session.new or session.dirty or session.deleted:
            session.flush()
        dataset_ids = session.info.pop(_DATASETS, set())
        department_ids = session.info.pop(_DEPARTMENTS, set())
        if dataset_ids or department_ids:
            log_changes(session.connection(), sorted(dataset_ids), sorted(department_ids))
            session.info[_LOGGED] = True

    def _after_rollback(self, session: Session, previous: SessionTransaction) -> None:
        if previous.parent is not None:
            # a savepoint (a harvest writes a refused batch record by record in savepoints):
            # what the transaction touched before it is still to be logged at its commit
            return
        for key in (_DATASETS, _DEPARTMENTS, _LOGGED):
            session.info.pop(key, None)

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint released: nothing committed yet
            return
        if session.info.pop(_LOGGED, False) and self.followers:
            self.catch_up()

    def catch_up(self, followers: Sequence[Follower] | None = None) -> dict[str, CatchUp]:
        """Bring the followers (all by default) to the log's head; never raises. Returns what
        was done to each follower that could take its store."""
        started = time.perf_counter()
        done: dict[str, CatchUp] = {}
        with _Held(list(self.followers if followers is None else followers)) as held:
            if not held:
                return done
            try:
                with self.session_factory() as reader:
                    self._catch_up(reader, held, done)
            except Exception:  # the log keeps the changes: the next catch-up applies them
                log.exception("could not catch up %s", ", ".join(f.name for f in held))
        if done:
            self._report(done, {f.name: f for f in held})
            log.debug("followers caught up in %.2f s", time.perf_counter() - started)
        return done

    def _catch_up(self, reader: Session, held: list[Follower], done: dict[str, CatchUp]) -> None:
        bounds = log_bounds(reader)
        groups: dict[int, list[Follower]] = {}
        for follower in held:
            ok, position = _attempt(follower, follower.position)
            if not ok:
                continue
            if position is None or not bounds.reachable(position):
                ok, count = _attempt(follower, partial(follower.rebuild, reader, bounds.head))
                if ok:
                    done[follower.name] = CatchUp(None, bounds.head, count or 0, rebuilt=True)
                reader.expunge_all()
            elif position < bounds.head:
                groups.setdefault(position, []).append(follower)
            else:
                done[follower.name] = CatchUp(position, position)
        for position, followers in groups.items():
            self._apply(reader, position, followers, bounds.head, done)

    def _apply(
        self,
        reader: Session,
        start: int,
        followers: list[Follower],
        head: int,
        done: dict[str, CatchUp],
    ) -> None:
        """Apply the log after ``start`` up to ``head``, reading each batch once for all."""
        position, counts = start, dict.fromkeys((f.name for f in followers), 0)
        while position < head and followers:
            ids, upto = changed_since(reader, position, head, LOG_ROWS)
            for changed, public in _batches(reader, ids):
                for follower in list(followers):
                    if _attempt(follower, partial(follower.follow, changed, public))[0]:
                        counts[follower.name] += len(changed)
                    else:
                        followers.remove(follower)
                reader.expunge_all()  # release the batch before reading the next
            for follower in list(followers):
                if _attempt(follower, partial(follower.set_position, upto))[0]:
                    done[follower.name] = CatchUp(start, upto, counts[follower.name])
                else:
                    followers.remove(follower)
            position = upto

    def rebuild(self, follower: Follower) -> CatchUp:
        """Reload the follower's store from the database now (raises when it cannot)."""
        with follower.exclusive() as mine:
            if not mine:
                raise StoreBusy(f"{follower.name} is being updated by another process")
            with self.session_factory() as reader:
                head = log_head(reader)
                step = CatchUp(None, head, follower.rebuild(reader, head), rebuilt=True)
        self._report({follower.name: step}, {follower.name: follower})
        return step

    def _report(self, done: dict[str, CatchUp], by_name: dict[str, Follower]) -> None:
        """Note the followers' positions in the database (throttled; for pruning)."""
        now = time.monotonic()
        due = [
            name
            for name, step in done.items()
            if step.rebuilt or now - self._reported.get(name, -REPORT_SECONDS) >= REPORT_SECONDS
        ]
        if not due:
            return
        try:
            with self.session_factory() as writer, writer.begin():
                for name in due:
                    record_position(writer, by_name[name].label(), done[name].end)
        except Exception:  # only pruning and ``gxdata check`` read it
            log.warning("could not note the followers' positions", exc_info=True)
            return
        self._reported.update(dict.fromkeys(due, now))


class _Held:
    """Take each follower's store for a catch-up; keep those that could be taken."""

    def __init__(self, followers: list[Follower]) -> None:
        self.followers = followers
        self._contexts: list[AbstractContextManager[bool]] = []

    def __enter__(self) -> list[Follower]:
        held = []
        for follower in self.followers:
            try:
                context = follower.exclusive()
                mine = context.__enter__()
            except Exception:
                log.warning("%s cannot be opened now; it will catch up later", follower.name)
                continue
            self._contexts.append(context)
            if mine:
                held.append(follower)
        return held

    def __exit__(self, *exc: object) -> None:
        for context in reversed(self._contexts):
            context.__exit__(None, None, None)


def _attempt(follower: Follower, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run ``action`` for ``follower``: (True, its result), or (False, None) when it failed
    (logged; the log keeps the changes and a later catch-up applies them)."""
    try:
        return True, action()
    except StoreBusy as busy:
        log.info(
            "%s is held by another process (%s); its owner applies the log", follower.name, busy
        )
    except Exception:
        log.exception("%s update failed; the next catch-up retries it", follower.name)
    return False, None


class FollowLoop:
    """Catch the followers up every ``seconds`` in a daemon thread (``gxdata serve``,
    ``gxdata demo``), and at once when :meth:`wake` is called (a read found a store gone);
    prune the log every :data:`PRUNE_SECONDS`, keeping ``keep_days`` of it."""

    def __init__(self, watcher: CommitWatcher, seconds: float, keep_days: float) -> None:
        self.watcher = watcher
        self.seconds = seconds
        self.keep_days = keep_days
        self._pruned = -PRUNE_SECONDS
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.seconds > 0:
            self._thread = threading.Thread(target=self._run, name="gxdata-follow", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def tick(self) -> dict[str, CatchUp]:
        self._wake.clear()
        done = self.watcher.catch_up()
        if time.monotonic() - self._pruned >= PRUNE_SECONDS:
            self._pruned = time.monotonic()
            try:
                with self.watcher.session_factory() as session, session.begin():
                    pruned = prune_log(session, self.keep_days)
                log.info("pruned %d change log rows", pruned)
            except Exception:  # tried again in an hour
                log.warning("could not prune the change log", exc_info=True)
        return done

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._wake.wait(self.seconds)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None


def commit_watcher(session_factory: sessionmaker) -> CommitWatcher:
    """The one watcher of this session factory, created on first use."""
    watcher = _WATCHERS.get(session_factory)
    if watcher is None:
        watcher = _WATCHERS[session_factory] = CommitWatcher(session_factory)
    return watcher


def follow(session_factory: sessionmaker, follower: Follower) -> CommitWatcher:
    watcher = commit_watcher(session_factory)
    watcher.add(follower)
    return watcher


def unfollow(session_factory: sessionmaker, follower: Follower) -> None:
    watcher = _WATCHERS.get(session_factory)
    if watcher is not None:
        watcher.remove(follower)


_WATCHERS: weakref.WeakKeyDictionary[sessionmaker, CommitWatcher] = weakref.WeakKeyDictionary()


def load_batches(session: Session, ids: Iterable[str]) -> Iterator[tuple[list[str], list[Dataset]]]:
    """These datasets a batch at a time: the ids and the public datasets among them."""
    return _batches(session, sorted(set(ids)))


def _batches(session: Session, ids: list[str]) -> Iterator[tuple[list[str], list[Dataset]]]:
    for changed in in_chunks(ids, BATCH):
        stmt = (
            public_datasets()
            .where(Dataset.id.in_(changed))
            .order_by(Dataset.id)
            .options(*LOAD_OPTIONS)
        )
        yield changed, list(session.scalars(stmt))


def _changed(session: Session, department: Department) -> bool:
    """A department's own values changed: not only its list of datasets (a dataset added to
    a department dirties it through the relationship, and must not re-publish its siblings)."""
    if department in session.new or department in session.deleted:
        return True
    return session.is_modified(department, include_collections=False)

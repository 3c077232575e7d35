"""Follow what each committed transaction changed in the catalog: one watcher, many followers.

The search index and the SPARQL store both mirror the public catalog. Rather than each
listening to the session factory and re-reading the same datasets, one
:class:`CommitWatcher` per session factory records in every flush which datasets the
transaction touched (directly, through a distribution, or through a department whose own
values changed). After the commit it reads those datasets once, a batch at a time, with
what the exports need of them (:data:`catalog.linked_data.LOAD_OPTIONS`), and hands each
batch to every follower: the ids that changed and the public datasets among them (the
others are to be removed). A rolled-back transaction changes nothing.

A follower that fails is logged and the others still run: the database is the truth, and
each follower has a command that rebuilds it (``gxdata index rebuild``,
``gxdata sparql rebuild``).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import in_chunks
from catalog.linked_data import LOAD_OPTIONS
from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets

log = logging.getLogger(__name__)

BATCH = 1000
_DATASETS = "gxdata.watch.datasets"
_DEPARTMENTS = "gxdata.watch.departments"


class Follower(Protocol):
    """Something kept in step with the public catalog."""

    name: str

    def follow(self, changed: Sequence[str], public: Sequence[Dataset]) -> None:
        """``changed``: dataset ids; ``public``: those of them still public, fully loaded."""


class Following:
    """A follower that joins its session factory's watcher when made, and leaves on detach."""

    name: str

    def __init__(self, session_factory: sessionmaker) -> None:
        self.session_factory = session_factory
        self.watcher = follow(session_factory, self)

    def detach(self) -> None:
        unfollow(self.session_factory, self)

    def follow(self, changed: Sequence[str], public: Sequence[Dataset]) -> None:
        raise NotImplementedError


class CommitWatcher:
    """Collect the datasets a transaction touched; after its commit, update the followers."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self.session_factory = session_factory
        self.followers: list[Follower] = []
        event.listen(session_factory, "after_flush", self._after_flush)
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_soft_rollback", self._after_rollback)

    def add(self, follower: Follower) -> None:
        self.followers.append(follower)

    def remove(self, follower: Follower) -> None:
        if follower in self.followers:
            self.followers.remove(follower)
        if not self.followers:
            self.detach()

    def detach(self) -> None:
        for name, listener in (
            ("after_flush", self._after_flush),
            ("after_commit", self._after_commit),
            ("after_soft_rollback", self._after_rollback),
        ):
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

    def _after_rollback(self, session: Session, _previous: object) -> None:
        session.info.pop(_DATASETS, None)
        session.info.pop(_DEPARTMENTS, None)

    def _after_commit(self, session: Session) -> None:
        dataset_ids = session.info.pop(_DATASETS, set())
        department_ids = session.info.pop(_DEPARTMENTS, set())
        if (dataset_ids or department_ids) and self.followers:
            try:
                self.replay(dataset_ids, department_ids)
            except Exception:  # the commit stands; the followers' rebuild commands mend
                log.exception(
                    "could not read the committed datasets for %s",
                    ", ".join(f.name for f in self.followers),
                )

    def replay(
        self,
        dataset_ids: Iterable[str],
        department_ids: Iterable[int] = (),
        followers: Sequence[Follower] | None = None,
    ) -> None:
        """Hand these datasets (and every dataset of these departments) to the followers."""
        started = time.perf_counter()
        followers = list(self.followers if followers is None else followers)
        failed: set[str] = set()
        with self.session_factory() as reader:
            ids = set(dataset_ids)
            if department_ids:
                ids.update(
                    reader.scalars(
                        select(Dataset.id).where(Dataset.department_id.in_(list(department_ids)))
                    )
                )
            for changed, public in _batches(reader, sorted(ids)):
                for follower in followers:
                    if follower.name in failed:
                        continue
                    try:
                        follower.follow(changed, public)
                    except Exception:  # logged; the follower's rebuild command mends it
                        failed.add(follower.name)
                        log.exception("%s update failed; rebuild it", follower.name)
                reader.expunge_all()  # release the batch before reading the next
        log.debug("followers updated in %.2f s", time.perf_counter() - started)


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

"""Keep the search index in step with the database.

:class:`IndexSync` follows the change log (:mod:`catalog.watch`): the datasets each commit
touched are upserted in the index, or removed from it when they are no longer public, and
the index keeps the position it reached in its folder. Whichever process takes the index's
follow lock applies the log; the others leave it to that process. A rolled-back transaction
changes nothing in the index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.orm import Session, selectinload, sessionmaker

from catalog.access import public_distribution
from catalog.models import Dataset
from catalog.queries import public_datasets
from catalog.search.base import SearchDocument, SearchEngine
from catalog.watch import Following
from vocab import topics

log = logging.getLogger(__name__)


def topic_notation(name: str | None) -> str | None:
    """The topic (主题) a dataset names, as its notation in ``vocab.topics``; None if unknown."""
    concept = topics.topic(name) if name else None
    return concept.notation if concept is not None else None


def _distribution_names(dataset: Dataset) -> tuple[str, ...]:
    """The distributions' titles, and the file names the public may download them under."""
    names: list[str] = []
    for distribution in dataset.distributions:
        names.append(distribution.title)
        if distribution.file_name and public_distribution(dataset, distribution).stored_file:
            names.append(distribution.file_name)
    return tuple(dict.fromkeys(name for name in names if name))


def to_document(dataset: Dataset) -> SearchDocument:
    department = dataset.department
    formats = tuple(dict.fromkeys(d.format for d in dataset.distributions if d.format))
    division = dataset.spatial or (department.division if department else None)
    return SearchDocument(
        id=dataset.id,
        title=dataset.title,
        description=dataset.description or "",
        keywords=tuple(dataset.keywords or ()),
        department=department.name if department else "",
        department_slug=department.slug if department else "",
        category=dataset.category,
        division=division,
        formats=formats,
        open_type=dataset.open_type,
        frequency=dataset.update_frequency,
        topic=topic_notation(dataset.topic),
        distribution_titles=_distribution_names(dataset),
        details=tuple(
            value
            for value in (
                dataset.service_item,
                dataset.result_name,
                dataset.source_system,
                dataset.application_scenarios,
            )
            if value
        ),
        modified=dataset.modified or dataset.issued,
        downloads=dataset.download_count,
    )


def public_documents(session: Session, batch: int = 500) -> Iterator[SearchDocument]:
    stmt = (
        public_datasets()
        .order_by(Dataset.id)
        .options(selectinload(Dataset.distributions), selectinload(Dataset.department))
        .execution_options(yield_per=batch)
    )
    for dataset in session.scalars(stmt):
        yield to_document(dataset)


def rebuild_index(session: Session, engine: SearchEngine) -> int:
    return engine.rebuild(public_documents(session))


class IndexSync(Following):
    """Apply the change log to the search index (a log follower)."""

    name = "search index"

    def __init__(self, engine: SearchEngine, session_factory: sessionmaker):
        self.engine = engine
        self._store: str | None = None
        super().__init__(session_factory)

    @contextmanager
    def exclusive(self) -> Iterator[bool]:
        with self._lock, self.engine.follow_lock() as mine:
            yield mine

    def position(self) -> int | None:
        kept = self.engine.position()
        if kept is None:
            self._known = None
            return None
        self._known, self._store = kept
        return self._known

    def follow(self, changed: Sequence[str], public: Sequence[Dataset]) -> None:
        self.engine.update(changed, [to_document(d) for d in public])

    def set_position(self, change_id: int) -> None:
        self._store = self.engine.set_position(change_id, self._store)
        self._known = change_id

    def rebuild(self, session: Session, change_id: int) -> int:
        self._known = None
        count = rebuild_index(session, self.engine)
        self._store = self.engine.set_position(change_id)  # a new store: a new id
        self._known = change_id
        return count

    def label(self) -> str:
        return f"{self.name} {self._store or '?'} {self.engine.folder}"

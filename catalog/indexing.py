"""Keep the search index in step with the database.

:class:`IndexSync` follows the session factory's commits (:mod:`catalog.watch`): after each
commit the datasets it touched are upserted in the index, or removed from it when they are
no longer public. A rolled-back transaction changes nothing in the index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy.orm import Session, selectinload, sessionmaker

from catalog.models import Dataset
from catalog.queries import public_datasets
from catalog.search.base import SearchDocument, SearchEngine
from catalog.watch import Following

log = logging.getLogger(__name__)


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
        distribution_titles=tuple(d.title for d in dataset.distributions),
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
    """Upsert or remove the datasets a committed transaction touched (a commit follower)."""

    name = "search index"

    def __init__(self, engine: SearchEngine, session_factory: sessionmaker):
        self.engine = engine
        super().__init__(session_factory)

    def follow(self, changed: Sequence[str], public: Sequence[Dataset]) -> None:
        documents = [to_document(d) for d in public]
        self.engine.remove(set(changed) - {doc.id for doc in documents})
        self.engine.add(documents)

    def sync(self, dataset_ids: Iterable[str], department_ids: Iterable[int] = ()) -> None:
        """Re-read these datasets (and those of these departments) into the index now."""
        self.watcher.replay(dataset_ids, department_ids, followers=[self])

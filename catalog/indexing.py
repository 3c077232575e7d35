"""Keep the search index in step with the database.

:class:`IndexSync` listens to a session factory: every flush records which datasets were
touched (directly, through a distribution or through their department), and after the
commit those datasets are re-read and upserted in the index, or removed from it when they
are no longer public. A rolled-back transaction changes nothing in the index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets
from catalog.search.base import SearchDocument, SearchEngine

log = logging.getLogger(__name__)

_DATASETS = "gxdata.index.datasets"
_DEPARTMENTS = "gxdata.index.departments"


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


class IndexSync:
    """Upsert or remove the datasets a committed transaction touched."""

    def __init__(self, engine: SearchEngine, session_factory: sessionmaker):
        self.engine = engine
        self.session_factory = session_factory
        event.listen(session_factory, "after_flush", self._after_flush)
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_soft_rollback", self._after_rollback)

    def detach(self) -> None:
        event.remove(self.session_factory, "after_flush", self._after_flush)
        event.remove(self.session_factory, "after_commit", self._after_commit)
        event.remove(self.session_factory, "after_soft_rollback", self._after_rollback)

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
        if dataset_ids or department_ids:
            try:
                self.sync(dataset_ids, department_ids)
            except Exception:  # the database is the truth; `gxdata index rebuild` mends
                log.exception("search index update failed; run `gxdata index rebuild`")

    def sync(self, dataset_ids: Iterable[str], department_ids: Iterable[int] = ()) -> None:
        ids = set(dataset_ids)
        with self.session_factory() as session:
            if department_ids:
                ids.update(
                    session.scalars(
                        select(Dataset.id).where(Dataset.department_id.in_(list(department_ids)))
                    )
                )
            if not ids:
                return
            public: list[SearchDocument] = []
            for chunk in _chunks(sorted(ids), 500):
                stmt = (
                    public_datasets()
                    .where(Dataset.id.in_(chunk))
                    .options(selectinload(Dataset.distributions), selectinload(Dataset.department))
                )
                public.extend(to_document(d) for d in session.scalars(stmt))
        public_ids = {doc.id for doc in public}
        self.engine.remove(ids - public_ids)
        self.engine.add(public)


def _changed(session: Session, department: Department) -> bool:
    """A department's own values changed: not only its list of datasets (a dataset added to
    a department dirties it through the relationship, and must not re-index its siblings)."""
    if department in session.new or department in session.deleted:
        return True
    return session.is_modified(department, include_collections=False)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

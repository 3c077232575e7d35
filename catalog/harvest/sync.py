"""Write harvested records into the catalog: add, update, restore, skip unchanged, archive.

:class:`CatalogSync` is made once per job. It reads the content hashes of the source's
records in one query, so an unchanged record is recognised and skipped without loading or
writing anything; it keeps the slugs in use and the departments met in memory, so a first
run adds thousands of datasets with one flush per batch. The caller frames each batch in a
transaction (service functions never commit); if a batch fails, :meth:`CatalogSync.restore`
puts the in-memory state back as it was before the batch, so the batch can be written again
record by record.

The same dataset arriving from two places is matched on its identifier or URI: a dataset has
one owner record; another source (or another record of the same source) with the same
content is reported as a duplicate, with different content as a conflict, and the dataset is
left as its owner wrote it. Only when the owner has lost the dataset (it was archived) does a
newcomer take it over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from catalog.db import in_chunks
from catalog.drafts import DatasetDraft
from catalog.harvest.models import (
    ADDED,
    ARCHIVED,
    MISSING,
    REJECTED,
    RESTORED,
    UNCHANGED,
    UPDATED,
    HarvestRecord,
    HarvestSource,
)
from catalog.harvest.prepare import Prepared, RecordIssue, prepare
from catalog.models import ARCHIVED as ARCHIVED_STATE
from catalog.models import Dataset, Department, Distribution, new_id
from catalog.services.datasets import (
    archive_dataset,
    create_dataset,
    publish_dataset,
    update_dataset,
)
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution, update_distribution
from catalog.versions import set_origin
from catalog.versions.models import HARVEST


@dataclass
class Harvested:
    """One record as a harvester delivers it: a draft and its hash, or the errors."""

    remote_id: str
    draft: DatasetDraft | None = None
    content_hash: str | None = None
    body_hash: str | None = None
    errors: list[RecordIssue] = field(default_factory=list)
    warnings: list[RecordIssue] = field(default_factory=list)
    title: str | None = None

    def row(self, outcome: str, dataset_id: str | None = None, **extra: Any) -> dict[str, Any]:
        errors = [*self.errors, *extra.get("errors", ())]
        warnings = [*self.warnings, *extra.get("warnings", ())]
        return {
            "remote_id": self.remote_id,
            "title": self.title or (self.draft.title if self.draft else None),
            "dataset_id": dataset_id,
            "outcome": outcome,
            "errors": [e.as_dict() for e in errors],
            "warnings": [w.as_dict() for w in warnings],
        }


@dataclass(frozen=True)
class _Known:
    record_id: int
    dataset_id: str | None
    content_hash: str
    missing_since: datetime | None
    archived_at: datetime | None


@dataclass(frozen=True)
class _Owner:
    """Whoever holds a dataset with a given identifier or URI."""

    dataset_id: str
    record_id: int | None  # None: a dataset of the portal itself, not harvested
    source_name: str | None
    remote_id: str | None
    body_hash: str | None
    archived: bool


@dataclass
class _Write:
    item: Harvested
    dataset_id: str | None  # None: a new dataset
    record_id: int | None  # this source's record, if it exists
    release: int | None = None  # another record that loses the dataset (a takeover)


@dataclass(frozen=True)
class Snapshot:
    known: dict[str, _Known]
    seen: dict[str, str | None]
    claimed: dict[str, tuple[str, str | None]]
    departments: dict[str, int]


class CatalogSync:
    def __init__(self, session: Session, source: HarvestSource, now: datetime):
        self.source_id = source.id
        self.source_name = source.name
        self.default_department_id = source.department_id
        self.now = now
        rows = session.execute(
            select(
                HarvestRecord.remote_id,
                HarvestRecord.id,
                HarvestRecord.dataset_id,
                HarvestRecord.content_hash,
                HarvestRecord.missing_since,
                HarvestRecord.archived_at,
            ).where(HarvestRecord.source_id == source.id)
        )
        self.known: dict[str, _Known] = {
            remote_id: _Known(record_id, dataset_id, content_hash, missing, archived)
            for remote_id, record_id, dataset_id, content_hash, missing, archived in rows
        }
        self.seen: dict[str, str | None] = {}  # remote id -> content hash (None: rejected)
        self.claimed: dict[str, tuple[str, str | None]] = {}  # identifier/URI -> remote id, hash
        self.departments: dict[str, int] = {}  # name -> id
        self._slugs: set[str] | None = None

    # -- state for retries -------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return Snapshot(
            dict(self.known), dict(self.seen), dict(self.claimed), dict(self.departments)
        )

    def restore(self, snapshot: Snapshot) -> None:
        """Forget what a failed batch did (its transaction was rolled back)."""
        self.known, self.seen = dict(snapshot.known), dict(snapshot.seen)
        self.claimed, self.departments = dict(snapshot.claimed), dict(snapshot.departments)
        self._slugs = None  # read again: another job may have taken some meanwhile

    # -- a batch -----------------------------------------------------------------------------

    def write(self, session: Session, batch: Sequence[Harvested]) -> list[dict[str, Any]]:
        """Add, update or skip every record of ``batch``; the rows of the job's log."""
        set_origin(session, HARVEST)  # the versions these changes make (catalog.versions)
        rows: list[dict[str, Any]] = []
        writes: list[_Write] = []
        pending: list[Harvested] = []
        back: list[int] = []  # records seen again before their grace period ran out
        for item in batch:
            if item.errors or item.draft is None or item.content_hash is None:
                self.seen.setdefault(item.remote_id, None)
                rows.append(item.row(REJECTED))
                continue
            if item.remote_id in self.seen:
                rows.append(self._listed_twice(item))
                continue
            self.seen[item.remote_id] = item.content_hash
            known = self.known.get(item.remote_id)
            if known is None or known.dataset_id is None:
                pending.append(item)
                continue
            self._claim(item)
            if known.content_hash == item.content_hash and known.archived_at is None:
                if known.missing_since is not None:
                    back.append(known.record_id)
                    self.known[item.remote_id] = replace(known, missing_since=None)
                rows.append(item.row(UNCHANGED, known.dataset_id))
            else:
                writes.append(_Write(item, known.dataset_id, known.record_id))
        owners = self._owners(session, pending)
        for item in pending:
            write, row = self._place(item, owners)
            if write is not None:
                writes.append(write)
            if row is not None:
                rows.append(row)
        if back:
            self._set_records(session, back, missing_since=None)
        rows.extend(self._apply(session, writes))
        return rows

    def _listed_twice(self, item: Harvested) -> dict[str, Any]:
        issue = RecordIssue(
            "duplicate-in-source", f"the source lists {item.remote_id} twice; the first was kept"
        )
        if self.seen[item.remote_id] == item.content_hash:
            return item.row(UNCHANGED, warnings=[issue])
        return item.row(REJECTED, errors=[issue])

    def _place(
        self, item: Harvested, owners: dict[str, _Owner]
    ) -> tuple[_Write | None, dict[str, Any] | None]:
        """A record new to this source: a new dataset, a takeover, a duplicate or a conflict."""
        assert item.draft is not None
        known = self.known.get(item.remote_id)
        record_id = known.record_id if known else None
        keys = _keys(item.draft)
        claim = next((self.claimed[k] for k in keys if k in self.claimed), None)
        if claim is not None and claim[0] != item.remote_id:
            return None, self._duplicate(item, claim[1], f"record {claim[0]} of this source")
        self._claim(item)
        owner = next((owners[k] for k in keys if k in owners), None)
        if owner is None:
            return _Write(item, None, record_id), None
        if owner.record_id is None:
            issue = RecordIssue(
                "conflict-with-local-dataset",
                "a dataset of the portal itself has this identifier; it was left unchanged",
            )
            return None, item.row(REJECTED, owner.dataset_id, errors=[issue])
        if owner.archived:
            return _Write(item, owner.dataset_id, record_id, release=owner.record_id), None
        where = f"source {owner.source_name} (record {owner.remote_id})"
        return None, self._duplicate(item, owner.body_hash, where, owner.dataset_id)

    def _duplicate(
        self, item: Harvested, other_hash: str | None, where: str, dataset_id: str | None = None
    ) -> dict[str, Any]:
        if other_hash == item.body_hash:
            issue = RecordIssue("duplicate-record", f"the same dataset already came from {where}")
            return item.row(UNCHANGED, dataset_id, warnings=[issue])
        issue = RecordIssue(
            "conflict-with-source",
            f"{where} has the same identifier or URI with different content; it was kept",
        )
        return item.row(REJECTED, dataset_id, errors=[issue])

    def _claim(self, item: Harvested) -> None:
        assert item.draft is not None
        for key in _keys(item.draft):
            self.claimed.setdefault(key, (item.remote_id, item.body_hash))

    def _owners(self, session: Session, items: Sequence[Harvested]) -> dict[str, _Owner]:
        """Who holds a dataset with the identifier or URI of each item, in a few queries."""
        keys = sorted({k for item in items if item.draft for k in _keys(item.draft)})
        owners: dict[str, _Owner] = {}
        for chunk in in_chunks(keys):
            stmt = (
                select(HarvestRecord, HarvestSource.name)
                .join(HarvestSource, HarvestSource.id == HarvestRecord.source_id)
                .where(
                    HarvestRecord.dataset_id.is_not(None),
                    or_(HarvestRecord.identifier.in_(chunk), HarvestRecord.uri.in_(chunk)),
                )
                .order_by(HarvestRecord.archived_at.is_not(None), HarvestRecord.id)
            )
            for record, source_name in session.execute(stmt):
                owner = _Owner(
                    record.dataset_id or "",
                    record.id,
                    source_name,
                    record.remote_id,
                    record.body_hash,
                    record.archived_at is not None,
                )
                for key in (record.identifier, record.uri):
                    if key:
                        owners.setdefault(key, owner)
            local = (
                select(Dataset.id, Dataset.identifier)
                .outerjoin(HarvestRecord, HarvestRecord.dataset_id == Dataset.id)
                .where(Dataset.identifier.in_(chunk), HarvestRecord.id.is_(None))
            )
            for dataset_id, identifier in session.execute(local):
                if identifier:
                    owners.setdefault(identifier, _Owner(dataset_id, None, None, None, None, False))
        return owners

    # -- writing -----------------------------------------------------------------------------

    def _apply(self, session: Session, writes: list[_Write]) -> list[dict[str, Any]]:
        if not writes:
            return []
        ids = [w.dataset_id for w in writes if w.dataset_id]
        datasets: dict[str, Dataset] = {}
        for chunk in in_chunks(ids):
            stmt = (
                select(Dataset)
                .where(Dataset.id.in_(chunk))
                .options(selectinload(Dataset.distributions))
            )
            datasets.update((d.id, d) for d in session.scalars(stmt))
        departments = self._resolve_departments(
            session, [w.item.draft for w in writes if w.item.draft]
        )
        rows, inserts, updates, released = [], [], [], []
        for write in writes:
            assert write.item.draft is not None
            prepared = prepare(write.item.draft)
            department_id = self._department_id(write.item.draft)
            department = departments.get(department_id) if department_id is not None else None
            existing = datasets.get(write.dataset_id) if write.dataset_id else None
            if existing is None:
                dataset = self._create(session, prepared, department)
                outcome = ADDED
            else:
                was_archived = existing.state == ARCHIVED_STATE
                dataset = self._update(session, existing, prepared, department)
                outcome = RESTORED if was_archived else UPDATED
            values = self._record_values(write.item, dataset.id)
            if write.record_id is None:
                inserts.append(values | {"first_harvested_at": self.now})
            else:
                updates.append(values | {"record_id": write.record_id})
            if write.release is not None:
                released.append(write.release)
            rows.append(write.item.row(outcome, dataset.id, warnings=prepared.warnings))
        session.flush()
        self._save_records(session, inserts, updates, released)
        return rows

    def _create(
        self, session: Session, prepared: Prepared, department: Department | None
    ) -> Dataset:
        fields = dict(prepared.fields)
        slugs = self._slug_set(session)
        dataset = create_dataset(
            session,
            id=new_id(),
            title=fields.pop("title"),
            department=department,
            taken=slugs.__contains__,
            flush=False,
            extras=prepared.extras,
            **fields,
        )
        slugs.add(dataset.slug)
        publish_dataset(session, dataset, flush=False)
        for values in prepared.distributions:
            values = dict(values)
            attach_distribution(session, dataset, title=values.pop("title"), flush=False, **values)
        return dataset

    def _update(
        self, session: Session, dataset: Dataset, prepared: Prepared, department: Department | None
    ) -> Dataset:
        fields = dict(prepared.fields)
        if fields.get("issued") is None:
            fields.pop("issued", None)  # keep the date the portal first published it
        update_dataset(session, dataset, flush=False, extras=prepared.extras, **fields)
        dataset.department = department
        if dataset.state == ARCHIVED_STATE:  # back in its source; a withdrawn one stays so
            publish_dataset(session, dataset, flush=False)
        _sync_distributions(session, dataset, prepared.distributions)
        return dataset

    def _record_values(self, item: Harvested, dataset_id: str) -> dict[str, Any]:
        assert item.draft is not None and item.content_hash is not None
        self.known[item.remote_id] = _Known(-1, dataset_id, item.content_hash, None, None)
        return {
            "remote_id": item.remote_id,
            "dataset_id": dataset_id,
            "identifier": (item.draft.identifier or None) and item.draft.identifier[:500],
            "uri": (item.draft.uri or None) and item.draft.uri[:1000],
            "content_hash": item.content_hash,
            "body_hash": item.body_hash,
            "harvested_at": self.now,
            "missing_since": None,
            "archived_at": None,
        }

    def _save_records(
        self,
        session: Session,
        inserts: list[dict[str, Any]],
        updates: list[dict[str, Any]],
        released: list[int],
    ) -> None:
        if inserts:
            for values in inserts:
                values["source_id"] = self.source_id
            session.execute(insert(HarvestRecord), inserts)
            created = session.execute(
                select(HarvestRecord.remote_id, HarvestRecord.id).where(
                    HarvestRecord.source_id == self.source_id,
                    HarvestRecord.remote_id.in_([v["remote_id"] for v in inserts]),
                )
            )
            for remote_id, record_id in created:
                self.known[remote_id] = replace(self.known[remote_id], record_id=record_id)
        for values in updates:
            record_id = values.pop("record_id")
            session.execute(
                update(HarvestRecord).where(HarvestRecord.id == record_id).values(**values)
            )
            self.known[values["remote_id"]] = replace(
                self.known[values["remote_id"]], record_id=record_id
            )
        if released:
            self._set_records(session, released, dataset_id=None)

    def _set_records(self, session: Session, record_ids: list[int], **values: Any) -> None:
        for chunk in in_chunks(record_ids):
            session.execute(
                update(HarvestRecord).where(HarvestRecord.id.in_(chunk)).values(**values)
            )

    def _resolve_departments(
        self, session: Session, drafts: list[DatasetDraft]
    ) -> dict[int, Department]:
        """The batch's departments by id, found in one query; the new ones created together.

        Only ids are kept across batches: a Department object would hold every dataset
        added to it (the relationship's collection) for the whole job."""
        names = {n for d in drafts if (n := _publisher(d)) and n not in self.departments}
        for chunk in in_chunks(sorted(names)):
            stmt = select(Department.name, Department.id).where(Department.name.in_(chunk))
            self.departments.update((name, id_) for name, id_ in session.execute(stmt))
        for name in sorted(names - set(self.departments)):
            self.departments[name] = get_or_create_department(session, name).id
        wanted = {self._department_id(d) for d in drafts} - {None}
        loaded: dict[int, Department] = {}
        for ids in in_chunks(sorted(i for i in wanted if i is not None)):
            loaded.update(
                (d.id, d) for d in session.scalars(select(Department).where(Department.id.in_(ids)))
            )
        return loaded

    def _department_id(self, draft: DatasetDraft) -> int | None:
        name = _publisher(draft)
        return self.departments.get(name) if name else self.default_department_id

    def _slug_set(self, session: Session) -> set[str]:
        """Every slug in use, read once per job (not one SELECT per new dataset)."""
        if self._slugs is None:
            self._slugs = set(session.scalars(select(Dataset.slug)))
        return self._slugs

    # -- disappearance ----------------------------------------------------------------------

    def archive_missing(
        self, session: Session, present: set[str], grace: timedelta
    ) -> list[dict[str, Any]]:
        """Mark the source's records that are no longer listed as missing, and archive those
        missing for ``grace`` or longer. An archived record stays archived (no second write)."""
        stmt = select(
            HarvestRecord.id,
            HarvestRecord.remote_id,
            HarvestRecord.dataset_id,
            HarvestRecord.missing_since,
        ).where(
            HarvestRecord.source_id == self.source_id,
            HarvestRecord.dataset_id.is_not(None),
            HarvestRecord.archived_at.is_(None),
        )
        gone = [row for row in session.execute(stmt) if row.remote_id not in present]
        rows: list[dict[str, Any]] = []
        newly_missing: list[int] = []
        to_archive: dict[str, int] = {}
        for record_id, remote_id, dataset_id, missing_since in gone:
            assert dataset_id is not None  # selected so
            since = missing_since or self.now
            if missing_since is None:
                newly_missing.append(record_id)
            if self.now - since >= grace:
                to_archive[dataset_id] = record_id
                rows.append(Harvested(remote_id).row(ARCHIVED, dataset_id))
            else:
                issue = RecordIssue(
                    "missing-from-source",
                    f"not in the source since {since:%Y-%m-%d %H:%M}; "
                    f"archived after {since + grace:%Y-%m-%d %H:%M} unless it returns",
                )
                rows.append(Harvested(remote_id).row(MISSING, dataset_id, warnings=[issue]))
        if newly_missing:
            self._set_records(session, newly_missing, missing_since=self.now)
        for chunk in in_chunks(sorted(to_archive)):
            for dataset in session.scalars(select(Dataset).where(Dataset.id.in_(chunk))):
                archive_dataset(session, dataset, flush=False)
        if to_archive:
            self._set_records(session, list(to_archive.values()), archived_at=self.now)
        session.flush()
        return rows


def _sync_distributions(session: Session, dataset: Dataset, wanted: list[dict[str, Any]]) -> None:
    """Make the dataset's distributions ``wanted``: the same link keeps its row (its id and
    download count), new ones are added, the rest removed."""
    free: dict[tuple[str, str, str], list[Distribution]] = {}
    for distribution in dataset.distributions:
        key = (distribution.download_url or "", distribution.access_url or "", distribution.title)
        free.setdefault(key, []).append(distribution)
    kept: list[Distribution] = []
    for position, values in enumerate(wanted):
        values = dict(values)
        title = values.pop("title")
        key = (values.get("download_url") or "", values.get("access_url") or "", title)
        match = free.get(key, []).pop(0) if free.get(key) else None
        if match is not None:
            update_distribution(session, match, title=title, flush=False, **values)
        else:
            match = attach_distribution(session, dataset, title=title, flush=False, **values)
        match.position = position
        kept.append(match)
    for distribution in list(dataset.distributions):
        if distribution not in kept:
            dataset.distributions.remove(distribution)


def _publisher(draft: DatasetDraft) -> str:
    return (draft.publisher_name or "").strip()[:200]


def _keys(draft: DatasetDraft) -> list[str]:
    return [k for k in dict.fromkeys((draft.identifier, draft.uri)) if k]

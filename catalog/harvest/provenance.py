"""Where a harvested dataset came from: its source, the identifier and URI it has there, and
when it was harvested. Shown on the dataset page; for the DCAT output, where each source is
a sub-catalog, :func:`provenance_of` gives many datasets' provenance in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import in_chunks
from catalog.harvest.models import HarvestRecord, HarvestSource


@dataclass(frozen=True)
class Provenance:
    source_name: str
    source_kind: str
    source_url: str
    remote_id: str
    identifier: str | None
    uri: str | None
    first_harvested_at: datetime
    harvested_at: datetime


def provenance_of(session: Session, dataset_ids: Iterable[str]) -> dict[str, Provenance]:
    """dataset id -> provenance, for the harvested ones among ``dataset_ids``."""
    found: dict[str, Provenance] = {}
    for chunk in in_chunks(dict.fromkeys(dataset_ids)):
        stmt = (
            select(HarvestRecord, HarvestSource)
            .join(HarvestSource, HarvestSource.id == HarvestRecord.source_id)
            .where(HarvestRecord.dataset_id.in_(chunk))
        )
        for record, source in session.execute(stmt):
            assert record.dataset_id is not None
            found[record.dataset_id] = Provenance(
                source.name, source.kind, source.url, record.remote_id, record.identifier,
                record.uri, record.first_harvested_at, record.harvested_at,
            )  # fmt: skip
    return found


def provenance(session: Session, dataset_id: str) -> Provenance | None:
    return provenance_of(session, [dataset_id]).get(dataset_id)

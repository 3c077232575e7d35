"""Conflicts between sources that a dataset's page shows: another source (or a harvest that
met a dataset of the portal itself) sent different content under the same identifier or URI.

The harvest never resolves a conflict by itself (:mod:`catalog.harvest.sync` keeps the
dataset as its owner wrote it and logs the newcomer as rejected with ``conflict-with-source``
or ``conflict-with-local-dataset``). A conflict is open while the latest successful job of
the other source still reports it: a later job that no longer does (the two agree again, the
record left that source, or it took the dataset over) closes it. Incremental runs read such
records again (:func:`conflicted_records`), so an unchanged conflict is not taken for a
resolved one; and pruning keeps the latest successful job's log
(:func:`catalog.harvest.jobs.prune_job_records`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog.harvest.jobs import latest_successes
from catalog.harvest.models import REJECTED, HarvestJob, HarvestJobRecord, HarvestSource

CONFLICT_CODES = frozenset({"conflict-with-source", "conflict-with-local-dataset"})


@dataclass(frozen=True)
class Conflict:
    code: str  # conflict-with-source | conflict-with-local-dataset
    source_name: str  # the source that sent the other content
    remote_id: str  # the record there
    reported_at: datetime  # start of the job that reported it (naive UTC)


def open_conflicts(session: Session, dataset_id: str) -> list[Conflict]:
    """The conflicts over the dataset that each source's latest successful job reported."""
    stmt = (
        _rejected_by_latest_jobs()
        .add_columns(HarvestJob.started_at, HarvestSource.name)
        .join(HarvestSource, HarvestSource.id == HarvestJob.source_id)
        .where(HarvestJobRecord.dataset_id == dataset_id)
        .order_by(HarvestJob.started_at, HarvestJobRecord.id)
    )
    found: list[Conflict] = []
    for record, started_at, source_name in session.execute(stmt):
        code = _conflict_code(record)
        if code is not None:
            found.append(Conflict(code, source_name, record.remote_id, started_at))
    return found


def conflicted_records(session: Session, source_id: int) -> set[str]:
    """The remote ids the source's latest successful job rejected as conflicts."""
    stmt = _rejected_by_latest_jobs().where(HarvestJob.source_id == source_id)
    return {r.remote_id for r in session.scalars(stmt) if _conflict_code(r) is not None}


def _rejected_by_latest_jobs() -> Select[HarvestJobRecord]:
    return (
        select(HarvestJobRecord)
        .join(HarvestJob, HarvestJob.id == HarvestJobRecord.job_id)
        .where(HarvestJobRecord.job_id.in_(latest_successes()))
        .where(HarvestJobRecord.outcome == REJECTED)
    )


def _conflict_code(record: HarvestJobRecord) -> str | None:
    return next((e["code"] for e in record.errors or [] if e.get("code") in CONFLICT_CODES), None)

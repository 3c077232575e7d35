"""Reading a dataset's versions (the caller has checked that the dataset is public)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from catalog.versions.models import DatasetVersion

MAX_LISTED = 1000  # versions on one list page


def versions_of(
    session: Session, dataset_id: str, limit: int = MAX_LISTED
) -> Sequence[DatasetVersion]:
    """The dataset's versions, newest first, without their snapshots."""
    stmt = (
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset_id)
        .order_by(DatasetVersion.number.desc())
        .limit(limit)
        .options(defer(DatasetVersion.snapshot))
    )
    return session.scalars(stmt).all()


def count_versions(session: Session, dataset_id: str) -> int:
    stmt = select(func.count()).where(DatasetVersion.dataset_id == dataset_id)
    return session.scalar(stmt) or 0


def get_version(session: Session, dataset_id: str, number: int) -> DatasetVersion | None:
    stmt = select(DatasetVersion).where(
        DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == number
    )
    return session.scalar(stmt)

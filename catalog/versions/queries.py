"""Reading a dataset's versions (the caller has checked that the dataset is public)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from catalog.versions.models import DatasetVersion

PER_PAGE = 100  # versions on one list page


def versions_of(
    session: Session, dataset_id: str, limit: int = PER_PAGE, offset: int = 0
) -> Sequence[DatasetVersion]:
    """The dataset's versions, newest first, ``offset``/``limit`` paged in SQL, without their
    snapshots."""
    stmt = (
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset_id)
        .order_by(DatasetVersion.number.desc())
        .offset(offset)
        .limit(limit)
        .options(defer(DatasetVersion.snapshot))
    )
    return session.scalars(stmt).all()


def open_types(session: Session, dataset_id: str, numbers: Iterable[int]) -> dict[int, Any]:
    """The open type each of the dataset's versions ``numbers`` recorded in its snapshot (None
    when it holds none), read without loading the snapshots."""
    wanted = list(numbers)
    if not wanted:
        return {}
    open_type = DatasetVersion.snapshot["fields"]["open_type"].as_string()
    stmt = select(DatasetVersion.number, open_type).where(
        DatasetVersion.dataset_id == dataset_id, DatasetVersion.number.in_(wanted)
    )
    return {number: value for number, value in session.execute(stmt)}


def count_versions(session: Session, dataset_id: str) -> int:
    stmt = select(func.count()).where(DatasetVersion.dataset_id == dataset_id)
    return session.scalar(stmt) or 0


def get_version(session: Session, dataset_id: str, number: int) -> DatasetVersion | None:
    stmt = select(DatasetVersion).where(
        DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == number
    )
    return session.scalar(stmt)

"""Versions of datasets: every change to a public dataset's fields or files, as it was.

A :class:`~catalog.versions.recording.VersionRecorder` listens to a session factory: in every
flush it notes the datasets touched (directly or through a file) and, just before the commit,
in the same transaction, compares each one's snapshot (:mod:`catalog.versions.snapshots`)
with its latest version and inserts a new version where something differs. What made the
change (``origin``) is whatever the caller set with :func:`set_origin`, else what the
recorder's ``origin_of`` says (the portal: ``editor``, ``api`` or ``cli``), else ``system``.

The helpers here are for other features (a reuse names the version it used).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.versions.models import ORIGINS, DatasetVersion

ORIGIN = "gxdata.versions.origin"  # session.info key: what makes this transaction's changes


def set_origin(session: Session, origin: str) -> None:
    """Say what makes the changes of the session's current transaction (one of ORIGINS)."""
    if origin not in ORIGINS:
        raise ValueError(f"unknown version origin {origin!r}")
    session.info[ORIGIN] = origin


def latest_number(session: Session, dataset_id: str) -> int | None:
    """The number of the dataset's latest version; None when it has none yet."""
    stmt = select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == dataset_id)
    return session.scalar(stmt)


def version_exists(session: Session, dataset_id: str, number: int) -> bool:
    stmt = select(DatasetVersion.id).where(
        DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == number
    )
    return session.scalar(stmt) is not None

"""The table of a dataset's versions.

``dataset_version``: one row per recorded state of a public dataset, numbered 1, 2, … per
dataset. ``snapshot`` holds the public metadata fields and the files as they were
(:mod:`catalog.versions.snapshots`), ``changes`` what differs from the previous version (an
empty list for the first). ``origin`` says what made the change: ``editor`` (the publishing
pages), ``api``, ``harvest``, ``cli`` or ``system``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, utcnow

EDITOR, API, HARVEST, CLI, SYSTEM = "editor", "api", "harvest", "cli", "system"
ORIGINS = (EDITOR, API, HARVEST, CLI, SYSTEM)


class DatasetVersion(Base):
    __tablename__ = "dataset_version"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    origin: Mapped[str] = mapped_column(String(20), default=SYSTEM)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<DatasetVersion {self.dataset_id} #{self.number}>"

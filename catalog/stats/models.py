"""The tables of the quarterly statistics (migration 0016_stats).

``stats_counter`` holds what the hit counters flushed: one row per Beijing day, kind of hit
and dataset, with its count. No address, user or agent is kept, only the counts.
``stats_snapshot`` holds a quarter's figures once it has ended, as published: served from
there ever after, so the published history does not move.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, utcnow

# kinds of hit
DOWNLOAD = "download"
API_CALL = "api_call"
PAGE_VIEW = "page_view"
KINDS = (DOWNLOAD, API_CALL, PAGE_VIEW)
NO_DATASET = ""  # a hit that names no dataset (an API search, a catalog-wide call)


class StatsCounter(Base):
    """Hits of one kind on one Beijing day, for one dataset (or none)."""

    __tablename__ = "stats_counter"
    __table_args__ = (UniqueConstraint("day", "kind", "dataset_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    dataset_id: Mapped[str] = mapped_column(String(36), default=NO_DATASET)
    # the dataset's department when the hits were flushed (None: no dataset, or none given)
    department_id: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=0)


class StatsSnapshot(Base):
    """The figures of an ended quarter, frozen when they were first asked for."""

    __tablename__ = "stats_snapshot"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026Q3"
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

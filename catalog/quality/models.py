"""Tables of the quality work, on the catalog's declarative base (migration 0003).

Kept beside, not inside, :mod:`catalog.models`: a distribution knows nothing of its
validation report or its derivatives; these tables point at it and are deleted with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base, utcnow
from catalog.models import Dataset, Distribution

# Job states.
PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
JOB_STATES = (PENDING, RUNNING, DONE, FAILED)


class ValidationReport(Base):
    """The latest validation of one tabular distribution, valid or not.

    ``problem`` is a kebab-case code when the file could not be validated at all
    (``fetch-failed``, ``file-too-large``, ``unsupported-format`` …); ``errors`` holds the
    Frictionless errors (type, row and field positions), at most ``limit_errors`` of them,
    while ``error_counts`` counts every error by type.
    """

    __tablename__ = "validation_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    distribution_id: Mapped[str] = mapped_column(
        ForeignKey("distribution.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    valid: Mapped[bool] = mapped_column(Boolean, default=False)
    problem: Mapped[str | None] = mapped_column(String(60))
    engine: Mapped[str | None] = mapped_column(String(20))  # "fast" or "frictionless"
    format: Mapped[str | None] = mapped_column(String(40))
    encoding: Mapped[str | None] = mapped_column(String(40))
    dialect: Mapped[dict[str, Any]] = mapped_column(default=dict)
    table_schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    schema_source: Mapped[str | None] = mapped_column(String(20))  # "package" or "inferred"
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    error_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)

    distribution: Mapped[Distribution] = relationship()


class InferredValue(Base):
    """One metadata value an enrichment step inferred, and what it inferred it from.

    ``given`` keeps the value the publisher had given, when a step replaced one (a format
    normalised to the vocabulary); given metadata is otherwise never overwritten.
    """

    __tablename__ = "inferred_value"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    distribution_id: Mapped[str | None] = mapped_column(
        ForeignKey("distribution.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(JSON)
    given: Mapped[Any] = mapped_column(JSON, nullable=True)
    step: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(300))  # what the value was inferred from
    rule: Mapped[str] = mapped_column(String(300))  # which rule decided
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    dataset: Mapped[Dataset] = relationship()


class Derivation(Base):
    """A distribution the portal derived from another (prov:wasDerivedFrom).

    ``source_sha256`` is the source's content when the derivative was made: a different
    sha256 on the source means the derivative is stale and is made again. When the source is
    deleted, ``source_id`` becomes NULL and the next enrichment removes the derivative.
    """

    __tablename__ = "derivation"

    distribution_id: Mapped[str] = mapped_column(
        ForeignKey("distribution.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[str | None] = mapped_column(  # NULL once the source is deleted
        ForeignKey("distribution.id", ondelete="SET NULL"), index=True
    )
    method: Mapped[str] = mapped_column(String(40))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    distribution: Mapped[Distribution] = relationship(foreign_keys=[distribution_id])
    source: Mapped[Distribution | None] = relationship(foreign_keys=[source_id])


class LinkCheck(Base):
    """The last check of one URL (shared by every distribution that links to it)."""

    __tablename__ = "link_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the URL
    url: Mapped[str] = mapped_column(String(2000))
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    problem: Mapped[str | None] = mapped_column(String(60))  # timeout, unreachable, http-error…
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))


class Job(Base):
    """A unit of background work: validate a distribution, enrich a dataset, check links."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_kind", "state", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(36), index=True)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)  # while a worker runs it
    not_before: Mapped[datetime | None] = mapped_column(DateTime)  # held back until then
    problem: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QualitySnapshot(Base):
    """The openness and quality figures of one scope at the end of one quarter."""

    __tablename__ = "quality_snapshot"
    __table_args__ = (UniqueConstraint("quarter", "scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026Q3"
    scope: Mapped[str] = mapped_column(String(20))  # catalog, department, category, division
    key: Mapped[str] = mapped_column(String(100))  # "" for the catalog, else a slug or code
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)

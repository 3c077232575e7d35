"""Harvest sources, their jobs, the outcome of every record, and where each dataset came from.

| table | one row per |
|---|---|
| ``harvest_source`` | remote catalog the portal gathers (CKAN, DCAT, spreadsheet, data package) |
| ``harvest_job`` | run of a source: start, end, status, counts, the failure if it failed |
| ``harvest_job_record`` | record a job saw: its outcome and typed errors (the job's log) |
| ``harvest_record`` | record of a source that became a dataset: identifier, URI, content hash |

A ``harvest_record`` is the dataset's provenance: its source, the identifier and URI it has
there, when it was harvested, and the hash of its content as last written (an unchanged
record is recognised by the hash alone). A dataset is owned by at most one record; another
source bringing the same dataset is compared with it on the body hash, which leaves out where
the record lives (its URI, landing page, the source's own bookkeeping).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base, utcnow
from catalog.models import Dataset, Department

# Source kinds (one harvester module each) and how often a source runs by itself.
KINDS = ("ckan", "dcat", "spreadsheet", "datapackage")
FREQUENCIES = ("manual", "daily", "weekly", "monthly")

# Job states.
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"

# Record outcomes of a job.
ADDED = "added"
UPDATED = "updated"
UNCHANGED = "unchanged"
RESTORED = "restored"  # was archived, is back in the source
MISSING = "missing"  # gone from the source; archived once the grace period is over
ARCHIVED = "archived"
REJECTED = "failed"  # the record could not be harvested; errors say why
OUTCOMES = (ADDED, UPDATED, UNCHANGED, RESTORED, MISSING, ARCHIVED, REJECTED)


class HarvestSource(Base):
    __tablename__ = "harvest_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2000))  # http(s) URL, or a local path (CLI only)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    frequency: Mapped[str] = mapped_column(String(20), default="manual")
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind-specific options
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<HarvestSource {self.name} ({self.kind})>"


class HarvestJob(Base):
    __tablename__ = "harvest_job"
    __table_args__ = (
        # At most one running job per source, whatever the number of processes.
        Index(
            "ix_harvest_job_one_running",
            "source_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
        Index("ix_harvest_job_source_started", "source_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=RUNNING)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    incremental_since: Mapped[datetime | None] = mapped_column(DateTime)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    restored: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(60))  # why the job failed
    error_message: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[list[str]] = mapped_column(default=list)  # e.g. "incremental-unsupported"
    owner: Mapped[str | None] = mapped_column(String(200))  # host:pid:token (catalog.leases)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)  # the owner's last sign

    source: Mapped[HarvestSource] = relationship()

    def __repr__(self) -> str:
        return f"<HarvestJob {self.id} {self.status}>"


class HarvestJobRecord(Base):
    __tablename__ = "harvest_job_record"
    __table_args__ = (Index("ix_harvest_job_record_job_outcome", "job_id", "outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("harvest_job.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(500))
    dataset_id: Mapped[str | None] = mapped_column(String(36))  # no FK: the log outlives it
    outcome: Mapped[str] = mapped_column(String(20))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list
    )  # {code, message, field}
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class HarvestRecord(Base):
    __tablename__ = "harvest_record"
    __table_args__ = (UniqueConstraint("source_id", "remote_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(500))
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL"), index=True
    )
    identifier: Mapped[str | None] = mapped_column(String(500), index=True)
    uri: Mapped[str | None] = mapped_column(String(1000), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))  # the record as last written
    body_hash: Mapped[str | None] = mapped_column(String(64))  # the same, wherever it comes from
    first_harvested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    harvested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # last written
    missing_since: Mapped[datetime | None] = mapped_column(DateTime)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)

    source: Mapped[HarvestSource] = relationship()
    dataset: Mapped[Dataset | None] = relationship()

"""The tables of reuses and competitions.

- ``competition``: a contest with its rounds and awards (lists of names, in order).
- ``reuse``: one registered reuse, its state (pending → approved or rejected; approved →
  withdrawn), its image (re-encoded PNG or JPEG, :mod:`catalog.reuses.images`) and, for a
  competition entry, the competition, round and award.
- ``reuse_dataset``: the datasets a reuse uses, each with the version number used (optional;
  a dataset's versions are ``/dataset/<id>/versions/<n>``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base, utcnow

if TYPE_CHECKING:
    from catalog.models import Dataset

# Kinds of reuse, in the order forms show them.
APPLICATION = "application"
KINDS = (APPLICATION, "analysis", "visualization", "paper", "news", "competition")
COMPETITION_ENTRY = "competition"
# States.
PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
STATES = (PENDING, APPROVED, REJECTED, WITHDRAWN)


class Competition(Base):
    __tablename__ = "competition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    organiser: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(1000))
    rounds: Mapped[list[str]] = mapped_column(JSON, default=list)
    awards: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    entries: Mapped[list[Reuse]] = relationship(back_populates="competition")


class Reuse(Base):
    __tablename__ = "reuse"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    team: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(1000))
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(20))  # image/png or image/jpeg
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected or withdrawn
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("competition.id", ondelete="SET NULL"), index=True
    )
    round: Mapped[str | None] = mapped_column(String(100))
    award: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    competition: Mapped[Competition | None] = relationship(back_populates="entries")
    uses: Mapped[list[ReuseDataset]] = relationship(
        back_populates="reuse", cascade="all, delete-orphan", order_by="ReuseDataset.position"
    )


class ReuseDataset(Base):
    __tablename__ = "reuse_dataset"

    reuse_id: Mapped[int] = mapped_column(
        ForeignKey("reuse.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    version: Mapped[int | None] = mapped_column(Integer)  # the dataset's version number used
    position: Mapped[int] = mapped_column(Integer, default=0)

    reuse: Mapped[Reuse] = relationship(back_populates="uses")
    dataset: Mapped[Dataset] = relationship("Dataset")

"""The tables of applications for conditional data, their grants, deliveries and usage reports.

- ``application``: one applicant's request for one conditional dataset; ``state`` is a code of
  :mod:`catalog.applications.states`, moved only through that table. ``reference`` is the
  stable public name shown to people (``SQ-2026-3F9A0C1B``); the integer id stays internal.
- ``application_event``: its history, one row per transition (``seq`` from 1), naming the
  account (nullable: the portal itself acts as ``system``) and the role it acted in.
- ``application_attachment``: the materials attached (PDF, PNG or JPEG by content), stored in
  the content-addressed :class:`catalog.storage.FileStore` under ``file_key``.
- ``access_grant``: what an approval grants: this applicant, these distributions and fields,
  this period. Its ``id`` is random hex; the grant's masking key derives from it
  (:func:`catalog.masking.rules.grant_key`), so it is never reused.
- ``delivery``: every masked copy handed out, named by its delivery identifier (which the copy
  carries too).
- ``usage_report``: what the grantee reports of their use; closing a grant needs a final one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
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

# Grant states.
ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"
CLOSED = "closed"
GRANT_STATES = (ACTIVE, EXPIRED, REVOKED, CLOSED)

# Delivery channels.
LINK = "link"  # a short-lived signed download link on the portal
TOKEN = "token"  # the grantee's API token of scope ``conditional``
API = "api"  # one page of masked rows through the API (a grant of the api channel)
CHANNELS = (LINK, TOKEN, API)


class Application(Base):
    __tablename__ = "application"
    __table_args__ = (Index("ix_application_state_limit", "state", "limit_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(30), default="draft")
    purpose: Mapped[str] = mapped_column(Text, default="")
    scenario: Mapped[str] = mapped_column(Text, default="")  # 应用场景
    distribution_ids: Mapped[list[str]] = mapped_column(default=list)
    fields: Mapped[list[str]] = mapped_column(default=list)  # empty: every provided field
    period_days: Mapped[int | None] = mapped_column(Integer)  # None: the conditions' period
    commitments: Mapped[list[str]] = mapped_column(default=list)  # security requirements ticked
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)  # last (re)submission
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)  # approved or rejected
    limit_day: Mapped[date | None] = mapped_column(Date)  # last day of the review
    limit_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)  # the reviewer was reminded
    decision_reason: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationEvent.seq"
    )
    attachments: Mapped[list[ApplicationAttachment]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationAttachment.id",
    )
    grant: Mapped[Grant | None] = relationship(back_populates="application", uselist=False)

    def __repr__(self) -> str:
        return f"<Application {self.reference} {self.state}>"


class ApplicationEvent(Base):
    __tablename__ = "application_event"
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(40))  # the pseudonym, or "system"
    role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)

    application: Mapped[Application] = relationship(back_populates="events")


class ApplicationAttachment(Base):
    __tablename__ = "application_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    file_key: Mapped[str] = mapped_column(String(64))  # key in the file store
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attachments")


class Grant(Base):
    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_access_grant_user_state", "user_id", "state"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    distribution_ids: Mapped[list[str]] = mapped_column(default=list)
    fields: Mapped[list[str]] = mapped_column(default=list)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)  # expired, revoked or closed
    end_reason: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="grant")
    reports: Mapped[list[UsageReport]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="UsageReport.id"
    )

    def __repr__(self) -> str:
        return f"<Grant {self.id} {self.state}>"


class Delivery(Base):
    __tablename__ = "delivery"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the delivery identifier
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("access_grant.id", ondelete="CASCADE"), index=True
    )
    distribution_id: Mapped[str] = mapped_column(String(36))  # kept if the file goes
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(20))
    bytes: Mapped[int | None] = mapped_column(BigInteger)


class UsageReport(Base):
    __tablename__ = "usage_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("access_grant.id", ondelete="CASCADE"), index=True
    )
    filed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    what_built: Mapped[str] = mapped_column(Text)
    results: Mapped[str] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)  # security or quality problems found
    final: Mapped[bool] = mapped_column(Boolean, default=False)

    grant: Mapped[Grant] = relationship(back_populates="reports")

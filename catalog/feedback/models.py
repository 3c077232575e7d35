"""The tables of the data-quality loop.

- ``feedback_report``: one problem reported on a dataset (and, optionally, one of its files and
  a cell of a table). ``reference`` is the public name (``WT-2026-3F9A0C1B``); the integer id
  stays internal. ``contact`` and ``user_id`` are personal data: never shown on a public page.
  ``token_hash`` is the SHA-256 of the reporter's secret link (the token itself is never
  stored). ``limit_day`` is the last (Beijing) day of the department's answer (5 working days,
  10 once extended); ``answered_at`` the first answer (rejection or correction published) and
  ``answered_in_time`` whether it came by the limit.
- ``feedback_event``: every transition (``seq`` from 1) with the acting account (nullable: the
  portal acts as ``system``, a reporter without account as ``reporter``), role, note and time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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


class ProblemReport(Base):
    __tablename__ = "feedback_report"
    __table_args__ = (Index("ix_feedback_report_state_limit", "state", "limit_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    distribution_id: Mapped[str | None] = mapped_column(String(36))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    row_ref: Mapped[str | None] = mapped_column(String(40))  # the row of a table
    column_ref: Mapped[str | None] = mapped_column(String(100))  # the column of a table
    contact: Mapped[str | None] = mapped_column(String(254))  # e-mail, personal
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="reported")
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    answer_days: Mapped[int] = mapped_column(Integer, default=5)
    limit_from: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # the count's start
    limit_day: Mapped[date] = mapped_column(Date)
    limit_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_in_time: Mapped[bool | None] = mapped_column(Boolean)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    fixed_at: Mapped[datetime | None] = mapped_column(DateTime)  # the correction published
    feedback: Mapped[str | None] = mapped_column(Text)  # the department's word to the reporter
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    events: Mapped[list[FeedbackEvent]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="FeedbackEvent.seq"
    )

    def __repr__(self) -> str:
        return f"<ProblemReport {self.reference} {self.state}>"


class FeedbackEvent(Base):
    __tablename__ = "feedback_event"
    __table_args__ = (UniqueConstraint("report_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_report.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(40))  # the pseudonym, "reporter" or "system"
    role: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)

    report: Mapped[ProblemReport] = relationship(back_populates="events")

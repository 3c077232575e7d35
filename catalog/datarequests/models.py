"""The tables of data requests (数据需求): what a signed-in person asks the platform to open.

- ``data_request``: one request: what is asked for (``title``, ``description``), why
  (``purpose``), which department the requester thinks holds it (one of the catalog's, or free
  text), its ``state`` (:mod:`catalog.datarequests.service`), the department it was routed to
  and the department's answer (its kind, a date, a link, a dataset of the catalog, a reason).
- ``data_request_support``: one row per person who supports a request (at most one each).
- ``data_request_event``: its history, one row per step (``seq`` from 1), naming the account
  (nullable: an erased account keeps its pseudonym here) and the role it acted in.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base, utcnow


class DataRequest(Base):
    __tablename__ = "data_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")  # 用途、应用场景
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    suggested_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    suggested_department_text: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )  # routed to
    answer: Mapped[str | None] = mapped_column(
        String(20)
    )  # planned | elsewhere | refused | published
    answer_text: Mapped[str | None] = mapped_column(Text)
    answer_url: Mapped[str | None] = mapped_column(String(500))
    answer_dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL")
    )
    publish_by: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(20))  # duplicate | off-topic
    close_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    routed_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    events: Mapped[list[DataRequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="DataRequestEvent.seq"
    )
    supports: Mapped[list[DataRequestSupport]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<DataRequest {self.id} {self.state}>"


class DataRequestSupport(Base):
    __tablename__ = "data_request_support"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("data_request.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[DataRequest] = relationship(back_populates="supports")


class DataRequestEvent(Base):
    __tablename__ = "data_request_event"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("data_request.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(20))  # create | route | close | answer
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(40))  # the pseudonym
    role: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(40))  # the answer's kind, the close reason
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)

    request: Mapped[DataRequest] = relationship(back_populates="events")

"""The tables of the sandbox: every query asked, and the exports of results asked for.

- ``sandbox_query``: one row per query sent under a grant of the sandbox channel, answered or
  refused: its text, when, how long it ran, the source rows of the table it read, the rows it
  returned and suppressed, and the result itself (aggregates only, at most the sandbox's
  result size) so that a reviewer can see what an export would take away. A refused query
  keeps its refusal code: the log shows the attempts too.
- ``sandbox_export``: a holder's request to take one answered query's result away. It is
  ``submitted``, then ``approved`` or ``rejected`` by a reviewer of the dataset's department
  (with a reason), and an approved one is ``downloaded`` once, under a delivery identifier
  (a ``delivery`` row of channel ``sandbox``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base, utcnow

# Query states.
ANSWERED, REFUSED = "answered", "refused"
# Export states.
SUBMITTED, APPROVED, REJECTED, DOWNLOADED = "submitted", "approved", "rejected", "downloaded"
EXPORT_STATES = (SUBMITTED, APPROVED, REJECTED, DOWNLOADED)


class SandboxQuery(Base):
    __tablename__ = "sandbox_query"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("access_grant.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sql: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))  # answered or refused
    refusal: Mapped[str | None] = mapped_column(String(40))  # the refusal code
    table_name: Mapped[str | None] = mapped_column(String(64))
    distribution_id: Mapped[str | None] = mapped_column(String(36))  # the table's file
    seconds: Mapped[float | None] = mapped_column(Float)
    rows_touched: Mapped[int | None] = mapped_column(BigInteger)
    result_rows: Mapped[int | None] = mapped_column(Integer)
    suppressed: Mapped[int | None] = mapped_column(Integer)
    truncated: Mapped[bool | None] = mapped_column(default=None)
    k: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"columns": […], "rows": […]}

    export: Mapped[SandboxExport | None] = relationship(back_populates="query", uselist=False)


class SandboxExport(Base):
    __tablename__ = "sandbox_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_id: Mapped[int] = mapped_column(
        ForeignKey("sandbox_query.id", ondelete="CASCADE"), unique=True
    )
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("access_grant.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default=SUBMITTED, index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivery_id: Mapped[str | None] = mapped_column(String(40))

    query: Mapped[SandboxQuery] = relationship(back_populates="export")

"""The audit log: one append-only, hash-chained row per act.

Each row holds who acted (the account's pseudonym, which outlives its erasure), in which
role, what they did, on which object, a digest of the change, when (UTC), the request id and
the client address. Its ``hash`` is the SHA-256 of its own fields and the previous row's hash;
``audit_head`` holds the last sequence number and hash. Editing, removing or reordering rows
breaks the chain, and :func:`verify` names the first row where it breaks.

Appending locks the head row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serializes
writers), so concurrent writers queue instead of forking the chain. The row is written in
the caller's transaction: an act that rolls back leaves no row, one that commits leaves one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, Select, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base, utcnow

GENESIS = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class Origin:
    """Where an act came from: the request's id and the client's address (None from the CLI)."""

    request_id: str | None = None
    client_addr: str | None = None


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(40), index=True)  # pseudonym, "cli", "anonymous"
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(String(500))  # no personal data
    digest: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the change
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


def change_digest(change: Mapping[str, Any] | None) -> str | None:
    if change is None:
        return None
    text = json.dumps(change, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    role: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    change: Mapping[str, Any] | None = None,
    summary: str | None = None,
    request_id: str | None = None,
    client_addr: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one row in the caller's transaction."""
    head = _locked_head(session)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=(now or utcnow()).replace(microsecond=0),
        actor=actor[:40],
        role=role,
        action=action[:60],
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:100],
        summary=(summary or None) and summary[:500],
        digest=change_digest(change),
        request_id=(request_id or None) and request_id[:64],
        client_addr=(client_addr or None) and client_addr[:64],
        prev_hash=head.hash,
    )
    entry.hash = row_hash(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    session.flush()
    return entry


def row_hash(entry: AuditEntry) -> str:
    fields = [
        entry.seq,
        entry.at.isoformat(timespec="seconds"),
        entry.actor,
        entry.role,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.summary,
        entry.digest,
        entry.request_id,
        entry.client_addr,
        entry.prev_hash,
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_seq: int | None = None  # the first row whose chain breaks
    reason: str | None = None  # edited | missing | reordered | truncated


def verify(session: Session, batch: int = 1000) -> Verification:
    """Walk the whole chain; the first row that does not follow names the break."""
    expected_seq, previous, checked = 1, GENESIS, 0
    for entry in in_order(session, select(AuditEntry), batch):
        checked += 1
        if entry.seq != expected_seq:
            reason = "missing" if entry.seq > expected_seq else "reordered"
            return Verification(False, checked, expected_seq, reason)
        if entry.prev_hash != previous:
            return Verification(False, checked, entry.seq, "reordered")
        if row_hash(entry) != entry.hash:
            return Verification(False, checked, entry.seq, "edited")
        previous, expected_seq = entry.hash, expected_seq + 1
    head = session.get(AuditHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != previous:
        return Verification(False, checked, expected_seq, "truncated")
    return Verification(True, checked)


def head(session: Session) -> tuple[int, str]:
    """The sequence number and hash of the last row (0 and the genesis hash for none)."""
    found = session.get(AuditHead, HEAD_ID)
    return (found.seq, found.hash) if found else (0, GENESIS)


def hash_at(session: Session, seq: int) -> str | None:
    return session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))


def in_order(
    session: Session, query: Select[AuditEntry], batch: int = 1000
) -> Iterator[AuditEntry]:
    """The rows of ``query``, oldest first, read ``batch`` at a time."""
    last = 0
    while True:
        rows = list(
            session.scalars(
                query.where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _locked_head(session: Session) -> AuditHead:
    head = session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head

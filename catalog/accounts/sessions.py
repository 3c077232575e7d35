"""The server side of a sign-in.

The browser's signed cookie carries only a random session secret; the row here says whose it
is, when it was last seen, and whether it ended. Signing out ends the row, so a copied cookie
opens nothing afterwards; a new secret is made at every sign-in; staff sessions end after 30
idle minutes, others after 7 days idle.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.accounts.models import User, UserSession
from catalog.accounts.tokens import MAX_TOKEN, digest
from catalog.db import utcnow

STAFF_IDLE = timedelta(minutes=30)
OTHER_IDLE = timedelta(days=7)
SEEN_RESOLUTION = timedelta(seconds=30)  # last_seen_at is written at most this often


def idle_limit(user: User) -> timedelta:
    return STAFF_IDLE if user.is_staff else OTHER_IDLE


def start_session(
    session: Session, user: User, client_addr: str | None = None, now: datetime | None = None
) -> tuple[UserSession, str]:
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    row = UserSession(
        token_hash=digest(secret),
        user=user,
        created_at=now,
        last_seen_at=now,
        client_addr=(client_addr or "")[:64] or None,
    )
    session.add(row)
    user.last_sign_in_at = now
    session.flush()
    return row, secret


def find_session(session: Session, secret: str, now: datetime | None = None) -> UserSession | None:
    """The live session of this secret, touched; None when ended, idle too long or unknown."""
    if not secret or len(secret) > MAX_TOKEN:
        return None
    now = now or utcnow()
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(secret)))
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    if now - row.last_seen_at > idle_limit(row.user):
        row.ended_at = now
        return None
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        row.last_seen_at = now
    return row


def end_session(row: UserSession, now: datetime | None = None) -> None:
    if row.ended_at is None:
        row.ended_at = now or utcnow()


def end_all_sessions(session: Session, user: User, now: datetime | None = None) -> None:
    """End every session of ``user`` (password change, reset, role change, erasure)."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )

"""API tokens for developers and one-time links (confirmation, password reset).

A token is ``gx_`` and 43 URL-safe random characters; only its SHA-256 is stored, so a stolen
database opens nothing. Looking one up is one indexed SELECT: a request signed with a token
costs about what an anonymous one does.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.models import PURPOSES, SCOPES, ApiToken, OneTimeToken, User
from catalog.db import utcnow
from catalog.errors import InvalidValue

TOKEN_PREFIX = "gx_"
MAX_TOKEN = 200  # characters of a presented token; longer is refused unhashed
CONFIRM_HOURS = 48
RESET_MINUTES = 30
DEFAULT_DAYS = 90  # an API token lasts this long unless told otherwise
LAST_USE_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(
    session: Session,
    user: User,
    name: str,
    *,
    scope: str = "read",
    days: float | None = DEFAULT_DAYS,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidValue("a token needs a name of 1–100 characters", code="invalid-token-name")
    if scope not in SCOPES:
        raise InvalidValue(f"unknown scope {scope!r}", code="unknown-scope", field="scope")
    if days is not None and not 0 < days <= 366:
        raise InvalidValue("a token lasts 1–366 days", code="invalid-token-days", field="days")
    now = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:11],
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days) if days is not None else None,
    )
    session.add(token)
    session.flush()
    return token, secret


def find_api_token(session: Session, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token with this secret (not expired, not revoked, its owner active), else None.

    Marks its last use (at most once a minute, so reads stay cheap)."""
    if not secret or len(secret) > MAX_TOKEN:
        return None
    now = now or utcnow()
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        token.last_used_at = now
    return token


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_api_token(token: ApiToken, now: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()


def issue_one_time(session: Session, user: User, purpose: str, now: datetime | None = None) -> str:
    """A one-time link secret for ``purpose``; earlier unused ones of the same purpose die."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    now = now or utcnow()
    for old in session.scalars(
        select(OneTimeToken).where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
    ):
        old.used_at = now
    lifetime = (
        timedelta(hours=CONFIRM_HOURS) if purpose == "confirm" else timedelta(minutes=RESET_MINUTES)
    )
    secret = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            user=user,
            purpose=purpose,
            token_hash=digest(secret),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return secret


def redeem_one_time(
    session: Session, secret: str, purpose: str, now: datetime | None = None
) -> User | None:
    """The user of an unused, unexpired link of ``purpose``, marking it used; else None."""
    if not secret or len(secret) > MAX_TOKEN:
        return None
    now = now or utcnow()
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == digest(secret), OneTimeToken.purpose == purpose
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    if token.user.erased_at is not None:
        return None
    token.used_at = now
    return token.user

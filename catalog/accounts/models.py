"""Accounts and what hangs off them. Secrets are stored only as hashes.

- ``password_hash``: argon2id (:mod:`catalog.accounts.passwords`).
- API tokens, one-time links and session identifiers are long random strings; they are stored
  as their SHA-256 (a slow hash buys nothing for 256 random bits and would cost every request).
- A resident ID number is stored as a keyed HMAC-SHA-256 plus its last four characters.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base, utcnow

# Kinds of account (who registers).
INDIVIDUAL = "individual"
ENTERPRISE = "enterprise"
INSTITUTION = "institution"
GOVERNMENT = "government"
KINDS = (INDIVIDUAL, ENTERPRISE, INSTITUTION, GOVERNMENT)

# Roles. Every confirmed account is an applicant without a stored grant; the others are
# granted, the department ones for a department (and so the departments below it).
APPLICANT = "applicant"
PUBLISHER = "publisher"
REVIEWER = "reviewer"
ADMIN = "admin"
AUDITOR = "auditor"
ROLES = (APPLICANT, PUBLISHER, REVIEWER, ADMIN, AUDITOR)
DEPARTMENT_ROLES = frozenset({PUBLISHER, REVIEWER})
STAFF_ROLES = frozenset({PUBLISHER, REVIEWER, ADMIN, AUDITOR})
TWO_FACTOR_ROLES = frozenset({ADMIN, REVIEWER})  # GB/T 22239 level 3: two factors

# API token scopes.
READ = "read"
PUBLISH = "publish"
CONDITIONAL = "conditional"  # downloads of conditional data under the owner's active grants
SCOPES = (READ, PUBLISH, CONDITIONAL)

# One-time link purposes.
CONFIRM = "confirm"
RESET = "reset"
PURPOSES = (CONFIRM, RESET)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # what the audit log names: stable, random, kept when the personal data is erased
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # lower-cased
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, +86…
    display_name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default=INDIVIDUAL)
    real_name: Mapped[str | None] = mapped_column(String(100))
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_last4: Mapped[str | None] = mapped_column(String(4))
    credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码
    organization_name: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )  # the government body a government account belongs to
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def active(self) -> bool:
        return self.erased_at is None and self.confirmed_at is not None

    @property
    def is_staff(self) -> bool:
        """Publisher, reviewer, administrator or auditor: the stricter password and idle rules."""
        return any(grant.role in STAFF_ROLES for grant in self.grants)

    @property
    def needs_two_factor(self) -> bool:
        return any(grant.role in TWO_FACTOR_ROLES for grant in self.grants)

    def __repr__(self) -> str:
        return f"<User {self.pseudonym}>"


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "department_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE")
    )
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists: gx_ab12cd34…
    scope: Mapped[str] = mapped_column(String(20), default=READ)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class OneTimeToken(Base):
    """A confirmation or password-reset link: used once, expires."""

    __tablename__ = "one_time_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class UserSession(Base):
    """The server side of a sign-in: signing out or an idle limit ends it here."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_ended", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    two_factor_at: Mapped[datetime | None] = mapped_column(DateTime)  # second factor given
    client_addr: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()

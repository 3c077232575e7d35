"""A person's acts on their account, each recorded in the audit log.

The pages and the ``gxdata user`` commands call these; each takes the session (never commits)
and an :class:`~catalog.audit.Origin`, does the act through :mod:`catalog.accounts.users` or
:mod:`catalog.accounts.tokens`, and appends one audit row naming the account's pseudonym
(never its e-mail). Audit actions written here:

``account.register``, ``account.confirm``, ``account.sign-in``, ``account.sign-in-failed``,
``account.locked``, ``account.two-factor``, ``account.two-factor-failed``,
``account.two-factor-on``, ``account.sign-out``, ``account.password-change``,
``account.password-reset-request``, ``account.password-reset``, ``account.erase``,
``account.create`` (by the CLI), ``token.create``, ``token.revoke``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from catalog import audit
from catalog.accounts import tokens, users
from catalog.accounts.models import ApiToken, User
from catalog.accounts.sessions import end_all_sessions
from catalog.audit import Origin
from catalog.db import utcnow

ANONYMOUS = "anonymous"


def record(
    session: Session,
    action: str,
    origin: Origin,
    *,
    actor: str,
    user: User | None = None,
    object_type: str = "account",
    object_id: str | int | None = None,
    change: dict[str, Any] | None = None,
    summary: str | None = None,
    role: str | None = None,
) -> None:
    """One audit row of an account act; the object is the account's pseudonym by default."""
    audit.record(
        session,
        actor=actor,
        role=role,
        action=action,
        object_type=object_type,
        object_id=object_id if object_id is not None else (user.pseudonym if user else None),
        change=change,
        summary=summary,
        request_id=origin.request_id,
        client_addr=origin.client_addr,
    )


def attempt_sign_in(session: Session, email: str, password: str, origin: Origin) -> users.SignIn:
    """Check the e-mail and password (lockout after 5 failures) and record the outcome."""
    result = users.authenticate(session, email, password)
    known = result.known
    if result.outcome == "signed-in" and known is not None:
        record(session, "account.sign-in", origin, actor=known.pseudonym, user=known)
    elif result.outcome == "locked" and known is not None:
        record(session, "account.locked", origin, actor=known.pseudonym, user=known)
    elif result.outcome == "unconfirmed" and known is not None:
        record(
            session,
            "account.sign-in-failed",
            origin,
            actor=known.pseudonym,
            user=known,
            summary="unconfirmed",
        )
    else:
        # an unknown address is recorded without it: the log holds no personal data
        who = known.pseudonym if known is not None else ANONYMOUS
        record(session, "account.sign-in-failed", origin, actor=who, user=known)
    return result


def check_second_factor(session: Session, user: User, code: str, origin: Origin) -> bool:
    """The TOTP code of a signed-in person; wrong codes count towards the lockout."""
    if users.check_totp(user.totp_secret, code):
        user.failed_sign_ins = 0
        record(session, "account.two-factor", origin, actor=user.pseudonym, user=user)
        return True
    now = utcnow()
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    if user.failed_sign_ins >= users.MAX_FAILURES:
        user.failed_sign_ins = 0
        user.locked_until = now + users.LOCKOUT
        end_all_sessions(session, user, now)
        record(
            session, "account.locked", origin, actor=user.pseudonym, user=user, summary="two-factor"
        )
    else:
        record(session, "account.two-factor-failed", origin, actor=user.pseudonym, user=user)
    return False


def turn_on_totp(session: Session, user: User, secret: str, code: str, origin: Origin) -> bool:
    """Keep ``secret`` as the account's TOTP secret once a code from it checks."""
    if not users.check_totp(secret, code):
        return False
    user.totp_secret = secret
    record(session, "account.two-factor-on", origin, actor=user.pseudonym, user=user)
    return True


def register(session: Session, origin: Origin, **fields: Any) -> tuple[User | None, str | None]:
    """A new account and its confirmation link secret; ``(None, None)`` when the e-mail has an
    account already (the page answers the same either way and mails the owner)."""
    try:
        user = users.register_user(session, **fields)
    except users.AccountExists:
        return None, None
    record(session, "account.register", origin, actor=user.pseudonym, user=user, summary=user.kind)
    return user, tokens.issue_one_time(session, user, "confirm")


def confirm(session: Session, secret: str, origin: Origin) -> User | None:
    user = tokens.redeem_one_time(session, secret, "confirm")
    if user is None:
        return None
    users.confirm_user(user)
    record(session, "account.confirm", origin, actor=user.pseudonym, user=user)
    return user


def request_reset(session: Session, email: str, origin: Origin) -> tuple[User, str] | None:
    """A reset link secret for the account of ``email``, if there is a usable one."""
    user = users.find_by_email(session, email)
    if user is None or user.erased_at is not None:
        return None
    record(session, "account.password-reset-request", origin, actor=user.pseudonym, user=user)
    return user, tokens.issue_one_time(session, user, "reset")


def reset_password(session: Session, secret: str, new_password: str, origin: Origin) -> User | None:
    """Set a new password through a reset link (used once). ``InvalidValue`` for a weak one;
    the caller's rollback then leaves the link unused."""
    user = tokens.redeem_one_time(session, secret, "reset")
    if user is None:
        return None
    users.set_password(session, user, new_password)
    users.confirm_user(user)  # the link proves the address
    record(session, "account.password-reset", origin, actor=user.pseudonym, user=user)
    return user


def change_password(
    session: Session, user: User, old_password: str, new_password: str, origin: Origin
) -> None:
    users.change_password(session, user, old_password, new_password)
    record(session, "account.password-change", origin, actor=user.pseudonym, user=user)


def erase(session: Session, user: User, origin: Origin, actor: str | None = None) -> None:
    users.erase_user(session, user)
    record(session, "account.erase", origin, actor=actor or user.pseudonym, user=user)


def create_token(
    session: Session,
    user: User,
    name: str,
    origin: Origin,
    *,
    scope: str = "read",
    days: float | None = tokens.DEFAULT_DAYS,
    actor: str | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token (its secret is returned once and never stored)."""
    token, secret = tokens.create_api_token(session, user, name, scope=scope, days=days, now=now)
    record(
        session,
        "token.create",
        origin,
        actor=actor or user.pseudonym,
        object_type="api_token",
        object_id=token.id,
        change={"scope": scope, "days": days, "owner": user.pseudonym},
        summary=token.prefix,
    )
    return token, secret


def revoke_token(
    session: Session, token: ApiToken, origin: Origin, actor: str | None = None
) -> None:
    tokens.revoke_api_token(token)
    record(
        session,
        "token.revoke",
        origin,
        actor=actor or token.user.pseudonym,
        object_type="api_token",
        object_id=token.id,
        summary=token.prefix,
    )

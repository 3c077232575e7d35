"""Password hashing (argon2id, through argon2-cffi) and the rules a password must meet.

Staff accounts (publisher, reviewer, administrator, auditor) follow the GB/T 22239-2019 level 3
identity checks: at least 10 characters of three of four kinds (lower, upper, digit, other),
changed every 90 days. Other accounts need 8 characters of two kinds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from catalog.errors import InvalidValue

STAFF_PASSWORD_DAYS = 90
MAX_PASSWORD = 256  # characters; longer is refused before hashing

# argon2id with OWASP's recommended profile (19 MiB, 2 passes, 1 lane): argon2-cffi's default
# (RFC 9106's 64 MiB, 4 lanes) would hold 64 MB a sign-in on a 2-core server, and as much in
# every process that merely imported this module while it hashed the dummy at import time.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored or len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def dummy_verify(password: str) -> None:
    """Spend the time of a real check, so an unknown e-mail answers as slowly as a known one."""
    verify_password(_dummy_hash(), password[:MAX_PASSWORD])


def check_password(password: str, *, staff: bool) -> None:
    """Raise ``InvalidValue`` (``weak-password`` / ``password-too-long``) unless it will do."""
    if len(password) > MAX_PASSWORD:
        raise InvalidValue("the password is too long", code="password-too-long", field="password")
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    length, needed = (10, 3) if staff else (8, 2)
    if len(password) < length or kinds < needed:
        code = "weak-staff-password" if staff else "weak-password"
        raise InvalidValue("the password is too weak", code=code, field="password")


def password_expired(changed_at: datetime | None, now: datetime) -> bool:
    return changed_at is None or now - changed_at > timedelta(days=STAFF_PASSWORD_DAYS)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a password of anybody")

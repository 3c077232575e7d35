"""Registration, confirmation, sign-in with lockout, passwords, roles and erasure.

Service functions: they take a session and never commit. Errors are ``InvalidValue`` with a
stable code and the field at fault; the pages translate the codes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog.accounts import identity, passwords
from catalog.accounts.models import (
    DEPARTMENT_ROLES,
    ENTERPRISE,
    GOVERNMENT,
    INDIVIDUAL,
    INSTITUTION,
    KINDS,
    ROLES,
    ApiToken,
    OneTimeToken,
    RoleGrant,
    User,
)
from catalog.accounts.sessions import end_all_sessions
from catalog.db import utcnow
from catalog.errors import CatalogError, InvalidValue
from catalog.models import Department

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AccountExists(CatalogError):
    """The e-mail address has an account. Pages must not say so (they mail its owner)."""

    code = "account-exists"


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to. ``user`` is set only when it succeeded."""

    outcome: str  # signed-in | wrong | locked | unconfirmed
    user: User | None = None
    known: User | None = None  # the account tried, if any (for the audit log only)


def normalise_email(text: str) -> str:
    email = (text or "").strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise InvalidValue("not an e-mail address", code="invalid-email", field="email")
    return email


def find_by_email(session: Session, email: str) -> User | None:
    try:
        email = normalise_email(email)
    except InvalidValue:
        return None
    return session.scalar(select(User).where(User.email == email))


def register_user(
    session: Session,
    *,
    email: str,
    password: str,
    phone: str,
    display_name: str,
    kind: str,
    id_key: bytes,
    real_name: str | None = None,
    id_number: str | None = None,
    credit_code: str | None = None,
    organization_name: str | None = None,
    department: Department | None = None,
) -> User:
    """A new, unconfirmed account. Raises ``AccountExists`` when the e-mail has one."""
    email = normalise_email(email)
    if kind not in KINDS:
        raise InvalidValue(f"unknown kind {kind!r}", code="unknown-account-kind", field="kind")
    display_name = _required(display_name, "display_name", 100)
    passwords.check_password(password, staff=False)
    user = User(
        pseudonym=new_pseudonym(),
        email=email,
        phone=_field(identity.check_mobile, phone, "phone"),
        display_name=display_name,
        kind=kind,
        failed_sign_ins=0,
        must_change_password=False,
    )
    if kind == INDIVIDUAL:
        user.real_name = _required(real_name, "real_name", 100)
        number = _field(identity.check_resident_id, id_number or "", "id_number")
        user.id_number_hash, user.id_number_last4 = identity.resident_id_digest(number, id_key)
    elif kind in (ENTERPRISE, INSTITUTION):
        user.credit_code = _field(identity.check_credit_code, credit_code or "", "credit_code")
        user.organization_name = _required(organization_name, "organization_name", 200)
    elif kind == GOVERNMENT:
        if department is None:
            raise InvalidValue("pick a department", code="missing-department", field="department")
        user.department_id = department.id
    if find_by_email(session, email) is not None:
        raise AccountExists("an account has this e-mail address")
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    return user


def create_staff_user(
    session: Session,
    *,
    email: str,
    password: str | None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> tuple[User, str | None]:
    """A confirmed account made by an administrator or ``gxdata user add``.

    Without a password a one-time one is made (returned, to be changed at first sign-in)."""
    email = normalise_email(email)
    if find_by_email(session, email) is not None:
        raise AccountExists("an account has this e-mail address")
    one_time = None
    if password is None:
        one_time = password = generate_password()
    else:
        passwords.check_password(password, staff=True)
    now = now or utcnow()
    user = User(
        pseudonym=new_pseudonym(),
        email=email,
        display_name=(display_name or email.split("@")[0])[:100],
        kind=GOVERNMENT,
        password_hash=passwords.hash_password(password),
        password_changed_at=now,
        must_change_password=one_time is not None,
        confirmed_at=now,
        failed_sign_ins=0,
    )
    session.add(user)
    session.flush()
    return user, one_time


def generate_password() -> str:
    """A random password meeting the staff rules (letters of both cases, digits, a sign)."""
    while True:
        candidate = secrets.token_urlsafe(12) + "-7a"
        try:
            passwords.check_password(candidate, staff=True)
        except InvalidValue:
            continue
        return candidate


def confirm_user(user: User, now: datetime | None = None) -> None:
    if user.confirmed_at is None:
        user.confirmed_at = now or utcnow()


def authenticate(
    session: Session, email: str, password: str, now: datetime | None = None
) -> SignIn:
    """Check an e-mail and password, counting failures: the 5th locks for 15 minutes."""
    now = now or utcnow()
    user = find_by_email(session, email)
    if user is None or user.erased_at is not None:
        passwords.dummy_verify(password)
        return SignIn("wrong")
    if user.locked_until is not None and user.locked_until > now:
        passwords.dummy_verify(password)
        return SignIn("locked", known=user)
    if not passwords.verify_password(user.password_hash, password):
        user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
        if user.failed_sign_ins >= MAX_FAILURES:
            user.failed_sign_ins = 0
            user.locked_until = now + LOCKOUT
            return SignIn("locked", known=user)
        return SignIn("wrong", known=user)
    user.failed_sign_ins = 0
    user.locked_until = None
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if user.confirmed_at is None:
        return SignIn("unconfirmed", known=user)
    return SignIn("signed-in", user=user, known=user)


def password_change_due(user: User, now: datetime | None = None) -> bool:
    """True when the person must set a new password before going on."""
    if user.must_change_password:
        return True
    return user.is_staff and passwords.password_expired(user.password_changed_at, now or utcnow())


def set_password(
    session: Session, user: User, new_password: str, now: datetime | None = None
) -> None:
    """Replace the password (after the old one or a reset link was checked); every session of
    the account ends."""
    passwords.check_password(new_password, staff=user.is_staff)
    if passwords.verify_password(user.password_hash, new_password):
        raise InvalidValue(
            "the new password is the old one", code="same-password", field="password"
        )
    now = now or utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    user.must_change_password = False
    user.failed_sign_ins = 0
    user.locked_until = None
    end_all_sessions(session, user, now)


def change_password(session: Session, user: User, old_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, old_password):
        raise InvalidValue("the current password is wrong", code="wrong-password", field="old")
    set_password(session, user, new_password)


def start_totp(user: User) -> str:
    """A new TOTP secret (not yet active): the person enters a code from it to turn it on."""
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str = "广西公共数据开放平台") -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email or user.pseudonym, issuer_name=issuer
    )


def check_totp(secret: str | None, code: str) -> bool:
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=1)


def grant_role(
    session: Session, user: User, role: str, department: Department | None = None
) -> RoleGrant:
    if role not in ROLES or role == "applicant":
        raise InvalidValue(f"unknown role {role!r}", code="unknown-role", field="role")
    if (role in DEPARTMENT_ROLES) != (department is not None):
        code = "role-needs-department" if role in DEPARTMENT_ROLES else "role-without-department"
        raise InvalidValue("a publisher or reviewer acts for a department", code=code)
    department_id = department.id if department is not None else None
    for grant in user.grants:
        if grant.role == role and grant.department_id == department_id:
            return grant
    grant = RoleGrant(role=role, department_id=department_id)
    user.grants.append(grant)
    end_all_sessions(session, user)  # a new role: sign in again under its rules
    session.flush()
    return grant


def revoke_role(session: Session, user: User, role: str, department_id: int | None) -> bool:
    for grant in list(user.grants):
        if grant.role == role and grant.department_id == department_id:
            user.grants.remove(grant)
            end_all_sessions(session, user)
            session.flush()
            return True
    return False


def erase_user(session: Session, user: User, now: datetime | None = None) -> None:
    """Delete an account's personal data. The row stays with its pseudonym, which the audit
    log names, so the log's chain and meaning survive."""
    now = now or utcnow()
    end_all_sessions(session, user, now)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(OneTimeToken).where(OneTimeToken.user_id == user.id))
    for name in (
        "email", "phone", "display_name", "real_name", "id_number_hash", "id_number_last4",
        "credit_code", "organization_name", "department_id", "password_hash", "totp_secret",
        "locked_until", "last_sign_in_at", "password_changed_at",
    ):  # fmt: skip
        setattr(user, name, None)
    user.grants.clear()
    user.erased_at = now
    session.flush()


def new_pseudonym() -> str:
    return "u-" + secrets.token_hex(8)


def _required(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise InvalidValue(
            f"{field} is required", code=f"invalid-{field.replace('_', '-')}", field=field
        )
    return text


def _field(check: object, value: str, field: str) -> str:
    try:
        return check(value)  # type: ignore[operator]
    except InvalidValue as error:
        error.field = field
        raise

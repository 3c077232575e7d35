"""What the platform administrator does to accounts: find them, grant and revoke roles, erase.

Each act takes the session (never commits), the acting :class:`~catalog.permissions.Actor`
and an :class:`~catalog.publishing.acts.Origin`; it asks :func:`catalog.permissions.can`
(``users.manage``) and appends one audit row naming the account by its pseudonym only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.accounts import acts as account_acts
from catalog.accounts import users
from catalog.accounts.models import ADMIN, RoleGrant, User
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.errors import InvalidValue, NotFound
from catalog.models import Department
from catalog.permissions import Actor
from catalog.publishing.acts import CLI, ensure
from catalog.queries import get_department

PAGE = 50  # accounts listed per page
MAX_SEARCH = 100  # characters of a search


@dataclass(frozen=True)
class Grant:
    role: str
    department_id: int | None
    department_name: str | None


@dataclass(frozen=True)
class UserRow:
    id: int
    pseudonym: str
    email: str | None
    display_name: str | None
    kind: str
    confirmed: bool
    erased: bool
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class UserPage:
    rows: list[UserRow]
    total: int
    page: int
    pages: int


def find_users(session: Session, actor: Actor, text: str = "", page: int = 1) -> UserPage:
    """Accounts whose e-mail, display name or pseudonym contains ``text``, newest first."""
    ensure(session, actor, "users.manage", None)
    text = (text or "").strip()[:MAX_SEARCH]
    query = select(User)
    if text:
        pattern = f"%{_escaped(text.lower())}%"
        query = query.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
                User.pseudonym == text,
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE))
    page = min(max(1, page), pages)
    found = session.scalars(
        query.options(selectinload(User.grants))
        .order_by(User.id.desc())
        .limit(PAGE)
        .offset((page - 1) * PAGE)
    ).all()
    names = _department_names(session)
    return UserPage([_row(user, names) for user in found], total, page, pages)


def get_user(session: Session, actor: Actor, user_id: int) -> UserRow:
    ensure(session, actor, "users.manage", None)
    return _row(_user(session, user_id), _department_names(session))


def grant(
    session: Session,
    actor: Actor,
    user_id: int,
    role: str,
    department: str | None = None,
    origin: Origin = CLI,
) -> RoleGrant:
    """Give the account ``role`` (for the department of slug or id ``department``)."""
    ensure(session, actor, "users.manage", None)
    user = _live_user(session, user_id)
    department_row = _department(session, department)
    made = users.grant_role(session, user, role, department_row)
    _record(session, actor, "role.grant", user, origin, role, department_row)
    return made


def revoke(
    session: Session,
    actor: Actor,
    user_id: int,
    role: str,
    department_id: int | None = None,
    origin: Origin = CLI,
) -> bool:
    """Take ``role`` (for ``department_id``) away; False when the account did not hold it.
    An administrator cannot take their own administration away (nobody would be left)."""
    ensure(session, actor, "users.manage", None)
    user = _user(session, user_id)
    if role == ADMIN and user.id == actor.user_id:
        raise InvalidValue("you cannot revoke your own administration", code="own-admin-role")
    if not users.revoke_role(session, user, role, department_id):
        return False
    department = session.get(Department, department_id) if department_id else None
    _record(session, actor, "role.revoke", user, origin, role, department)
    return True


def erase(session: Session, actor: Actor, user_id: int, origin: Origin = CLI) -> None:
    """Erase the account's personal data; the audit log keeps its pseudonym."""
    ensure(session, actor, "users.manage", None)
    user = _user(session, user_id)
    if user.id == actor.user_id:
        raise InvalidValue("erase your own account from its account page", code="own-account")
    if user.erased_at is not None:
        raise InvalidValue("the account is erased already", code="already-erased")
    users.erase_user(session, user)
    account_acts.record(
        session, "account.erase", origin, actor=actor.pseudonym, user=user, role=ADMIN
    )


def _record(
    session: Session,
    actor: Actor,
    action: str,
    user: User,
    origin: Origin,
    role: str,
    department: Department | None,
) -> None:
    """A role change, as :func:`catalog.publishing.acts.add_member` records one."""
    slug = department.slug if department is not None else None
    record_act(
        session, actor, origin, action, role=ADMIN, object_type="user", object_id=user.pseudonym,
        change={"role": role, "department": slug}, summary=f"{role}@{slug}" if slug else role,
    )  # fmt: skip


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no account {user_id}", code="unknown-user")
    return user


def _live_user(session: Session, user_id: int) -> User:
    user = _user(session, user_id)
    if user.erased_at is not None:
        raise InvalidValue("the account is erased", code="already-erased")
    return user


def _department(session: Session, department: str | None) -> Department | None:
    if not department:
        return None
    found = get_department(session, department)
    if found is None:
        raise NotFound(f"no department {department!r}", code="unknown-department")
    return found


def _department_names(session: Session) -> dict[int, str]:
    return {
        dep_id: name for dep_id, name in session.execute(select(Department.id, Department.name))
    }


def _row(user: User, names: dict[int, str]) -> UserRow:
    grants = tuple(
        Grant(g.role, g.department_id, names.get(g.department_id) if g.department_id else None)
        for g in sorted(user.grants, key=lambda g: (g.role, g.department_id or 0))
    )
    return UserRow(
        id=user.id,
        pseudonym=user.pseudonym,
        email=user.email,
        display_name=user.display_name,
        kind=user.kind,
        confirmed=user.confirmed_at is not None,
        erased=user.erased_at is not None,
        grants=grants,
    )


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""What a person may do, decided here and nowhere else.

Every page, CLI command and API that acts for somebody builds an :class:`Actor` and asks
:func:`can`. The rules are a table: an action names the roles that may take it, whether the
role must be held for the object's department, whether it writes, whether an API token
may take it at all, and whether only a token of one scope may. Anything not in the table, and
any unknown role, is refused.

A department role covers its department and the departments below it (``Department.parent``).
A role that needs two factors (administrator, reviewer) counts in a browser session only once
the second factor was given. An API token carries its owner's roles, cut down to its scope:
``read`` writes nothing, ``publish`` may take the publisher's actions only, and only a
``conditional`` token downloads conditional data (``conditional.download``; which grant allows
which file is :func:`catalog.access.active_grant`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.models import (
    ADMIN,
    APPLICANT,
    AUDITOR,
    CONDITIONAL,
    PUBLISH,
    PUBLISHER,
    REVIEWER,
    TWO_FACTOR_ROLES,
    User,
)
from catalog.models import Department

MAX_DEPTH = 20  # departments above one another; a longer chain is a loop


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    department: bool = False  # the role must cover the object's department
    write: bool = True
    token: bool = True  # may an API token take it (within its scope)
    scope: str | None = None  # only a token of this scope may (a session always may)


def _rule(
    *roles: str,
    department: bool = False,
    write: bool = True,
    token: bool = True,
    scope: str | None = None,
) -> Rule:
    return Rule(frozenset(roles), department, write, token, scope)


ACTIONS: dict[str, Rule] = {
    # a department's catalog
    "dataset.create": _rule(PUBLISHER, department=True),
    "dataset.edit": _rule(PUBLISHER, department=True),
    "dataset.publish": _rule(PUBLISHER, department=True),
    "dataset.withdraw": _rule(PUBLISHER, department=True),
    "dataset.delete": _rule(PUBLISHER, department=True),
    "dataset.read-draft": _rule(PUBLISHER, REVIEWER, department=True, write=False),
    "dataset.review": _rule(REVIEWER, department=True, token=False),
    "department.members": _rule(ADMIN, token=False),
    # conditional data: applications, their review, grants and downloads
    "application.submit": _rule(APPLICANT),
    "application.review": _rule(REVIEWER, department=True, token=False),
    "applications.manage": _rule(ADMIN, token=False),  # every application and grant
    "conditional.download": _rule(APPLICANT, write=False, scope=CONDITIONAL),
    # reuses and competitions (catalog/reuses)
    "reuse.register": _rule(APPLICANT, token=False),  # any signed-in person
    "reuses.manage": _rule(ADMIN, token=False),  # approve, reject, withdraw; competitions
    # the data-quality loop: the department answers problem reports on its datasets
    "feedback.handle": _rule(PUBLISHER, REVIEWER, department=True, token=False),
    "feedback.handle-any": _rule(ADMIN, token=False),  # any report, even of no department
    # data requests (数据需求): asked and supported by anyone signed in, routed by the
    # administration, answered by the department's staff
    "datarequest.create": _rule(APPLICANT, token=False),
    "datarequest.support": _rule(APPLICANT, token=False),
    "datarequests.manage": _rule(ADMIN, token=False),
    "datarequest.answer": _rule(PUBLISHER, REVIEWER, department=True, token=False),
    # the platform
    "harvest.manage": _rule(ADMIN, token=False),
    "users.manage": _rule(ADMIN, token=False),
    "departments.manage": _rule(ADMIN, token=False),
    "audit.read": _rule(AUDITOR, ADMIN, write=False, token=False),
    # one's own account
    "account.manage": _rule(APPLICANT, token=False),
    "account.read": _rule(APPLICANT, write=False),
}

# the actions a ``publish`` token may take; a ``read`` token takes no writing action
PUBLISH_SCOPE = frozenset(
    name for name, rule in ACTIONS.items() if PUBLISHER in rule.roles and rule.token
)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person in a browser session, a person through an API token, or nobody."""

    user_id: int | None = None
    pseudonym: str = "anonymous"
    grants: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)
    confirmed: bool = False
    scope: str | None = None  # None: a browser session or the CLI; else the token's scope
    two_factor: bool = False  # a second factor was given in this session
    token_id: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def roles(self) -> frozenset[str]:
        """The roles that count now (two-factor roles only after the second factor)."""
        held = {role for role, _ in self.grants if self._counts(role)}
        if self.confirmed:
            held.add(APPLICANT)
        return frozenset(held)

    def departments(self, role: str) -> frozenset[int]:
        if not self._counts(role):
            return frozenset()
        return frozenset(dep for held, dep in self.grants if held == role and dep is not None)

    def _counts(self, role: str) -> bool:
        return role not in TWO_FACTOR_ROLES or self.two_factor or self.scope is not None


ANONYMOUS = Actor()


def actor_for(
    user: User,
    *,
    scope: str | None = None,
    two_factor: bool = False,
    token_id: int | None = None,
) -> Actor:
    """The actor of a signed-in ``user`` (``scope`` set when acting through a token)."""
    if not user.active:
        return ANONYMOUS
    return Actor(
        user_id=user.id,
        pseudonym=user.pseudonym,
        grants=frozenset((grant.role, grant.department_id) for grant in user.grants),
        confirmed=True,
        scope=scope,
        two_factor=two_factor,
        token_id=token_id,
    )


def system_actor(name: str = "cli") -> Actor:
    """The command line run by whoever holds the machine: every platform role."""
    return Actor(
        user_id=None,
        pseudonym=name,
        grants=frozenset({(ADMIN, None), (AUDITOR, None)}),
        confirmed=True,
        two_factor=True,
    )


def can(
    session: Session | None, actor: Actor, action: str, department_id: int | None = None
) -> bool:
    """May ``actor`` take ``action`` (on an object of ``department_id``)? Fails closed."""
    rule = ACTIONS.get(action)
    if rule is None or not actor.confirmed or not _token_allows(actor, action, rule):
        return False
    if not rule.department:
        return bool(rule.roles & actor.roles())
    if department_id is None or session is None:
        return False  # a department action on an object of no department: nobody
    return _allowed_in(actor, action, rule, department_lineage(session, department_id))


def _allowed_in(actor: Actor, action: str, rule: Rule, lineage: frozenset[int]) -> bool:
    if not _token_allows(actor, action, rule) or not actor.confirmed:
        return False
    return any(actor.departments(role) & lineage for role in rule.roles)


def _token_allows(actor: Actor, action: str, rule: Rule) -> bool:
    if actor.scope is None:
        return True
    if not rule.token or (rule.scope is not None and actor.scope != rule.scope):
        return False
    return not rule.write or (actor.scope == PUBLISH and action in PUBLISH_SCOPE)


def acting_departments(session: Session, actor: Actor, action: str) -> frozenset[int]:
    """Every department (its own and those below) where ``actor`` may take ``action``."""
    rule = ACTIONS.get(action)
    if rule is None or not rule.department:
        return frozenset()
    parents = _parents(session)
    return frozenset(
        dep for dep in parents if _allowed_in(actor, action, rule, _lineage(parents, dep))
    )


def department_lineage(session: Session, department_id: int) -> frozenset[int]:
    """The department and every department above it."""
    return _lineage(_parents(session), department_id)


def _parents(session: Session) -> dict[int, int | None]:
    rows = session.execute(select(Department.id, Department.parent_id))
    return {department_id: parent_id for department_id, parent_id in rows}


def _lineage(parents: dict[int, int | None], department_id: int) -> frozenset[int]:
    found: set[int] = set()
    current: int | None = department_id
    while current is not None and current in parents and current not in found:
        if len(found) >= MAX_DEPTH:
            break
        found.add(current)
        current = parents[current]
    return frozenset(found)

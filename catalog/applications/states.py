"""The states of an application for conditional data, and the one table of allowed transitions.

::

    draft → submitted → under_review → approved → grant_active → expired | revoked | closed
                          ↑      ↓   ↘ rejected
                 resubmitted ← more_info_requested
    draft, submitted, under_review, more_info_requested → withdrawn (by the applicant)

Every move is a row of :data:`TRANSITIONS`: from a state, an event leads to a state, taken by
one of the named roles, with or without a required reason. Nothing else moves an application:
services call :func:`transition` (or :func:`apply`, which also makes the history entry), and
pages ask :func:`next_events` which buttons to show. Anything not in the table is refused with
``InvalidValue(code="impossible-transition")``; a row taken by a role it does not name with
``code="not-permitted"``; a row that needs a reason, given none, with ``code="missing-reason"``.

States, events and roles are stable snake_case codes, stored as they are; their Chinese and
English labels belong to the pages. The roles here say in which capacity a person acts on *this*
application: that a person is its applicant, or a reviewer of its dataset's department, is
decided by :mod:`catalog.permissions` before a service calls in here. ``system`` is the portal
itself (a grant made on approval, a period that ran out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from catalog.accounts.models import ADMIN, APPLICANT, REVIEWER
from catalog.errors import InvalidValue

SYSTEM = "system"
ROLES = (APPLICANT, REVIEWER, SYSTEM, ADMIN)
MAX_REASON = 2000  # characters of a reason

# states
DRAFT = "draft"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
MORE_INFO_REQUESTED = "more_info_requested"
RESUBMITTED = "resubmitted"
APPROVED = "approved"
REJECTED = "rejected"
GRANT_ACTIVE = "grant_active"
EXPIRED = "expired"
REVOKED = "revoked"
CLOSED = "closed"
WITHDRAWN = "withdrawn"
STATES = (DRAFT, SUBMITTED, UNDER_REVIEW, MORE_INFO_REQUESTED, RESUBMITTED, APPROVED, REJECTED,
          GRANT_ACTIVE, EXPIRED, REVOKED, CLOSED, WITHDRAWN)  # fmt: skip
FINAL = frozenset({REJECTED, EXPIRED, REVOKED, CLOSED, WITHDRAWN})
IN_REVIEWER_QUEUE = frozenset({SUBMITTED, UNDER_REVIEW, RESUBMITTED})  # waiting for a reviewer

# events
SUBMIT = "submit"
START_REVIEW = "start_review"
REQUEST_INFO = "request_info"
RESUBMIT = "resubmit"
APPROVE = "approve"
REJECT = "reject"
ACTIVATE = "activate"
EXPIRE = "expire"
REVOKE = "revoke"
CLOSE = "close"
WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    """One allowed move: from ``source``, ``event`` leads to ``target``, taken by ``by``."""

    source: str
    event: str
    target: str
    by: frozenset[str]
    reason_required: bool = False


def _t(source: str, event: str, target: str, *by: str, reason: bool = False) -> Transition:
    return Transition(source, event, target, frozenset(by), reason)


TRANSITIONS: tuple[Transition, ...] = (
    _t(DRAFT, SUBMIT, SUBMITTED, APPLICANT),
    _t(SUBMITTED, START_REVIEW, UNDER_REVIEW, REVIEWER),
    _t(UNDER_REVIEW, REQUEST_INFO, MORE_INFO_REQUESTED, REVIEWER, reason=True),  # what is missing
    _t(MORE_INFO_REQUESTED, RESUBMIT, RESUBMITTED, APPLICANT),
    _t(RESUBMITTED, START_REVIEW, UNDER_REVIEW, REVIEWER),
    _t(UNDER_REVIEW, APPROVE, APPROVED, REVIEWER),
    _t(UNDER_REVIEW, REJECT, REJECTED, REVIEWER, reason=True),
    _t(APPROVED, ACTIVATE, GRANT_ACTIVE, SYSTEM),  # the grant is made on approval
    _t(GRANT_ACTIVE, EXPIRE, EXPIRED, SYSTEM),  # the period of use ran out
    _t(GRANT_ACTIVE, REVOKE, REVOKED, REVIEWER, ADMIN, reason=True),
    _t(GRANT_ACTIVE, CLOSE, CLOSED, APPLICANT, ADMIN),  # the applicant is done (final report)
    *(_t(s, WITHDRAW, WITHDRAWN, APPLICANT) for s in
      (DRAFT, SUBMITTED, UNDER_REVIEW, MORE_INFO_REQUESTED)),
)  # fmt: skip

_BY_MOVE: dict[tuple[str, str], Transition] = {(t.source, t.event): t for t in TRANSITIONS}
EVENTS = tuple(dict.fromkeys(t.event for t in TRANSITIONS))


def find(state: str, event: str) -> Transition | None:
    """The row of ``event`` from ``state``, whoever takes it; None if there is none."""
    return _BY_MOVE.get((state, event))


def allowed(state: str, event: str, by: str) -> bool:
    """Whether the role ``by`` may take ``event`` from ``state`` (a reason aside)."""
    row = find(state, event)
    return row is not None and by in row.by


def next_events(state: str, by: str) -> list[Transition]:
    """The moves the role ``by`` may take from ``state``, in table order (a page's buttons)."""
    return [t for t in TRANSITIONS if t.source == state and by in t.by]


def transition(state: str, event: str, by: str, reason: str | None = None) -> str:
    """The state ``event`` leads to from ``state`` when taken by ``by``, or a typed refusal."""
    row = find(state, event)
    if row is None:
        raise InvalidValue(f"no {event!r} from {state!r}", code="impossible-transition")
    if by not in row.by:
        raise InvalidValue(f"{by!r} may not {event!r} from {state!r}", code="not-permitted")
    cleaned = clean_reason(reason)
    if row.reason_required and cleaned is None:
        raise InvalidValue(f"{event!r} needs a reason", code="missing-reason", field="reason")
    return row.target


def clean_reason(reason: str | None) -> str | None:
    """A reason without surrounding blanks; None for none or only blanks; refused if too long."""
    cleaned = (reason or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_REASON:
        raise InvalidValue(
            f"a reason of over {MAX_REASON} characters", code="reason-too-long", field="reason"
        )
    return cleaned


@dataclass(frozen=True)
class HistoryEntry:
    """One step of an application's history: who (role and pseudonym), when, what and why."""

    at: datetime  # naive UTC, as stored
    by_role: str
    actor: str  # the account's pseudonym, or "system"
    event: str
    from_state: str
    to_state: str
    reason: str | None = None


def current_state(history: Sequence[HistoryEntry]) -> str:
    """The state a history leaves an application in (a new one is a draft)."""
    return history[-1].to_state if history else DRAFT


def apply(
    history: Sequence[HistoryEntry],
    event: str,
    *,
    by: str,
    actor: str,
    at: datetime,
    reason: str | None = None,
) -> tuple[str, HistoryEntry]:
    """The new state after ``event`` and the history entry recording it; ``history`` is unchanged.

    Refuses as :func:`transition` does. The caller appends the entry and writes the audit row.
    """
    source = current_state(history)
    target = transition(source, event, by, reason)
    return target, HistoryEntry(at, by, actor, event, source, target, clean_reason(reason))

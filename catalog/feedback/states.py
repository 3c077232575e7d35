"""The states of a problem report and the one table of allowed moves.

::

    reported ─accept→ accepted ─start_correction→ correcting ─publish→ published ─confirm→ confirmed
        └─reject (reason)→ rejected                     ↑                  │ └─close→ closed
                                                        └──reopen (why)────┘
    reported, accepted, correcting ─extend (reason, once)→ the same state, limit 10 working days

The department (a publisher or reviewer of the dataset's department) answers; the answer is
its rejection or the correction published, with feedback to the reporter. The reporter (the
holder of the secret link, or the account that reported) confirms it or says it is not fixed.
The portal (``system``) closes a report 7 days after the feedback. Refusals, as in the
applications' table: ``impossible-transition``, ``not-permitted``, ``missing-reason``.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.errors import InvalidValue

REPORTER = "reporter"
DEPARTMENT = "department"
SYSTEM = "system"
ROLES = (REPORTER, DEPARTMENT, SYSTEM)
MAX_NOTE = 2000  # characters of a reason or feedback

REPORTED = "reported"
ACCEPTED = "accepted"
REJECTED = "rejected"
CORRECTING = "correcting"
PUBLISHED = "published"  # the correction published, feedback given
CONFIRMED = "confirmed"
CLOSED = "closed"
STATES = (REPORTED, ACCEPTED, REJECTED, CORRECTING, PUBLISHED, CONFIRMED, CLOSED)
WITH_DEPARTMENT = frozenset({REPORTED, ACCEPTED, CORRECTING})  # waiting for the department
OPEN = WITH_DEPARTMENT | {PUBLISHED}  # not settled yet
FINAL = frozenset({REJECTED, CONFIRMED, CLOSED})

REPORT = "report"
ACCEPT = "accept"
REJECT = "reject"
EXTEND = "extend"
START_CORRECTION = "start_correction"
PUBLISH = "publish"
CONFIRM = "confirm"
REOPEN = "reopen"
CLOSE = "close"


@dataclass(frozen=True)
class Transition:
    source: str
    event: str
    target: str
    by: str
    reason_required: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(REPORTED, ACCEPT, ACCEPTED, DEPARTMENT),
    Transition(REPORTED, REJECT, REJECTED, DEPARTMENT, reason_required=True),
    *(Transition(s, EXTEND, s, DEPARTMENT, reason_required=True)
      for s in (REPORTED, ACCEPTED, CORRECTING)),
    Transition(ACCEPTED, START_CORRECTION, CORRECTING, DEPARTMENT),
    Transition(CORRECTING, PUBLISH, PUBLISHED, DEPARTMENT, reason_required=True),  # feedback
    Transition(PUBLISHED, CONFIRM, CONFIRMED, REPORTER),
    Transition(PUBLISHED, REOPEN, CORRECTING, REPORTER, reason_required=True),  # not fixed
    Transition(PUBLISHED, CLOSE, CLOSED, SYSTEM),
)  # fmt: skip

_BY_MOVE = {(t.source, t.event): t for t in TRANSITIONS}


def find(state: str, event: str) -> Transition | None:
    return _BY_MOVE.get((state, event))


def next_events(state: str, by: str) -> list[str]:
    """The events the role ``by`` may take from ``state``, in table order (a page's buttons)."""
    return [t.event for t in TRANSITIONS if t.source == state and t.by == by]


def clean_note(note: str | None) -> str | None:
    cleaned = (note or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_NOTE:
        raise InvalidValue(f"a note of over {MAX_NOTE} characters", code="note-too-long",
                           field="note")  # fmt: skip
    return cleaned


def transition(state: str, event: str, by: str, note: str | None = None) -> str:
    """The state ``event`` leads to from ``state`` taken by ``by``, or a typed refusal."""
    row = find(state, event)
    if row is None:
        raise InvalidValue(f"no {event!r} from {state!r}", code="impossible-transition")
    if row.by != by:
        raise InvalidValue(f"{by!r} may not {event!r} from {state!r}", code="not-permitted")
    if row.reason_required and clean_note(note) is None:
        raise InvalidValue(f"{event!r} needs a reason", code="missing-reason", field="note")
    return row.target

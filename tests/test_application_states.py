"""The application state machine: every allowed move, every other pair refused, reasons, roles."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from catalog.applications import states as s
from catalog.errors import InvalidValue

AT = datetime(2025, 3, 3, 2, 0)

# the issue's flow, written out independently of the table, as (from, event, to, roles, reason)
EXPECTED = {
    (s.DRAFT, s.SUBMIT, s.SUBMITTED, frozenset({"applicant"}), False),
    (s.SUBMITTED, s.START_REVIEW, s.UNDER_REVIEW, frozenset({"reviewer"}), False),
    (s.UNDER_REVIEW, s.REQUEST_INFO, s.MORE_INFO_REQUESTED, frozenset({"reviewer"}), True),
    (s.MORE_INFO_REQUESTED, s.RESUBMIT, s.RESUBMITTED, frozenset({"applicant"}), False),
    (s.RESUBMITTED, s.START_REVIEW, s.UNDER_REVIEW, frozenset({"reviewer"}), False),
    (s.UNDER_REVIEW, s.APPROVE, s.APPROVED, frozenset({"reviewer"}), False),
    (s.UNDER_REVIEW, s.REJECT, s.REJECTED, frozenset({"reviewer"}), True),
    (s.APPROVED, s.ACTIVATE, s.GRANT_ACTIVE, frozenset({"system"}), False),
    (s.GRANT_ACTIVE, s.EXPIRE, s.EXPIRED, frozenset({"system"}), False),
    (s.GRANT_ACTIVE, s.REVOKE, s.REVOKED, frozenset({"reviewer", "admin"}), True),
    (s.GRANT_ACTIVE, s.CLOSE, s.CLOSED, frozenset({"applicant", "admin"}), False),
    (s.DRAFT, s.WITHDRAW, s.WITHDRAWN, frozenset({"applicant"}), False),
    (s.SUBMITTED, s.WITHDRAW, s.WITHDRAWN, frozenset({"applicant"}), False),
    (s.UNDER_REVIEW, s.WITHDRAW, s.WITHDRAWN, frozenset({"applicant"}), False),
    (s.MORE_INFO_REQUESTED, s.WITHDRAW, s.WITHDRAWN, frozenset({"applicant"}), False),
}
ROWS = [(t.source, t.event, t.target, t.by, t.reason_required) for t in s.TRANSITIONS]
TAKERS = [(t, role) for t in s.TRANSITIONS for role in sorted(t.by)]
MOVES = {(t.source, t.event) for t in s.TRANSITIONS}
IMPOSSIBLE = [
    (state, event) for state, event in itertools.product(s.STATES, s.EVENTS)
    if (state, event) not in MOVES
]  # fmt: skip
OUTSIDERS = [(t, role) for t in s.TRANSITIONS for role in s.ROLES if role not in t.by]


def test_the_table_is_the_issues_flow() -> None:
    assert len(ROWS) == len(set(ROWS)) == len(EXPECTED)
    assert set(ROWS) == EXPECTED


def test_one_row_per_state_and_event() -> None:
    assert len(MOVES) == len(s.TRANSITIONS)


def test_codes_are_stable_snake_case() -> None:
    for code in (*s.STATES, *s.EVENTS, *s.ROLES):
        assert code.replace("_", "").isalpha() and code == code.lower()
    assert {t.source for t in s.TRANSITIONS} | {t.target for t in s.TRANSITIONS} == set(s.STATES)


def test_final_states_lead_nowhere() -> None:
    for state in s.FINAL:
        for role in s.ROLES:
            assert s.next_events(state, role) == []


@pytest.mark.parametrize(("row", "role"), TAKERS, ids=lambda v: getattr(v, "event", v))
def test_every_allowed_transition(row: s.Transition, role: str) -> None:
    assert s.allowed(row.source, row.event, role)
    reason = "材料不全" if row.reason_required else None
    assert s.transition(row.source, row.event, role, reason) == row.target
    assert row in s.next_events(row.source, role)


@pytest.mark.parametrize(("state", "event"), IMPOSSIBLE)
def test_every_impossible_pair_is_refused(state: str, event: str) -> None:
    for role in s.ROLES:
        assert not s.allowed(state, event, role)
        assert all(t.event != event for t in s.next_events(state, role))
        with pytest.raises(InvalidValue) as refused:
            s.transition(state, event, role, "a reason")
        assert refused.value.code == "impossible-transition"


@pytest.mark.parametrize(("state", "event"), [("nonsense", s.SUBMIT), (s.DRAFT, "nonsense")])
def test_unknown_codes_are_impossible(state: str, event: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        s.transition(state, event, "applicant")
    assert refused.value.code == "impossible-transition"


@pytest.mark.parametrize(("row", "role"), [*OUTSIDERS, *((t, "auditor") for t in s.TRANSITIONS)])
def test_a_role_the_row_does_not_name_is_not_permitted(row: s.Transition, role: str) -> None:
    assert not s.allowed(row.source, row.event, role)
    assert row not in s.next_events(row.source, role)
    with pytest.raises(InvalidValue) as refused:
        s.transition(row.source, row.event, role, "a reason")
    assert refused.value.code == "not-permitted"


def test_who_may_do_what() -> None:
    assert s.allowed(s.UNDER_REVIEW, s.APPROVE, "reviewer")
    assert not s.allowed(s.UNDER_REVIEW, s.APPROVE, "applicant")
    assert not s.allowed(s.UNDER_REVIEW, s.APPROVE, "admin")  # administrators do not decide
    assert not s.allowed(s.UNDER_REVIEW, s.WITHDRAW, "reviewer")  # only the applicant withdraws
    assert not s.allowed(s.RESUBMITTED, s.WITHDRAW, "applicant")
    assert not s.allowed(s.GRANT_ACTIVE, s.EXPIRE, "reviewer")  # the portal expires a grant
    assert [t.event for t in s.next_events(s.UNDER_REVIEW, "reviewer")] == [
        s.REQUEST_INFO,
        s.APPROVE,
        s.REJECT,
    ]
    assert [t.event for t in s.next_events(s.UNDER_REVIEW, "applicant")] == [s.WITHDRAW]


REASONED = [t for t in s.TRANSITIONS if t.reason_required]


def test_reasons_are_required_to_reject_to_ask_and_to_revoke() -> None:
    assert {t.event for t in REASONED} == {s.REJECT, s.REQUEST_INFO, s.REVOKE}


@pytest.mark.parametrize("row", REASONED, ids=lambda t: t.event)
@pytest.mark.parametrize("reason", [None, "", "  \n\t "])
def test_a_missing_reason_is_refused(row: s.Transition, reason: str | None) -> None:
    role = sorted(row.by)[0]
    with pytest.raises(InvalidValue) as refused:
        s.transition(row.source, row.event, role, reason)
    assert refused.value.code == "missing-reason"
    assert refused.value.field == "reason"


def test_a_reason_is_optional_elsewhere() -> None:
    assert s.transition(s.SUBMITTED, s.WITHDRAW, "applicant") == s.WITHDRAWN
    assert s.transition(s.SUBMITTED, s.WITHDRAW, "applicant", "不再需要") == s.WITHDRAWN


def test_a_reason_too_long_is_refused() -> None:
    s.transition(s.UNDER_REVIEW, s.REJECT, "reviewer", "理" * s.MAX_REASON)
    with pytest.raises(InvalidValue) as refused:
        s.transition(s.UNDER_REVIEW, s.REJECT, "reviewer", "理" * (s.MAX_REASON + 1))
    assert refused.value.code == "reason-too-long"


def test_apply_walks_the_whole_flow_with_a_request_for_more_information() -> None:
    steps = [
        (s.SUBMIT, "applicant", "u-ent", None),
        (s.START_REVIEW, "reviewer", "u-rev", None),
        (s.REQUEST_INFO, "reviewer", "u-rev", "  请补充营业执照  "),
        (s.RESUBMIT, "applicant", "u-ent", None),
        (s.START_REVIEW, "reviewer", "u-rev", None),
        (s.APPROVE, "reviewer", "u-rev", None),
        (s.ACTIVATE, "system", "system", None),
        (s.REVOKE, "admin", "u-adm", "超范围使用"),
    ]
    history: list[s.HistoryEntry] = []
    for event, role, actor, reason in steps:
        before = list(history)
        state, entry = s.apply(history, event, by=role, actor=actor, at=AT, reason=reason)
        assert history == before  # apply changes nothing
        history.append(entry)
        assert s.current_state(history) == state == entry.to_state
    assert [e.from_state for e in history] == [
        s.DRAFT,
        s.SUBMITTED,
        s.UNDER_REVIEW,
        s.MORE_INFO_REQUESTED,
        s.RESUBMITTED,
        s.UNDER_REVIEW,
        s.APPROVED,
        s.GRANT_ACTIVE,
    ]
    assert history[-1] == s.HistoryEntry(
        AT, "admin", "u-adm", s.REVOKE, s.GRANT_ACTIVE, s.REVOKED, "超范围使用"
    )
    assert history[2].reason == "请补充营业执照"  # stored without the blanks around it
    assert history[0].reason is None


def test_apply_refuses_from_the_current_state() -> None:
    assert s.current_state([]) == s.DRAFT
    _, submitted = s.apply([], s.SUBMIT, by="applicant", actor="u-ent", at=AT)
    with pytest.raises(InvalidValue) as refused:
        s.apply([submitted], s.SUBMIT, by="applicant", actor="u-ent", at=AT)
    assert refused.value.code == "impossible-transition"
    with pytest.raises(InvalidValue) as refused:
        s.apply([submitted], s.START_REVIEW, by="applicant", actor="u-ent", at=AT)
    assert refused.value.code == "not-permitted"


def test_the_reviewers_queue_holds_what_waits_for_a_reviewer() -> None:
    waiting = {t.source for t in s.TRANSITIONS if t.by == {"reviewer"}}
    assert s.IN_REVIEWER_QUEUE == waiting == {s.SUBMITTED, s.UNDER_REVIEW, s.RESUBMITTED}

"""What reporters, departments and the portal do to a problem report, checked and recorded.

Every act takes the session (never commits), ``origin`` and ``now`` (naive UTC). The state
moves only through :func:`catalog.feedback.states.transition` (:func:`_move`), which writes the
transition row and the audit row (``feedback.report``, ``feedback.<event>``) together.

Who acts is decided here: the department is a person who may ``feedback.handle`` in the
report's department (:mod:`catalog.permissions`: publishers and reviewers, sub-departments
included); the reporter is the holder of the secret link (its SHA-256 is stored, compared in
constant time) or the signed-in account that reported. Refusals are typed
(:class:`~catalog.errors.CatalogError`): ``forbidden``, ``bad-token``, ``already-extended``, the
table's codes, and the report's checks (``unknown-kind``, ``description-too-short``,
``description-too-long``, ``too-many-links``, ``bad-contact``, ``unknown-file``, …).

Closing 7 days after the feedback is :func:`settle` (one report, called wherever a report is
read, so a page never shows a stale state) and :func:`close_expired` (all, from the CLI).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.errors import InvalidValue, NotFound
from catalog.feedback import states
from catalog.feedback.models import FeedbackEvent, ProblemReport
from catalog.models import PUBLISHED, Dataset
from catalog.permissions import Actor, can
from catalog.publishing.acts import Forbidden
from catalog.workdays import beijing_day, review_limit

KINDS = ("wrong_values", "out_of_date", "broken_link", "missing_fields", "privacy", "other")
ANSWER_DAYS = 5  # working days for the department's answer
EXTENDED_DAYS = 10  # once extended, with a reason
CLOSE_AFTER = timedelta(days=7)  # after the feedback, unless the reporter answered
MIN_DESCRIPTION = 5
MAX_DESCRIPTION = 2000
MAX_LINKS = 2  # links in a description: more is spam
MAX_CONTACT = 254
MAX_CELL_REF = {"row_ref": 40, "column_ref": 100}
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
SYSTEM_ACTOR = Actor(pseudonym=states.SYSTEM)
HANDLE = "feedback.handle"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_reference(now: datetime) -> str:
    """A public name: ``WT-<year>-`` and 8 random hex digits (not a count to guess from)."""
    return f"WT-{now.year}-{secrets.token_hex(4).upper()}"


# --- reporting ------------------------------------------------------------------------------


def checked_fields(dataset: Dataset, fields: dict[str, Any]) -> dict[str, Any]:
    """The report's content, cleaned, or the first refusal."""
    kind = str(fields.get("kind") or "")
    if kind not in KINDS:
        raise InvalidValue(f"unknown kind {kind!r}", code="unknown-kind", field="kind")
    description = str(fields.get("description") or "").strip()
    if len(description) < MIN_DESCRIPTION:
        raise InvalidValue("too short", code="description-too-short", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidValue("too long", code="description-too-long", field="description")
    if len(LINK.findall(description)) > MAX_LINKS:
        raise InvalidValue("too many links", code="too-many-links", field="description")
    contact = str(fields.get("contact") or "").strip().lower() or None
    if contact is not None and (len(contact) > MAX_CONTACT or not EMAIL.match(contact)):
        raise InvalidValue("not an e-mail address", code="bad-contact", field="contact")
    distribution_id = str(fields.get("distribution_id") or "") or None
    if distribution_id and distribution_id not in {d.id for d in dataset.distributions}:
        raise InvalidValue("not a file of the dataset", code="unknown-file",
                           field="distribution_id")  # fmt: skip
    cleaned: dict[str, Any] = {"kind": kind, "description": description, "contact": contact,
                               "distribution_id": distribution_id}  # fmt: skip
    for name, most in MAX_CELL_REF.items():
        value = str(fields.get(name) or "").strip() or None
        if value is not None and len(value) > most:
            raise InvalidValue(f"{name} too long", code="cell-ref-too-long", field=name)
        cleaned[name] = value
    return cleaned


def report_problem(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    fields: dict[str, Any],
    origin: Origin,
    now: datetime,
) -> tuple[ProblemReport, str]:
    """A new report on a published dataset, by anyone; returns it and the secret token of the
    reporter's link (shown once, only its digest is kept)."""
    if dataset.state != PUBLISHED:
        raise NotFound("no such dataset")
    cleaned = checked_fields(dataset, fields)
    token = secrets.token_urlsafe(24)
    limit = review_limit(now, ANSWER_DAYS)
    report = ProblemReport(
        reference=new_reference(now),
        dataset_id=dataset.id,
        department_id=dataset.department_id,
        user_id=actor.user_id,
        token_hash=token_digest(token),
        state=states.REPORTED,
        received_at=now,
        updated_at=now,
        answer_days=ANSWER_DAYS,
        limit_from=now,
        limit_day=limit.day,
        limit_estimated=limit.estimated,
        **cleaned,
    )
    session.add(report)
    session.flush()
    _event(report, states.REPORT, "", states.REPORTED, actor, states.REPORTER, None, now)
    _audit(session, actor, states.REPORTER, "feedback.report", report, origin, now,
           {"kind": report.kind, "file": report.distribution_id})  # fmt: skip
    return report, token


# --- who acts -------------------------------------------------------------------------------


HANDLE_ANY = "feedback.handle-any"


def may_handle(session: Session, actor: Actor, report: ProblemReport) -> bool:
    """Whether ``actor`` is an administrator (any report, even of a dataset of no department)
    or the dataset's current department (publisher or reviewer there, or above it)."""
    if can(session, actor, HANDLE_ANY):
        return True
    dataset = session.get(Dataset, report.dataset_id)
    department_id = dataset.department_id if dataset is not None else None
    return can(session, actor, HANDLE, department_id)


def is_reporter(
    report: ProblemReport, actor: Actor | None = None, token: str | None = None
) -> bool:
    """The holder of the report's secret link, or the signed-in account that reported it."""
    if token and hmac.compare_digest(token_digest(token), report.token_hash):
        return True
    return bool(actor and actor.user_id is not None and actor.user_id == report.user_id)


def get_report(session: Session, reference: str, now: datetime) -> ProblemReport:
    """The report named ``reference`` (settled: closed if its 7 days ran out), or NotFound."""
    found = session.scalar(select(ProblemReport).where(ProblemReport.reference == reference[:24]))
    if found is None:
        raise NotFound("no such report")
    return settle(session, found, now)


# --- moves ----------------------------------------------------------------------------------


def handle(
    session: Session,
    actor: Actor,
    report: ProblemReport,
    event: str,
    origin: Origin,
    now: datetime,
    note: str | None = None,
) -> FeedbackEvent:
    """Take ``event`` (accept, reject, extend, start_correction, publish) as the department."""
    if not may_handle(session, actor, report):
        raise Forbidden(f"not the department of report {report.reference}")
    settle(session, report, now)
    if event == states.EXTEND and report.extended:
        raise InvalidValue("the limit was extended once already", code="already-extended")
    if event == states.EXTEND and beijing_day(now) > report.limit_day:
        raise InvalidValue("the limit has passed: too late to extend it", code="limit-passed")
    return _move(session, actor, states.DEPARTMENT, report, event, origin, now, note)


def answer_as_reporter(
    session: Session,
    report: ProblemReport,
    event: str,
    origin: Origin,
    now: datetime,
    *,
    actor: Actor | None = None,
    token: str | None = None,
    note: str | None = None,
) -> FeedbackEvent:
    """Confirm the correction, or say it is not fixed (``reopen``, with why), as the reporter."""
    if not is_reporter(report, actor, token):
        raise Forbidden("not the reporter", code="bad-token")
    settle(session, report, now)
    who = actor if actor is not None and actor.authenticated else Actor(pseudonym="anonymous")
    return _move(session, who, states.REPORTER, report, event, origin, now, note)


def settle(session: Session, report: ProblemReport, now: datetime) -> ProblemReport:
    """Close ``report`` if the feedback is 7 days old and the reporter did not answer."""
    if (
        report.state == states.PUBLISHED
        and report.feedback_at is not None
        and now >= report.feedback_at + CLOSE_AFTER
    ):
        at = report.feedback_at + CLOSE_AFTER
        _move(session, SYSTEM_ACTOR, states.SYSTEM, report, states.CLOSE, Origin("system"), at,
              None)  # fmt: skip
    return report


def close_expired(session: Session, now: datetime, dataset_id: str | None = None) -> int:
    """Close every report whose feedback is 7 days old (of one dataset, if named); how many."""
    query = select(ProblemReport).where(
        ProblemReport.state == states.PUBLISHED,
        ProblemReport.feedback_at <= now - CLOSE_AFTER,
    )
    if dataset_id is not None:
        query = query.where(ProblemReport.dataset_id == dataset_id)
    found = list(session.scalars(query))
    for report in found:
        settle(session, report, now)
    return len(found)


def _move(
    session: Session,
    actor: Actor,
    role: str,
    report: ProblemReport,
    event: str,
    origin: Origin,
    now: datetime,
    note: str | None,
) -> FeedbackEvent:
    source = report.state
    target = states.transition(source, event, role, note)
    cleaned = states.clean_note(note)
    _apply(report, event, cleaned, now)
    report.state = target
    report.updated_at = now
    entry = _event(report, event, source, target, actor, role, cleaned, now)
    session.flush()
    _audit(session, actor, role, f"feedback.{event}", report, origin, now,
           {"from": source, "to": target, "note": cleaned})  # fmt: skip
    return entry


def _apply(report: ProblemReport, event: str, note: str | None, now: datetime) -> None:
    """What an event changes beside the state: limits, answers, feedback, closing."""
    if event == states.EXTEND:
        limit = review_limit(report.limit_from, EXTENDED_DAYS)
        report.answer_days, report.extended, report.extension_reason = EXTENDED_DAYS, True, note
        report.limit_day, report.limit_estimated = limit.day, limit.estimated
    elif event in (states.REJECT, states.PUBLISH):
        if report.answered_at is None:
            report.answered_at = now
            report.answered_in_time = beijing_day(now) <= report.limit_day
        if event == states.REJECT:
            report.rejection_reason = note
        else:
            report.fixed_at, report.feedback, report.feedback_at = now, note, now
    elif event == states.REOPEN:
        limit = review_limit(now, ANSWER_DAYS)
        report.limit_from, report.answer_days, report.extended = now, ANSWER_DAYS, False
        report.limit_day, report.limit_estimated = limit.day, limit.estimated
        report.feedback_at = None
    elif event in (states.CONFIRM, states.CLOSE):
        report.closed_at = now


def _event(
    report: ProblemReport,
    event: str,
    source: str,
    target: str,
    actor: Actor,
    role: str,
    note: str | None,
    now: datetime,
) -> FeedbackEvent:
    entry = FeedbackEvent(
        seq=len(report.events) + 1,
        event=event,
        from_state=source,
        to_state=target,
        actor_id=actor.user_id,
        actor=actor.pseudonym if role != states.REPORTER or actor.authenticated else "reporter",
        role=role,
        note=note,
        at=now,
    )
    report.events.append(entry)
    return entry


def _audit(
    session: Session,
    actor: Actor,
    role: str,
    action: str,
    report: ProblemReport,
    origin: Origin,
    now: datetime,
    change: dict[str, Any],
) -> None:
    record_act(session, actor, origin, action, role=role, object_type="feedback_report",
               object_id=report.reference, change=change, now=now)  # fmt: skip

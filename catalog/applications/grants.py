"""Grants: made on approval, used until they expire, are revoked or closed; usage reports.

An approval (a reviewer of the dataset's department) makes one :class:`Grant`: this applicant,
the distributions and fields of the application (every provided field when it named none),
for its period of use (the application's, else the conditions'), from the approval on; the
application moves ``approved`` and, by the portal, ``grant_active``. The grant's state follows
the application's through :func:`catalog.applications.acts.move`, so the history and the audit
log name every step; :func:`catalog.access.active_grant` reads the grant alone, so a
revocation or an expiry acts at once.

Audit actions beyond the transitions (``application.approve``, ``application.activate``,
``application.revoke``, ``application.close``, ``application.expire``): ``usage-report.file``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.models import APPLICANT
from catalog.applications import states
from catalog.applications.acts import (
    MAX_TEXT,
    conditions_of,
    dataset_of,
    move,
    role_for,
    roles_on,
)
from catalog.applications.models import ACTIVE, CLOSED, EXPIRED, REVOKED, Application, Grant
from catalog.applications.models import UsageReport as Report
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.permissions import Actor
from catalog.publishing.acts import CLI, Forbidden

ENDS = {states.EXPIRE: EXPIRED, states.REVOKE: REVOKED, states.CLOSE: CLOSED}


def approve(
    session: Session,
    actor: Actor,
    application: Application,
    origin: Origin = CLI,
    now: datetime | None = None,
    reason: str | None = None,
) -> Grant:
    """Approve an application under review and make its grant (active from ``now``)."""
    now = now or utcnow()
    dataset = dataset_of(session, application)
    role = role_for(session, actor, application, states.APPROVE)
    states.transition(application.state, states.APPROVE, role, reason)
    stated = conditions_of(dataset)
    days = application.period_days or stated.period_days
    if days is None:
        raise InvalidValue("neither the application nor the conditions state a period",
                           code="missing-period", field="period_days")  # fmt: skip
    entry = move(session, actor, application, states.APPROVE, origin, now, reason)
    application.decided_at, application.decision_reason = now, entry.reason
    grant = Grant(
        id=secrets.token_hex(16),
        application=application,
        user_id=application.user_id,
        dataset_id=application.dataset_id,
        distribution_ids=list(application.distribution_ids),
        fields=list(application.fields) or [f.name for f in stated.fields],
        starts_at=now,
        ends_at=now + timedelta(days=days),
        state=ACTIVE,
    )
    session.add(grant)
    session.flush()
    move(session, None, application, states.ACTIVATE, origin, now)
    return grant


def revoke(
    session: Session,
    actor: Actor,
    grant: Grant,
    reason: str,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Grant:
    """End an active grant before its time (a reviewer of the department or an administrator;
    ``reason`` required). Downloads stop at once."""
    return _end(session, actor, grant, states.REVOKE, origin, now or utcnow(), reason)


def close(
    session: Session,
    actor: Actor,
    grant: Grant,
    origin: Origin = CLI,
    now: datetime | None = None,
    reason: str | None = None,
) -> Grant:
    """The grantee (or an administrator) is done: needs a final usage report filed first."""
    now = now or utcnow()
    role = role_for(session, actor, grant.application, states.CLOSE)
    states.transition(grant.application.state, states.CLOSE, role, reason)
    if not any(report.final for report in grant.reports):
        raise InvalidValue("file a final usage report first", code="missing-final-report")
    return _end(session, actor, grant, states.CLOSE, origin, now, reason)


def expire_grants(session: Session, now: datetime, origin: Origin = CLI) -> list[Grant]:
    """Every active grant whose period ran out by ``now``, expired by the portal (``system``).

    :func:`catalog.access.active_grant` already refuses them by time; this records it."""
    due = list(
        session.scalars(
            select(Grant).where(Grant.state == ACTIVE, Grant.ends_at <= now).order_by(Grant.ends_at)
        )
    )
    for grant in due:
        _end(session, None, grant, states.EXPIRE, origin, now, None)
    return due


def _end(
    session: Session,
    actor: Actor | None,
    grant: Grant,
    event: str,
    origin: Origin,
    now: datetime,
    reason: str | None,
) -> Grant:
    entry = move(session, actor, grant.application, event, origin, now, reason)
    grant.state, grant.ended_at, grant.end_reason = ENDS[event], now, entry.reason
    session.flush()
    return grant


def file_usage_report(
    session: Session,
    actor: Actor,
    grant: Grant,
    *,
    what_built: str,
    results: str,
    problems: str | None = None,
    final: bool = False,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Report:
    """The grantee reports their use of an active grant (what was built, results, problems)."""
    if APPLICANT not in roles_on(session, actor, grant.application):
        raise Forbidden("only the grantee reports on a grant")
    if grant.state != ACTIVE:
        raise InvalidValue("the grant is not active", code="grant-not-active")
    now = now or utcnow()
    report = Report(
        what_built=_required(what_built, "what_built"),
        results=_required(results, "results"),
        problems=_optional(problems, "problems"),
        final=bool(final),
        filed_at=now,
    )
    grant.reports.append(report)
    session.flush()
    change = {"report": report.id, "final": report.final, "problems": bool(report.problems)}
    record_act(session, actor, origin, "usage-report.file", role=APPLICANT,
               object_type="application", object_id=grant.application.reference, change=change,
               summary="final" if report.final else None, now=now)  # fmt: skip
    return report


def _required(value: Any, field: str) -> str:
    text = _optional(value, field)
    if text is None:
        raise InvalidValue(f"{field} is required", code=f"missing-{field.replace('_', '-')}",
                           field=field)  # fmt: skip
    return text


def _optional(value: Any, field: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidValue(f"{field} is not a text", code="invalid-text", field=field)
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"{field} over {MAX_TEXT} characters", code="text-too-long",
                           field=field)  # fmt: skip
    return text or None

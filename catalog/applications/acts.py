"""What applicants and reviewers do to an application, checked and recorded.

Every act takes the session (never commits), the :class:`~catalog.permissions.Actor`, an
:class:`~catalog.audit.Origin` and ``now`` (naive UTC; tests pass fixed times). Who the actor is
*to this application* is decided here from :mod:`catalog.permissions`: its ``applicant``
(the account that made it), a ``reviewer`` of its dataset's department, or an ``admin``
(``applications.manage``). The state moves only through :func:`catalog.applications.states.
transition` (:func:`move`), which writes the history row and the audit row together.

Refusals are :class:`~catalog.errors.CatalogError` with stable codes: ``forbidden`` (not an
actor of this application), ``not-found`` (one they may not see), and from the table
``impossible-transition``, ``not-permitted``, ``missing-reason``; the checks of an application's
content have their own (``not-conditional``, ``unknown-distribution``, ``unknown-field``,
``missing-commitment``, ``attachment-type``, ``file-too-large``, …).

Audit actions: ``application.create``, ``application.update``, ``application.attach`` and
``application.<event>`` for every transition (``application.submit``, ``application.approve``…).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import conditions
from catalog.accounts.models import ADMIN, APPLICANT, REVIEWER, User
from catalog.applications import states
from catalog.applications.models import Application, ApplicationAttachment, ApplicationEvent
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.conditions import Conditions
from catalog.db import utcnow
from catalog.errors import InvalidValue, NotFound
from catalog.models import PUBLISHED, Dataset
from catalog.permissions import Actor, can
from catalog.publishing.acts import CLI, Forbidden
from catalog.publishing.content import detect_format
from catalog.storage import FileStore
from catalog.workdays import review_limit

MAX_TEXT = 2000  # characters of a purpose or a scenario
MAX_ATTACHMENT = 10 * 1024 * 1024  # bytes of one attachment
MAX_ATTACHMENTS = 20  # attachments of one application
ATTACHMENT_TYPES = {"PDF": "application/pdf", "PNG": "image/png", "JPEG": "image/jpeg"}
SYSTEM_ACTOR = Actor(pseudonym=states.SYSTEM)  # the portal itself: no account, no roles
EDITABLE = frozenset({states.DRAFT, states.MORE_INFO_REQUESTED})  # the applicant may change it
CONTENT_FIELDS = ("purpose", "scenario", "distribution_ids", "fields", "period_days",
                  "commitments")  # fmt: skip


# --- who acts ------------------------------------------------------------------------------


def roles_on(session: Session, actor: Actor, application: Application) -> list[str]:
    """The roles ``actor`` holds on ``application``, in the order they are tried."""
    roles = []
    if actor.user_id is not None and actor.user_id == application.user_id:
        if can(session, actor, "application.submit"):
            roles.append(APPLICANT)
    department = dataset_of(session, application).department_id
    if can(session, actor, "application.review", department):
        roles.append(REVIEWER)
    if can(session, actor, "applications.manage"):
        roles.append(ADMIN)
    return roles


def may_see(session: Session, actor: Actor, application: Application) -> bool:
    """Its applicant, a reviewer of its department, an administrator or an auditor."""
    return bool(roles_on(session, actor, application)) or can(session, actor, "audit.read")


def get_application(session: Session, actor: Actor, reference: str) -> Application:
    """The application named ``reference``, if ``actor`` may see it; else ``NotFound`` (an
    application one may not see is not told apart from one that does not exist)."""
    found = session.scalar(select(Application).where(Application.reference == reference[:24]))
    if found is None or not may_see(session, actor, found):
        raise NotFound("no such application")
    return found


def history(session: Session, actor: Actor, application: Application) -> list[ApplicationEvent]:
    """Its transitions, oldest first (who, in which role, when, why)."""
    if not may_see(session, actor, application):
        raise NotFound("no such application")
    return list(application.events)


def next_events(session: Session, actor: Actor, application: Application) -> list[str]:
    """The events ``actor`` may take now (a page's buttons), in the table's order."""
    found: dict[str, None] = {}
    for role in roles_on(session, actor, application):
        for row in states.next_events(application.state, role):
            found[row.event] = None
    return list(found)


def move(
    session: Session,
    actor: Actor | None,
    application: Application,
    event: str,
    origin: Origin,
    now: datetime,
    reason: str | None = None,
) -> ApplicationEvent:
    """Take ``event`` on ``application`` as ``actor`` (None: the portal itself, ``system``):
    the table decides, then the state, one history row and one audit row are written."""
    if actor is None:
        role, actor = states.SYSTEM, SYSTEM_ACTOR
    else:
        role = role_for(session, actor, application, event)
    source = application.state
    target = states.transition(source, event, role, reason)
    cleaned = states.clean_reason(reason)
    entry = ApplicationEvent(
        seq=len(application.events) + 1,
        event=event,
        from_state=source,
        to_state=target,
        actor_id=actor.user_id,
        actor=actor.pseudonym,
        role=role,
        reason=cleaned,
        at=now,
    )
    application.events.append(entry)
    application.state = target
    application.updated_at = now
    session.flush()
    _record(session, actor, role, f"application.{event}", application, origin, now,
            {"from": source, "to": target, "reason": cleaned})  # fmt: skip
    return entry


def role_for(session: Session, actor: Actor, application: Application, event: str) -> str:
    """The role ``actor`` takes ``event`` in: one the table names for it if held, else any
    role held (so that the table refuses it as ``not-permitted``); ``forbidden`` for none."""
    held = roles_on(session, actor, application)
    if not held:
        raise Forbidden(f"not an actor of application {application.reference}")
    row = states.find(application.state, event)
    for role in held:
        if row is not None and role in row.by:
            return role
    return held[0]


# --- drafts --------------------------------------------------------------------------------


def create_application(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    fields: dict[str, Any],
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Application:
    """A new draft of ``actor``'s for a published conditional ``dataset`` stating conditions."""
    if actor.user_id is None or not can(session, actor, "application.submit"):
        raise Forbidden("not allowed: application.submit")
    stated = conditions_of(dataset)
    user = session.get(User, actor.user_id)
    if user is None or (stated.applicant_kinds and user.kind not in stated.applicant_kinds):
        raise InvalidValue(
            "the conditions do not admit this kind of applicant", code="applicant-kind-refused"
        )
    now = now or utcnow()
    application = Application(
        reference=new_reference(now),
        user_id=actor.user_id,
        dataset_id=dataset.id,
        state=states.DRAFT,
        created_at=now,
        updated_at=now,
    )
    _fill(application, dataset, stated, fields)
    session.add(application)
    session.flush()
    _record(session, actor, APPLICANT, "application.create", application, origin, now,
            {"fields": sorted(fields)})  # fmt: skip
    return application


def update_application(
    session: Session,
    actor: Actor,
    application: Application,
    fields: dict[str, Any],
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Application:
    """Change a draft, or an application asked for more information, as its applicant."""
    _own_editable(session, actor, application)
    dataset = dataset_of(session, application)
    now = now or utcnow()
    _fill(application, dataset, conditions_of(dataset), fields)
    application.updated_at = now
    session.flush()
    _record(session, actor, APPLICANT, "application.update", application, origin, now,
            {"fields": sorted(fields)})  # fmt: skip
    return application


def add_attachment(
    session: Session,
    actor: Actor,
    application: Application,
    store: FileStore,
    *,
    stream: BinaryIO,
    file_name: str,
    max_bytes: int = MAX_ATTACHMENT,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> ApplicationAttachment:
    """Attach a PDF, PNG or JPEG (by content, not name) of at most ``max_bytes``.

    The store refuses a stream past ``max_bytes`` while copying it (``file-too-large``), so an
    oversized upload is never read whole; a wrong type is ``attachment-type``."""
    _own_editable(session, actor, application)
    if len(application.attachments) >= MAX_ATTACHMENTS:
        raise InvalidValue("too many attachments", code="too-many-attachments", field="file")
    name = PurePosixPath(file_name.replace("\\", "/")).name.strip()[:300]
    if not name:
        raise InvalidValue("a file needs a name", code="missing-file-name", field="file")
    stored = store.put(stream, max_bytes=max_bytes)
    try:
        notation = detect_format(Path(store.path(stored.key)), name)
    except InvalidValue:
        notation = None
    if notation not in ATTACHMENT_TYPES:
        raise InvalidValue(
            "an attachment is a PDF, PNG or JPEG file", code="attachment-type", field="file"
        )
    now = now or utcnow()
    attachment = ApplicationAttachment(
        name=name,
        media_type=ATTACHMENT_TYPES[notation],
        size=stored.size,
        file_key=stored.key,
        sha256=stored.sha256,
        created_at=now,
    )
    application.attachments.append(attachment)
    session.flush()
    _record(session, actor, APPLICANT, "application.attach", application, origin, now,
            {"sha256": stored.sha256, "size": stored.size, "type": notation})  # fmt: skip
    return attachment


# --- the applicant's moves -----------------------------------------------------------------


def submit(
    session: Session,
    actor: Actor,
    application: Application,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Application:
    """Send a draft for review: complete, one commitment per security requirement; the
    review's time limit is set in working days from now (``Conditions.review_days``)."""
    return _send(session, actor, application, states.SUBMIT, origin, now or utcnow())


def resubmit(
    session: Session,
    actor: Actor,
    application: Application,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Application:
    """Send back an application asked for more information; its time limit starts again."""
    return _send(session, actor, application, states.RESUBMIT, origin, now or utcnow())


def withdraw(
    session: Session,
    actor: Actor,
    application: Application,
    origin: Origin = CLI,
    now: datetime | None = None,
    reason: str | None = None,
) -> Application:
    move(session, actor, application, states.WITHDRAW, origin, now or utcnow(), reason)
    return application


def _send(
    session: Session,
    actor: Actor,
    application: Application,
    event: str,
    origin: Origin,
    now: datetime,
) -> Application:
    dataset = dataset_of(session, application)
    role = role_for(session, actor, application, event)
    states.transition(application.state, event, role)  # an impossible move is refused first
    stated = conditions_of(dataset)
    check_complete(application, dataset, stated)
    move(session, actor, application, event, origin, now)
    limit = review_limit(now, stated.review_days)
    application.submitted_at = now
    application.limit_day, application.limit_estimated = limit.day, limit.estimated
    application.reminded_at = None
    session.flush()
    return application


def check_complete(application: Application, dataset: Dataset, stated: Conditions) -> None:
    """What a submission needs beyond a draft; the first thing missing is refused."""
    if not application.purpose.strip():
        raise InvalidValue("state the purpose", code="missing-purpose", field="purpose")
    if not application.scenario.strip():
        raise InvalidValue("state the scenario", code="missing-scenario", field="scenario")
    if not application.distribution_ids:
        raise InvalidValue("pick a file", code="missing-distribution", field="distribution_ids")
    _check_distributions(dataset, application.distribution_ids)
    missing = [req for req in stated.security_requirements if req not in application.commitments]
    if missing:
        raise InvalidValue(
            f"{len(missing)} security requirements are not committed to",
            code="missing-commitment",
            field="commitments",
        )
    if stated.materials and not application.attachments:
        raise InvalidValue("attach the materials", code="missing-attachment", field="file")


# --- the reviewer's moves ------------------------------------------------------------------


def start_review(
    session: Session,
    actor: Actor,
    application: Application,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Application:
    move(session, actor, application, states.START_REVIEW, origin, now or utcnow())
    return application


def request_info(
    session: Session,
    actor: Actor,
    application: Application,
    reason: str,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Application:
    """Ask the applicant for more (``reason``: what is missing; required)."""
    move(session, actor, application, states.REQUEST_INFO, origin, now or utcnow(), reason)
    return application


def reject(
    session: Session,
    actor: Actor,
    application: Application,
    reason: str,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Application:
    now = now or utcnow()
    entry = move(session, actor, application, states.REJECT, origin, now, reason)
    application.decided_at, application.decision_reason = now, entry.reason
    session.flush()
    return application


# --- helpers -------------------------------------------------------------------------------


def new_reference(now: datetime) -> str:
    """A public name: ``SQ-<year>-`` and 8 random hex digits (not a count to guess from)."""
    return f"SQ-{now.year}-{secrets.token_hex(4).upper()}"


def conditions_of(dataset: Dataset) -> Conditions:
    stated = conditions.stated(dataset)
    if dataset.state != PUBLISHED or stated is None:
        raise InvalidValue(
            "only a published conditional dataset stating its conditions takes applications",
            code="not-conditional",
        )
    return stated


def dataset_of(session: Session, application: Application) -> Dataset:
    dataset = session.get(Dataset, application.dataset_id)
    if dataset is None:
        raise NotFound("the application's dataset is gone")
    return dataset


def _own_editable(session: Session, actor: Actor, application: Application) -> None:
    if APPLICANT not in roles_on(session, actor, application):
        raise Forbidden(f"not the applicant of {application.reference}")
    if application.state not in EDITABLE:
        raise InvalidValue("the application is not open to changes", code="not-editable")


def _fill(
    application: Application, dataset: Dataset, stated: Conditions, fields: dict[str, Any]
) -> None:
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise InvalidValue(f"unknown fields {sorted(unknown)}", code="unknown-application-field")
    if "purpose" in fields:
        application.purpose = _text(fields["purpose"], "purpose")
    if "scenario" in fields:
        application.scenario = _text(fields["scenario"], "scenario")
    if "distribution_ids" in fields:
        wanted = _strings(fields["distribution_ids"], "distribution_ids")
        _check_distributions(dataset, wanted)
        application.distribution_ids = wanted
    if "fields" in fields:
        wanted = _strings(fields["fields"], "fields")
        provided = {f.name for f in stated.fields}
        if any(name not in provided for name in wanted):
            raise InvalidValue("a field the conditions do not provide", code="unknown-field",
                               field="fields")  # fmt: skip
        application.fields = wanted
    if "period_days" in fields:
        application.period_days = _period(fields["period_days"], stated)
    if "commitments" in fields:
        wanted = _strings(fields["commitments"], "commitments")
        if any(item not in stated.security_requirements for item in wanted):
            raise InvalidValue("not a security requirement of the conditions",
                               code="unknown-commitment", field="commitments")  # fmt: skip
        application.commitments = wanted


def _check_distributions(dataset: Dataset, wanted: Iterable[str]) -> None:
    own = {distribution.id for distribution in dataset.distributions}
    if any(item not in own for item in wanted):
        raise InvalidValue("a file of another dataset", code="unknown-distribution",
                           field="distribution_ids")  # fmt: skip


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidValue(f"{field} is not a text", code=f"invalid-{field}", field=field)
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"{field} over {MAX_TEXT} characters", code=f"{field}-too-long",
                           field=field)  # fmt: skip
    return text


def _strings(value: Any, field: str) -> list[str]:
    """A list of distinct non-blank texts, in order (a page's checkboxes)."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise InvalidValue(f"{field} is not a list", code="invalid-list", field=field)
    if any(not isinstance(item, str) for item in value) or len(value) > 200:
        raise InvalidValue(f"{field} is not a list of texts", code="invalid-list", field=field)
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def _period(value: Any, stated: Conditions) -> int | None:
    if value is None or value == "":
        return None
    try:
        days = int(str(value).strip()) if not isinstance(value, bool) else 0
    except ValueError:
        days = 0
    longest = stated.period_days or conditions.MAX_DAYS
    if not 1 <= days <= longest:
        raise InvalidValue(f"a period of 1–{longest} days", code="invalid-period",
                           field="period_days")  # fmt: skip
    return days


def _record(
    session: Session,
    actor: Actor,
    role: str,
    action: str,
    application: Application,
    origin: Origin,
    now: datetime,
    change: dict[str, Any] | None = None,
) -> None:
    """One audit row naming the application by its reference; no personal data."""
    record_act(
        session,
        actor,
        origin,
        action,
        role=role,
        object_type="application",
        object_id=application.reference,
        change=change,
        summary=action.removeprefix("application."),
        now=now,
    )

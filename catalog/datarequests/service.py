"""Data requests: asked, supported, routed, answered, closed. Every act checks the actor
(:func:`catalog.permissions.can`), writes a history row and an audit row in the caller's
transaction, and never commits.

States::

    open ──route──▶ routed ──answer──▶ answered
      │  ◀─re-route─┘  │                  │ (a "planned" answer may be followed by another)
      └──close──▶ closed ◀──close──┘

- ``create`` (anyone signed in): at most :data:`MAX_PER_DAY` requests a person in 24 hours.
- ``route`` (administrator, ``datarequests.manage``): to a department; an open or routed
  request (routing again moves it to another department).
- ``close`` (administrator): a duplicate or off-topic request, with a reason.
- ``answer`` (the department's publishers and reviewers, ``datarequest.answer``, which covers
  the departments below): ``planned`` (will publish by a date), ``elsewhere`` (a URL, or a
  dataset of the catalog), ``refused`` (cannot be opened, and why), ``published`` (a dataset of
  the catalog). A request answered ``planned`` may be answered again (once published).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import queries
from catalog.accounts.models import PUBLISHER, REVIEWER
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.datarequests.models import DataRequest, DataRequestEvent, DataRequestSupport
from catalog.db import utcnow
from catalog.errors import InvalidValue, NotFound
from catalog.models import Dataset, Department
from catalog.permissions import Actor, acting_departments, can, department_lineage
from catalog.publishing.acts import Forbidden
from catalog.workdays import beijing_day

OPEN = "open"
ROUTED = "routed"
ANSWERED = "answered"
CLOSED = "closed"
STATES = (OPEN, ROUTED, ANSWERED, CLOSED)

PLANNED = "planned"
ELSEWHERE = "elsewhere"
REFUSED = "refused"
PUBLISHED = "published"
ANSWERS = (PLANNED, ELSEWHERE, REFUSED, PUBLISHED)

DUPLICATE = "duplicate"
OFF_TOPIC = "off-topic"
CLOSE_REASONS = (DUPLICATE, OFF_TOPIC)

SORTS = ("support", "newest")
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_DEPARTMENT_TEXT = 200
MAX_URL = 500
PER_PAGE = 20
MAX_PER_DAY = 10  # requests one person may make in 24 hours (spam, not a quota)


@dataclass(frozen=True)
class Draft:
    """What a person asks for, as the form gives it."""

    title: str
    description: str
    purpose: str
    department_id: int | None = None
    department_text: str = ""


@dataclass(frozen=True)
class Answer:
    kind: str
    text: str = ""
    url: str = ""
    dataset: str = ""  # a public dataset's id or slug
    publish_by: date | None = None


@dataclass(frozen=True)
class Listed:
    request: DataRequest
    supporters: int


@dataclass(frozen=True)
class Page:
    items: list[Listed]
    total: int
    page: int
    pages: int


# --- the requester's and the supporters' acts --------------------------------------------------


def create(
    session: Session, actor: Actor, origin: Origin, draft: Draft, now: datetime | None = None
) -> DataRequest:
    if not can(session, actor, "datarequest.create"):
        raise Forbidden("sign in to ask for data")
    title = _required(draft.title, "title", MAX_TITLE)
    description = _required(draft.description, "description", MAX_TEXT)
    purpose = _required(draft.purpose, "purpose", MAX_TEXT)
    department_text = (draft.department_text or "").strip()
    if len(department_text) > MAX_DEPARTMENT_TEXT:
        raise InvalidValue("department too long", code="too-long", field="department_text")
    if draft.department_id is not None and session.get(Department, draft.department_id) is None:
        raise InvalidValue("no such department", code="unknown-department", field="department_id")
    now = now or utcnow()
    if _made_since(session, actor, now - timedelta(days=1)) >= MAX_PER_DAY:
        raise InvalidValue("too many requests today", code="too-many")
    request = DataRequest(
        title=title,
        description=description,
        purpose=purpose,
        user_id=actor.user_id,
        suggested_department_id=draft.department_id,
        suggested_department_text=department_text or None,
        state=OPEN,
        created_at=now,
    )
    session.add(request)
    session.flush()
    _step(session, actor, origin, request, "create", "applicant", now)
    return request


def support(
    session: Session, actor: Actor, origin: Origin, request_id: int, on: bool = True
) -> bool:
    """Support the request (``on``) or withdraw one's support; whether anything changed."""
    if not can(session, actor, "datarequest.support"):
        raise Forbidden("sign in to support a request")
    request = get(session, request_id)
    found = session.scalar(
        select(DataRequestSupport).where(
            DataRequestSupport.request_id == request.id,
            DataRequestSupport.user_id == actor.user_id,
        )
    )
    if on == (found is not None):
        return False
    if on:
        if request.state == CLOSED:
            raise InvalidValue("the request is closed", code="request-closed")
        assert actor.user_id is not None
        session.add(DataRequestSupport(request_id=request.id, user_id=actor.user_id))
    else:
        session.delete(found)
    session.flush()
    record_act(
        session, actor, origin, "datarequest.support" if on else "datarequest.unsupport",
        role="applicant", object_type="data-request", object_id=request.id,
    )  # fmt: skip
    return True


# --- the administrator's acts ------------------------------------------------------------------


def route(
    session: Session,
    actor: Actor,
    origin: Origin,
    request_id: int,
    department_id: int | None,
    note: str = "",
    now: datetime | None = None,
) -> DataRequest:
    if not can(session, actor, "datarequests.manage"):
        raise Forbidden("only an administrator routes requests")
    request = get(session, request_id)
    if request.state not in (OPEN, ROUTED):
        raise InvalidValue("the request is not open", code="wrong-state")
    department = session.get(Department, department_id) if department_id is not None else None
    if department is None:
        raise InvalidValue("no such department", code="unknown-department", field="department_id")
    now = now or utcnow()
    request.state, request.department_id, request.routed_at = ROUTED, department.id, now
    _step(session, actor, origin, request, "route", "admin", now, note=_note(note),
          department_id=department.id)  # fmt: skip
    return request


def close(
    session: Session,
    actor: Actor,
    origin: Origin,
    request_id: int,
    reason: str,
    text: str,
    now: datetime | None = None,
) -> DataRequest:
    if not can(session, actor, "datarequests.manage"):
        raise Forbidden("only an administrator closes requests")
    request = get(session, request_id)
    if request.state not in (OPEN, ROUTED):
        raise InvalidValue("the request is not open", code="wrong-state")
    if reason not in CLOSE_REASONS:
        raise InvalidValue("unknown reason", code="unknown-reason", field="reason")
    text = _required(text, "text", MAX_TEXT)
    now = now or utcnow()
    request.state, request.close_reason, request.close_text = CLOSED, reason, text
    request.closed_at = now
    _step(session, actor, origin, request, "close", "admin", now, detail=reason, note=text)
    return request


# --- the department's answer -------------------------------------------------------------------


def may_answer(session: Session, actor: Actor, request: DataRequest) -> bool:
    return (
        request.department_id is not None
        and _answerable(request)
        and can(session, actor, "datarequest.answer", request.department_id)
    )


def answer(
    session: Session,
    actor: Actor,
    origin: Origin,
    request_id: int,
    given: Answer,
    now: datetime | None = None,
) -> DataRequest:
    request = get(session, request_id)
    if request.department_id is None or not can(
        session, actor, "datarequest.answer", request.department_id
    ):
        raise Forbidden("only the department's staff answer")
    if not _answerable(request):
        raise InvalidValue("the request cannot be answered now", code="wrong-state")
    now = now or utcnow()
    text, url, dataset, publish_by = _checked_answer(session, given, beijing_day(now))
    request.state, request.answer, request.answered_at = ANSWERED, given.kind, now
    request.answer_text, request.answer_url = text or None, url or None
    request.answer_dataset_id = dataset.id if dataset is not None else None
    request.publish_by = publish_by
    role = _department_role(session, actor, request.department_id)
    _step(
        session, actor, origin, request, "answer", role, now, detail=given.kind, note=text or None
    )
    return request


def _answerable(request: DataRequest) -> bool:
    return request.state == ROUTED or (request.state == ANSWERED and request.answer == PLANNED)


def _checked_answer(
    session: Session, given: Answer, today: date
) -> tuple[str, str, Dataset | None, date | None]:
    if given.kind not in ANSWERS:
        raise InvalidValue("unknown answer", code="unknown-answer", field="kind")
    text = (given.text or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidValue("text too long", code="too-long", field="text")
    url = (given.url or "").strip()
    dataset = _public(session, given.dataset) if (given.dataset or "").strip() else None
    if given.kind == PLANNED:
        if given.publish_by is None:
            raise InvalidValue("a date is needed", code="missing-date", field="publish_by")
        if given.publish_by < today:
            raise InvalidValue("the date is past", code="past-date", field="publish_by")
        return text, "", None, given.publish_by
    if given.kind == ELSEWHERE:
        if url:
            _check_url(url)
        elif dataset is None:
            raise InvalidValue("a link or a dataset is needed", code="missing-link", field="url")
        return text, url, dataset, None
    if given.kind == REFUSED:
        if not text:
            raise InvalidValue("a reason is needed", code="missing-reason", field="text")
        return text, "", None, None
    if dataset is None:
        raise InvalidValue("a dataset is needed", code="missing-dataset", field="dataset")
    return text, "", dataset, None


def _public(session: Session, id_or_slug: str) -> Dataset:
    found = queries.get_public_dataset(session, id_or_slug.strip()[:200])
    if found is None:
        raise InvalidValue("no public dataset", code="unknown-dataset", field="dataset")
    return found


def _check_url(url: str) -> None:
    if len(url) > MAX_URL:
        raise InvalidValue("URL too long", code="too-long", field="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidValue("not a web address", code="bad-url", field="url")


def _department_role(session: Session, actor: Actor, department_id: int) -> str:
    """The department role ``actor`` answers in (publisher before reviewer)."""
    lineage = department_lineage(session, department_id)
    return next(
        (role for role in (PUBLISHER, REVIEWER) if actor.departments(role) & lineage), REVIEWER
    )


# --- reading -----------------------------------------------------------------------------------


def get(session: Session, request_id: int) -> DataRequest:
    found = session.get(DataRequest, request_id)
    if found is None:
        raise NotFound(f"no data request {request_id}")
    return found


def _made_since(session: Session, actor: Actor, since: datetime) -> int:
    counted = session.scalar(
        select(func.count(DataRequest.id)).where(
            DataRequest.user_id == actor.user_id, DataRequest.created_at >= since
        )
    )
    return int(counted or 0)


def supporters(session: Session, request_id: int) -> int:
    counted = session.scalar(
        select(func.count(DataRequestSupport.id)).where(DataRequestSupport.request_id == request_id)
    )
    return int(counted or 0)


def supports(session: Session, actor: Actor, request_id: int) -> bool:
    if actor.user_id is None:
        return False
    found = session.scalar(
        select(DataRequestSupport.id).where(
            DataRequestSupport.request_id == request_id,
            DataRequestSupport.user_id == actor.user_id,
        )
    )
    return found is not None


def listing(
    session: Session,
    *,
    state: str | None = None,
    sort: str = "newest",
    page: int = 1,
    per_page: int = PER_PAGE,
    departments: frozenset[int] | None = None,
) -> Page:
    """A page of requests (``state`` one of :data:`STATES`, or None for all; ``departments``:
    only those routed to these). An unknown state or sort lists nothing rather than all."""
    if (state is not None and state not in STATES) or sort not in SORTS:
        return Page([], 0, 1, 1)
    counts = (
        select(DataRequestSupport.request_id, func.count(DataRequestSupport.id).label("n"))
        .group_by(DataRequestSupport.request_id)
        .subquery()
    )
    n = func.coalesce(counts.c.n, 0)
    stmt = select(DataRequest, n).outerjoin(counts, counts.c.request_id == DataRequest.id)
    if state is not None:
        stmt = stmt.where(DataRequest.state == state)
    if departments is not None:
        stmt = stmt.where(DataRequest.department_id.in_(departments))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    order = [n.desc(), DataRequest.id.desc()] if sort == "support" else [DataRequest.id.desc()]
    rows = session.execute(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return Page([Listed(row[0], int(row[1])) for row in rows], total, page, pages)


def for_departments(session: Session, actor: Actor, state: str | None = None) -> Page:
    """The requests routed to the departments where ``actor`` answers (every page at once)."""
    departments = acting_departments(session, actor, "datarequest.answer")
    if not departments:
        return Page([], 0, 1, 1)
    return listing(session, state=state, departments=departments, per_page=1000)


def answered_dataset(session: Session, request: DataRequest) -> Dataset | None:
    """The dataset an answer links to, while it is public (never a hidden one)."""
    if request.answer_dataset_id is None:
        return None
    return queries.get_public_dataset(session, request.answer_dataset_id)


# --- helpers -----------------------------------------------------------------------------------


def _required(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidValue(f"{field} is needed", code="missing", field=field)
    if len(value) > limit:
        raise InvalidValue(f"{field} too long", code="too-long", field=field)
    return value


def _note(note: str) -> str | None:
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise InvalidValue("note too long", code="too-long", field="note")
    return note or None


def _step(
    session: Session,
    actor: Actor,
    origin: Origin,
    request: DataRequest,
    event: str,
    role: str,
    now: datetime,
    *,
    detail: str | None = None,
    note: str | None = None,
    department_id: int | None = None,
) -> None:
    seq = len(request.events) + 1
    request.events.append(
        DataRequestEvent(
            seq=seq, event=event, actor_id=actor.user_id, actor=actor.pseudonym[:40], role=role,
            detail=detail, department_id=department_id, note=note, at=now,
        )
    )  # fmt: skip
    session.flush()
    change = {"state": request.state, "detail": detail, "department": department_id}
    record_act(
        session, actor, origin, f"datarequest.{event}", role=role,
        object_type="data-request", object_id=request.id, change=change, summary=detail,
        now=now,
    )  # fmt: skip

"""Reading the audit log: filters, numbered pages, who each actor is now, and CSV rows.

The log stores only pseudonyms. Shown to an auditor, an actor whose account exists is named
by its current display name and e-mail; an erased account stays its pseudonym. Dates of a
filter are days in Beijing time (UTC+8, no daylight saving); the stored times are UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from catalog.accounts.models import User
from catalog.audit import AuditEntry, in_order
from catalog.beijing import BEIJING, beijing
from catalog.cells import safe_row
from catalog.permissions import Actor
from catalog.publishing.acts import ensure

PAGE = 50  # rows per page
MAX_FILTER = 100  # characters of a filter's text
CSV_BATCH = 1000  # rows read at a time
CSV_HEADER = ("seq", "time", "actor", "pseudonym", "role", "action", "object_type", "object_id",
              "summary", "digest", "request_id", "client_addr", "hash")  # fmt: skip


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # a pseudonym, or part of a current display name or e-mail
    action: str = ""
    object: str = ""  # "type:id", an id, a type, or part of the summary
    since: date | None = None  # Beijing days, both ends included
    until: date | None = None

    def cleaned(self) -> AuditFilter:
        return AuditFilter(
            self.actor.strip()[:MAX_FILTER],
            self.action.strip()[:MAX_FILTER],
            self.object.strip()[:MAX_FILTER],
            self.since,
            self.until,
        )


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    who: str  # the current name of the actor, or its pseudonym once erased
    erased: bool


@dataclass(frozen=True)
class AuditPage:
    lines: list[AuditLine]
    total: int
    page: int
    pages: int


def search(
    session: Session, actor: Actor, filters: AuditFilter, page: int = 1, per_page: int = PAGE
) -> AuditPage:
    """One page of the rows matching ``filters``, newest first."""
    ensure(session, actor, "audit.read", None)
    query = _filtered(session, filters.cleaned())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = session.scalars(
        query.order_by(AuditEntry.seq.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return AuditPage(_lines(session, entries), total, page, pages)


def actions(session: Session, actor: Actor) -> list[str]:
    """Every action the log holds, for a filter's choices."""
    ensure(session, actor, "audit.read", None)
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def csv_rows(session: Session, actor: Actor, filters: AuditFilter) -> Iterator[list[object]]:
    """The header, then every matching row oldest first, each cell formula-neutralised."""
    ensure(session, actor, "audit.read", None)
    yield list(CSV_HEADER)
    batch: list[AuditEntry] = []
    for entry in in_order(session, _filtered(session, filters.cleaned()), CSV_BATCH):
        batch.append(entry)
        if len(batch) == CSV_BATCH:
            yield from (safe_row(_csv_cells(line)) for line in _lines(session, batch))
            batch = []
    yield from (safe_row(_csv_cells(line)) for line in _lines(session, batch))


def _csv_cells(line: AuditLine) -> list[object]:
    entry = line.entry
    return [
        entry.seq,
        beijing(entry.at).isoformat(timespec="seconds"),
        line.who,
        entry.actor,
        entry.role,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.summary,
        entry.digest,
        entry.request_id,
        entry.client_addr,
        entry.hash,
    ]


def _filtered(session: Session, filters: AuditFilter) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if filters.actor:
        query = query.where(AuditEntry.actor.in_(_actors_named(session, filters.actor)))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object:
        query = query.where(_object_matches(filters.object))
    if filters.since is not None:
        query = query.where(AuditEntry.at >= _utc_start(filters.since))
    if filters.until is not None:
        query = query.where(AuditEntry.at < _utc_start(filters.until + timedelta(days=1)))
    return query


def _actors_named(session: Session, text: str) -> set[str]:
    pattern = f"%{_escaped(text.lower())}%"
    named = session.scalars(
        select(User.pseudonym).where(
            User.erased_at.is_(None),
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            ),
        )
    )
    return {text, *named}


def _object_matches(text: str) -> ColumnElement[bool]:
    kind, sep, ident = text.partition(":")
    if sep and kind and ident:
        return (AuditEntry.object_type == kind) & (AuditEntry.object_id == ident)
    return or_(
        AuditEntry.object_id == text,
        AuditEntry.object_type == text,
        AuditEntry.summary.like(f"%{_escaped(text)}%", escape="\\"),
    )


def _lines(session: Session, entries: Iterable[AuditEntry]) -> list[AuditLine]:
    entries = list(entries)
    people = _people(session, {entry.actor for entry in entries})
    lines = []
    for entry in entries:
        who, erased = people.get(entry.actor, (entry.actor, False))
        lines.append(AuditLine(entry, who, erased))
    return lines


def _people(session: Session, pseudonyms: set[str]) -> dict[str, tuple[str, bool]]:
    if not pseudonyms:
        return {}
    found = session.execute(
        select(User.pseudonym, User.display_name, User.email, User.erased_at).where(
            User.pseudonym.in_(pseudonyms)
        )
    )
    people = {}
    for pseudonym, name, email, erased_at in found:
        if erased_at is not None:
            people[pseudonym] = (pseudonym, True)
        else:
            shown = " ".join(part for part in (name, f"<{email}>" if email else None) if part)
            people[pseudonym] = (shown or pseudonym, False)
    return people


def _utc_start(day: date) -> datetime:
    local = datetime.combine(day, time.min, tzinfo=BEIJING)
    return local.astimezone(UTC).replace(tzinfo=None)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

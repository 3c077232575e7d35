"""The sandbox under grants: who may query, the sessions, the query log and the exports.

A grant of a dataset whose conditions state the ``sandbox`` channel gives its holder the
granted CSV and XLSX files as tables (``data``, ``data_2``, … in the order of the dataset's
files), masked by the grant's rules (:func:`catalog.applications.delivery.grant_masking`, the
same as a download), in a :class:`~catalog.sandbox.engine.Sandbox` of their own.

- **Who**: every query asks :func:`catalog.access.active_grant` (the one rule) for each file
  of the grant, through :func:`catalog.applications.delivery.channel_grant`, with the
  ``sandbox`` channel required; an expired or revoked grant stops at the next query.
- **Sessions**: :class:`Sessions` keeps the sandboxes of one process, keyed by the grant and
  what was loaded into it (the files' stored keys, the grant's fields, the conditions); one is
  built on the first query, closed after :data:`IDLE_SECONDS` unused, and at most
  :data:`MAX_SESSIONS` are open (the least recently used goes first). A new key (a file
  replaced, the masking changed) means a fresh in-memory database.
- **The log**: every query, answered or refused, is a ``sandbox_query`` row with its text,
  time, duration, the source rows of the table it read, the rows it returned and suppressed,
  and an answered query's result. A query that no active grant covers is refused before
  anything is logged, as a download is.
- **Exports**: the holder asks for one answered query's result (:func:`request_export`); a
  reviewer of the dataset's department, or an administrator, approves or rejects it with a
  reason (:func:`decide_export`); the holder downloads an approved one once as CSV
  (:func:`download_export`), logged as a ``delivery`` of channel ``sandbox`` whose identifier
  the file name carries. Each step is an audit row.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import conditions
from catalog.accounts.models import ADMIN, APPLICANT, REVIEWER
from catalog.applications.acts import roles_on
from catalog.applications.delivery import NotGranted, channel_grant, grant_masking
from catalog.applications.models import Application, Delivery, Grant
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.cells import safe_cell
from catalog.conditions import Conditions
from catalog.errors import CatalogError, InvalidValue, NotFound
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor, acting_departments
from catalog.publishing.acts import CLI
from catalog.sandbox.engine import Limits, QueryResult, Sandbox
from catalog.sandbox.loading import KINDS, Loaded
from catalog.sandbox.models import (
    ANSWERED,
    APPROVED,
    DOWNLOADED,
    REFUSED,
    REJECTED,
    SUBMITTED,
    SandboxExport,
    SandboxQuery,
)
from catalog.storage import FileStore

CHANNEL = "sandbox"  # the delivery channel of a downloaded export
IDLE_SECONDS = 15 * 60
MAX_SESSIONS = 4
MAX_SQL_CHARS = 20_000
MAX_REASON = 2_000
QUERY_ACTION = "sandbox.query"
EXPORT_ACTIONS = ("sandbox.export.request", "sandbox.export.approve", "sandbox.export.reject",
                  "sandbox.export.download")  # fmt: skip


@dataclass(frozen=True)
class Table:
    """A granted table as the holder sees it."""

    name: str
    distribution: Distribution
    loaded: Loaded


@dataclass(frozen=True)
class Opened:
    """The grant a query runs under, its dataset, conditions and loadable files."""

    grant: Grant
    dataset: Dataset
    stated: Conditions
    files: tuple[Distribution, ...]

    @property
    def k(self) -> int:
        return self.stated.disclosure_k

    def key(self) -> Hashable:
        """What the session's database holds: a change to any of it needs a fresh one."""
        stated = json.dumps(self.stated.to_dict(), sort_keys=True, ensure_ascii=False)
        files = tuple((d.id, d.stored_file, (d.format or "").lower()) for d in self.files)
        return (self.grant.id, self.grant.user_id, tuple(self.grant.fields), files, stated)


def table_names(files: tuple[Distribution, ...]) -> list[str]:
    return ["data" if index == 0 else f"data_{index + 1}" for index in range(len(files))]


def sandbox_grant(session: Session, actor: Actor, grant_id: str, now: datetime) -> Opened:
    """The grant ``grant_id`` of ``actor``'s, active now for every file it names, of a dataset
    whose channel is ``sandbox``: NotGranted, or InvalidValue ``wrong-channel`` or
    ``not-loadable``."""
    grant = session.get(Grant, grant_id[:32])
    if grant is None or actor.user_id is None or grant.user_id != actor.user_id:
        raise NotGranted("no grant of yours")
    dataset = session.get(Dataset, grant.dataset_id)
    files = [] if dataset is None else [
        d for d in dataset.distributions if d.id in (grant.distribution_ids or [])
    ]  # fmt: skip
    if dataset is None or not files:
        raise NotGranted("the grant names no file")
    stated: Conditions | None = None
    for distribution in files:
        _, stated = channel_grant(
            session, actor, dataset, distribution, now,
            lambda channel: channel == conditions.SANDBOX,
            "this dataset opens no sandbox", grant_id=grant.id,
        )  # fmt: skip
    assert stated is not None
    loadable = tuple(d for d in files if (d.format or "").lower() in KINDS and d.stored_file)
    if not loadable:
        raise InvalidValue("no granted file loads into the sandbox (CSV or XLSX stored on the "
                           "portal)", code="not-loadable")  # fmt: skip
    return Opened(grant, dataset, stated, loadable)


class Sessions:
    """The open sandboxes of this process (thread-safe)."""

    def __init__(
        self,
        limits: Limits | None = None,
        idle_seconds: float = IDLE_SECONDS,
        most: int = MAX_SESSIONS,
    ):
        self.limits = limits or Limits()
        self.idle_seconds, self.most = idle_seconds, most
        self._lock = threading.Lock()
        self._slots: OrderedDict[Hashable, _Slot] = OrderedDict()

    def __len__(self) -> int:
        return len(self._slots)

    def use(self, key: Hashable, build: Callable[[Sandbox], list[Table]]) -> _Use:
        """The sandbox for ``key`` (``build`` loads a new one's tables), held while used."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
            self._slots.move_to_end(key)
            slot.users += 1
            self._evict()
        return _Use(self, slot, build)

    def close(self) -> None:
        with self._lock:
            for slot in self._slots.values():
                slot.close()
            self._slots.clear()

    def _evict(self) -> None:
        """Close the idle sessions, then the least recently used past ``most`` (never one in
        use); called with the lock held."""
        now = time.monotonic()
        for key, slot in list(self._slots.items()):
            unused = slot.users == 0
            if unused and now - slot.used_at > self.idle_seconds:
                slot.close()
                del self._slots[key]
        for key, slot in list(self._slots.items()):
            if len(self._slots) <= self.most:
                break
            if slot.users == 0:
                slot.close()
                del self._slots[key]

    def _release(self, slot: _Slot, broken: bool) -> None:
        with self._lock:
            slot.users -= 1
            slot.used_at = time.monotonic()
            if broken:  # a load that failed leaves no half-filled database behind
                for key, found in list(self._slots.items()):
                    if found is slot:
                        del self._slots[key]
                if slot.users == 0:
                    slot.close()


class _Slot:
    def __init__(self) -> None:
        self.sandbox: Sandbox | None = None
        self.tables: list[Table] = []
        self.users = 0
        self.used_at = time.monotonic()
        self.building = threading.Lock()

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None


class _Use:
    def __init__(self, sessions: Sessions, slot: _Slot, build: Callable[[Sandbox], list[Table]]):
        self._sessions, self._slot, self._build = sessions, slot, build
        self._broken = False

    def __enter__(self) -> tuple[Sandbox, list[Table]]:
        slot = self._slot
        try:
            with slot.building:
                if slot.sandbox is None:
                    sandbox = Sandbox(self._sessions.limits)
                    try:
                        slot.tables = self._build(sandbox)
                    except BaseException:
                        sandbox.close()
                        raise
                    slot.sandbox = sandbox
        except BaseException:
            self._broken = True
            self._sessions._release(slot, broken=True)
            raise
        return slot.sandbox, slot.tables

    def __exit__(self, *_: object) -> None:
        if not self._broken:
            self._sessions._release(self._slot, broken=False)


def _loader(opened: Opened, store: FileStore, secret: bytes) -> Callable[[Sandbox], list[Table]]:
    def build(sandbox: Sandbox) -> list[Table]:
        masking = grant_masking(opened.grant, opened.dataset, secret, "sbx-" + opened.grant.id)
        tables = []
        for name, distribution in zip(table_names(opened.files), opened.files, strict=True):
            assert distribution.stored_file is not None
            kind = (distribution.format or "").lower()
            try:
                with store.path(distribution.stored_file).open("rb") as source:
                    loaded = sandbox.load(name, source, kind, masking, k=opened.k)
            except CatalogError:
                raise
            except Exception as error:  # a broken file: the page says so, nothing else breaks
                raise InvalidValue(
                    f"the file {distribution.id} could not be loaded ({type(error).__name__})",
                    code="not-loadable",
                ) from None
            tables.append(Table(name, distribution, loaded))
        return tables

    return build


def tables(
    session: Session,
    actor: Actor,
    grant_id: str,
    now: datetime,
    *,
    store: FileStore,
    secret: bytes,
    sessions: Sessions,
) -> tuple[Opened, list[Table]]:
    """The granted tables as loaded (the session is built if it is not open)."""
    opened = sandbox_grant(session, actor, grant_id, now)
    with sessions.use(opened.key(), _loader(opened, store, secret)) as (_, loaded):
        return opened, list(loaded)


@dataclass(frozen=True)
class Ran:
    """One logged query: its row, and the result or the refusal."""

    logged: SandboxQuery
    result: QueryResult | None
    refusal: CatalogError | None


def run_query(
    session: Session,
    actor: Actor,
    grant_id: str,
    sql: str,
    now: datetime,
    *,
    store: FileStore,
    secret: bytes,
    sessions: Sessions,
    origin: Origin = CLI,
) -> Ran:
    """Run ``sql`` under the grant, in its session; logged, answered or refused."""
    opened = sandbox_grant(session, actor, grant_id, now)
    text = sql if isinstance(sql, str) else ""
    logged = SandboxQuery(grant_id=opened.grant.id, user_id=actor.user_id, at=now,
                          sql=text[:MAX_SQL_CHARS], k=opened.k)  # fmt: skip
    result: QueryResult | None = None
    refusal: CatalogError | None = None
    try:
        if not text.strip():
            raise InvalidValue("write a query", code="empty-query")
        if len(text) > MAX_SQL_CHARS:
            raise InvalidValue(f"a query is at most {MAX_SQL_CHARS} characters",
                               code="query-too-long")  # fmt: skip
        with sessions.use(opened.key(), _loader(opened, store, secret)) as (sandbox, loaded):
            result = sandbox.query(text)
            by_name = {table.name: table for table in loaded}
    except CatalogError as error:  # the sandbox's refusals, a file that does not load
        refusal = error
    if result is None:
        assert refusal is not None
        logged.state, logged.refusal = REFUSED, refusal.code[:40]
    else:
        logged.state = ANSWERED
        logged.table_name = result.table
        logged.distribution_id = by_name[result.table].distribution.id
        logged.seconds = round(result.seconds, 4)
        logged.rows_touched = result.rows_touched
        logged.result_rows = len(result.rows)
        logged.suppressed = result.suppressed
        logged.truncated = result.truncated
        logged.result = {"columns": list(result.columns),
                         "rows": [[plain(v) for v in row] for row in result.rows]}  # fmt: skip
    session.add(logged)
    session.flush()
    return Ran(logged, result, refusal)


def plain(value: Any) -> Any:
    """A result cell as JSON: numbers stay numbers, dates become ISO text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def own_queries(
    session: Session, actor: Actor, grant: Grant, limit: int = 50
) -> list[SandboxQuery]:
    """The grant's queries, newest first, for its holder (and, through
    :func:`grant_queries`, its reviewers)."""
    if actor.user_id is None or grant.user_id != actor.user_id:
        raise NotFound("no such grant")
    return _queries(session, grant, limit)


def grant_queries(
    session: Session, actor: Actor, grant: Grant, limit: int = 200
) -> list[SandboxQuery]:
    """The grant's query log for a reviewer of its department or an administrator."""
    _reviewing(session, actor, grant.application)
    return _queries(session, grant, limit)


def _queries(session: Session, grant: Grant, limit: int) -> list[SandboxQuery]:
    return list(
        session.scalars(
            select(SandboxQuery)
            .where(SandboxQuery.grant_id == grant.id)
            .order_by(SandboxQuery.id.desc())
            .limit(limit)
        )
    )


def _reviewing(session: Session, actor: Actor, application: Application) -> str:
    roles = roles_on(session, actor, application)
    for role in (REVIEWER, ADMIN):
        if role in roles:
            return role
    raise NotFound("no such export")


def _own_query(session: Session, actor: Actor, grant_id: str, query_id: int) -> SandboxQuery:
    found = session.get(SandboxQuery, query_id)
    if found is None or found.grant_id != grant_id[:32]:
        raise NotFound("no such query")
    grant = session.get(Grant, found.grant_id)
    if grant is None or actor.user_id is None or grant.user_id != actor.user_id:
        raise NotFound("no such query")
    return found


def request_export(
    session: Session,
    actor: Actor,
    grant_id: str,
    query_id: int,
    now: datetime,
    origin: Origin = CLI,
) -> SandboxExport:
    """Submit an answered query's result for review; once per query, under an active grant."""
    sandbox_grant(session, actor, grant_id, now)
    query = _own_query(session, actor, grant_id, query_id)
    if query.state != ANSWERED or not query.result:
        raise InvalidValue("only an answered query's result can be exported",
                           code="export-not-answered")  # fmt: skip
    if session.scalar(select(SandboxExport.id).where(SandboxExport.query_id == query.id)):
        raise InvalidValue("this result was already submitted", code="export-exists")
    export = SandboxExport(query=query, grant_id=query.grant_id, state=SUBMITTED,
                           requested_at=now)  # fmt: skip
    session.add(export)
    session.flush()
    _audit(session, actor, origin, "sandbox.export.request", APPLICANT, export, now)
    return export


def _audit(
    session: Session,
    actor: Actor,
    origin: Origin,
    action: str,
    role: str,
    export: SandboxExport,
    now: datetime,
    reason: str | None = None,
) -> None:
    grant = session.get(Grant, export.grant_id)
    assert grant is not None
    change: dict[str, Any] = {"grant": export.grant_id, "query": export.query_id,
                              "state": export.state}  # fmt: skip
    if reason:
        change["reason"] = reason
    if export.delivery_id:
        change["delivery"] = export.delivery_id
    record_act(session, actor, origin, action, role=role, object_type="sandbox_export",
               object_id=export.id, change=change, summary=grant.application.reference,
               now=now)  # fmt: skip


def get_export(session: Session, actor: Actor, export_id: int) -> tuple[SandboxExport, str]:
    """An export and the role ``actor`` reviews it in; NotFound for anyone else."""
    export = session.get(SandboxExport, export_id)
    if export is None:
        raise NotFound("no such export")
    grant = session.get(Grant, export.grant_id)
    assert grant is not None
    return export, _reviewing(session, actor, grant.application)


def decide_export(
    session: Session,
    actor: Actor,
    export_id: int,
    approve: bool,
    reason: str | None,
    now: datetime,
    origin: Origin = CLI,
) -> SandboxExport:
    """Approve or reject a submitted export; a rejection states its reason."""
    export, role = get_export(session, actor, export_id)
    if export.state != SUBMITTED:
        raise InvalidValue("this export was already decided", code="export-decided")
    reason = (reason or "").strip()[:MAX_REASON] or None
    if not approve and reason is None:
        raise InvalidValue("a rejection states its reason", code="reason-required")
    export.state = APPROVED if approve else REJECTED
    export.reviewer_id, export.decided_at, export.reason = actor.user_id, now, reason
    session.flush()
    action = "sandbox.export.approve" if approve else "sandbox.export.reject"
    _audit(session, actor, origin, action, role, export, now, reason)
    return export


def exports_to_review(
    session: Session, actor: Actor
) -> list[tuple[SandboxExport, SandboxQuery, Application, Dataset]]:
    """The submitted exports of the datasets of the departments ``actor`` reviews, oldest
    first."""
    departments = acting_departments(session, actor, "application.review")
    if not departments:
        return []
    rows = session.execute(
        select(SandboxExport, SandboxQuery, Application, Dataset)
        .join(SandboxQuery, SandboxQuery.id == SandboxExport.query_id)
        .join(Grant, Grant.id == SandboxExport.grant_id)
        .join(Application, Application.id == Grant.application_id)
        .join(Dataset, Dataset.id == Grant.dataset_id)
        .where(SandboxExport.state == SUBMITTED, Dataset.department_id.in_(departments))
        .order_by(SandboxExport.requested_at, SandboxExport.id)
        .limit(500)
    )
    return [(e, q, a, d) for e, q, a, d in rows]


@dataclass(frozen=True)
class Download:
    export: SandboxExport
    file_name: str
    content: bytes


def download_export(
    session: Session,
    actor: Actor,
    grant_id: str,
    export_id: int,
    now: datetime,
    origin: Origin = CLI,
) -> Download:
    """The approved result as CSV, once, under a delivery identifier; logged."""
    opened = sandbox_grant(session, actor, grant_id, now)
    export = session.get(SandboxExport, export_id)
    if export is None or export.grant_id != opened.grant.id:
        raise NotFound("no such export")
    if export.state == DOWNLOADED:
        raise InvalidValue("this export was already downloaded", code="export-downloaded")
    if export.state != APPROVED:
        raise InvalidValue("this export is not approved", code="export-not-approved")
    query = export.query
    assert query.result is not None
    delivery_id = "dlv-" + secrets.token_hex(12)
    content = result_csv(query.result, delivery_id)
    session.add(Delivery(id=delivery_id, grant_id=opened.grant.id,
                         distribution_id=query.distribution_id or "", at=now, channel=CHANNEL,
                         format="csv", bytes=len(content)))  # fmt: skip
    export.state, export.downloaded_at, export.delivery_id = DOWNLOADED, now, delivery_id
    session.flush()
    _audit(session, actor, origin, "sandbox.export.download", APPLICANT, export, now)
    stem = PurePosixPath(f"sandbox-{opened.grant.application.reference}").name
    return Download(export, f"{stem}-{delivery_id}.csv", content)


def result_csv(result: dict[str, Any], delivery_id: str) -> bytes:
    """The result as UTF-8 CSV (with a BOM, for spreadsheets), its last column the delivery
    identifier, so that a copy names its delivery; cells formula-neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(c) for c in [*result.get("columns", []), "delivery"]])
    for row in result.get("rows", []):
        writer.writerow([*("" if v is None else safe_cell(v) for v in row), delivery_id])
    return ("\ufeff" + out.getvalue()).encode()

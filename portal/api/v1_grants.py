"""REST ``/api/v1/grants``: a grantee's grants of conditional data, their masked files and
their sandboxes, for an API token of scope ``conditional`` only (a session cookie is never
looked at).

- ``GET /grants``: the caller's grants (active or ended), each with its files and their
  download addresses.
- ``GET /grants/{grant_id}/files/{distribution_id}``: the masked, traceable copy (logged as
  delivered through the ``token`` channel); :func:`catalog.access.active_grant` is asked on
  every call, so an expiry or a revocation acts at once.
- ``POST /grants/{grant_id}/files/{distribution_id}/verify`` (channel ``verification``): body
  ``{"fields": {"证书编号": "…", "权利人": "…"}}``, answer ``{"answer": "match"}`` or
  ``{"answer": "no match"}``, never a value (:mod:`catalog.verification`).
- ``GET /grants/{grant_id}/files/{distribution_id}/rows?page=&limit=`` (channel ``api``): a
  page of masked rows, logged as a delivery of channel ``api``
  (:mod:`catalog.applications.rows`).

The sandbox (channel ``sandbox``, 可用不可见; the rule in :mod:`catalog.sandbox`, the grant,
the log and the exports in :mod:`catalog.sandbox.service`), each call one transaction:

- ``GET /grants/{grant_id}/sandbox``: the tables (name, file, columns, source rows, the
  identifier columns that may only be counted), k and the limits.
- ``POST /grants/{grant_id}/sandbox/query``: body ``{"sql": "SELECT …"}`` (at most
  :data:`MAX_SQL_BODY_BYTES`, 20,000 characters of SQL); answered, 200 with the aggregate rows
  and the ``query`` id; refused by the rule or the limits, 422 with the refusal's ``code`` and
  the ``query`` id, since a refused query is logged too (the transaction commits, and the
  problem is answered after it).
- ``GET /grants/{grant_id}/sandbox/queries?limit=``: the holder's query log, newest first
  (1-200, 50 by default), also once the grant has ended.
- ``POST /grants/{grant_id}/sandbox/queries/{query_id}/export``: submits an answered query's
  result for review, 201; 422 ``export-not-answered`` or ``export-exists``.
- ``GET /grants/{grant_id}/sandbox/exports/{export_id}``: the export's state and review.
- ``POST /grants/{grant_id}/sandbox/exports/{export_id}/download``: an approved export as CSV,
  once (``X-Delivery-Id``, the identifier in every row too); again 422
  ``export-downloaded`` (422, not 410, as every other refusal of a state here), before an
  approval 422 ``export-not-approved``.

The verification, rows and sandbox queries are counted per grant at the conditions'
``rate_per_minute`` (60 when not stated, :func:`portal.accounts.limits.spend_call`), every
call that reaches an active grant of the channel, whatever it asks; past it 429
``rate-limited`` with ``Retry-After``.

Refusals are problem details: 401 without a live token, 403 for a token of another scope
(``token-scope``) or a file or grant no active grant of the caller's covers
(``no-active-grant``), 400 for a malformed body, 404 for a query or export not of this grant,
422 for a file that is not delivered masked (``not-deliverable``), a grant of another channel
(``wrong-channel``) or a question, page or query that may not be asked (its code), 429 past
the rate.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, json, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import conditions, verification
from catalog.applications import queries, rows
from catalog.applications.delivery import NotGranted
from catalog.applications.models import Grant
from catalog.db import utcnow
from catalog.errors import CatalogError, NotFound
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor, can
from catalog.sandbox import service
from catalog.sandbox.engine import QueryResult
from catalog.sandbox.models import SandboxExport, SandboxQuery
from portal import sandboxing
from portal.accounts.limits import spend_call
from portal.applications.delivering import granted_file, masked_copy, masking_secret
from portal.auth import BadToken, NoToken, api_actor, origin
from portal.db import services
from portal.params import text_problem
from portal.problems import problem

bp = Blueprint("rest_grants", __name__, url_prefix="/api/v1")
AUTHENTICATE = 'Bearer realm="gxdata", charset="UTF-8"'
ACTION = "conditional.download"


MAX_QUESTION_BYTES = 16 * 1024
# 20,000 characters of SQL however the JSON spells them (\uXXXX is 6 bytes), and the braces
MAX_SQL_BODY_BYTES = 6 * service.MAX_SQL_CHARS + 1024
LOG_LIMIT, MAX_LOG_LIMIT = 50, 200
MAX_ID = 2**31 - 1  # a larger id names nothing (and no database column takes it)
T = TypeVar("T")


class Refused(Exception):
    def __init__(self, status: int, code: str, detail: str, retry_after: int | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.retry_after = retry_after


@bp.errorhandler(Refused)
def _refused(error: Refused) -> Response:
    response = problem(error.status, error.code, error.detail)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _grantee() -> Actor:
    """The token's actor, if the token may download conditional data."""
    try:
        actor = api_actor()
    except (NoToken, BadToken) as error:
        raise Refused(401, "unauthorized", str(error)) from error
    with services().session_factory() as db:
        if not can(db, actor, ACTION):
            raise Refused(403, "token-scope", "only an API token of scope conditional may")
    return actor


@bp.get("/grants")
def grants() -> Response:
    actor = _grantee()
    with services().session_factory() as db:
        body = [_grant(grant, dataset) for grant, dataset in queries.own_grants(db, actor)]
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


def _grant(grant: Grant, dataset: Dataset) -> dict[str, Any]:
    """A grant as listed: each file's address for the channel the dataset states."""
    files = [d for d in dataset.distributions if d.id in grant.distribution_ids]
    stated = conditions.of(dataset.conditions)
    channel = stated.delivery_channel if stated is not None else None
    base = current_app.config["BASE_URL"]

    def address(endpoint: str, wanted: bool, **ids: str) -> str | None:
        return base + url_for(endpoint, grant_id=grant.id, **ids) if wanted else None

    return {
        "id": grant.id,
        "application": grant.application.reference,
        "dataset": {"id": dataset.id, "slug": dataset.slug, "title": dataset.title},
        "state": grant.state,
        "starts_at": grant.starts_at.isoformat() + "Z",
        "ends_at": grant.ends_at.isoformat() + "Z",
        "fields": list(grant.fields),
        "channel": channel,
        "sandbox": address("rest_grants.sandbox", channel == conditions.SANDBOX),
        "files": [
            {
                "id": d.id,
                "title": d.title,
                "format": d.format,
                "download": address(
                    "rest_grants.file",
                    channel not in conditions.IN_PORTAL_CHANNELS,
                    distribution_id=d.id,
                ),
                "verify": address(
                    "rest_grants.verify", channel == conditions.VERIFICATION, distribution_id=d.id
                ),
                "rows": address(
                    "rest_grants.rows_page", channel == conditions.API, distribution_id=d.id
                ),
            }  # fmt: skip
            for d in files
        ],
    }


@bp.get("/grants/<grant_id>/files/<distribution_id>")
def file(grant_id: str, distribution_id: str) -> Response:
    actor = _grantee()
    try:
        return masked_copy(actor, grant_id, distribution_id, origin())
    except NotGranted as error:
        raise Refused(403, error.code, "no active grant of yours covers this file") from error
    except CatalogError as error:
        raise Refused(422, error.code, error.message) from error


Answer = Callable[[Session, Dataset, Distribution], dict[str, Any]]


def _call(actor: Actor, scope: str, grant_id: str, file_id: str, answer: Answer) -> Response:
    """One rated call under a grant of ``scope``'s channel: the grant checked, the call
    counted, ``answer`` given in one transaction; refusals as problem details."""
    now = utcnow()
    try:
        with services().session_factory() as db, db.begin():
            dataset, distribution = granted_file(db, actor, grant_id, file_id)
            if scope == "verify":
                grant, _ = verification.verification_grant(db, actor, dataset, distribution, now)
            else:
                grant = rows.api_grant(db, actor, dataset, distribution, now)
            stated = conditions.of(dataset.conditions)
            rate = stated.call_rate if stated is not None else conditions.DEFAULT_RATE_PER_MINUTE
            wait = spend_call(scope, grant.id, rate)
            if wait is not None:
                raise Refused(429, "rate-limited", "too many calls a minute under this grant",
                              retry_after=wait)  # fmt: skip
            body = answer(db, dataset, distribution)
    except NotGranted as error:
        raise Refused(403, error.code, "no active grant of yours covers this file") from error
    except CatalogError as error:
        raise Refused(422, error.code, error.message) from error
    return _private(body)


def _private(body: object, status: int = 200) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/json")  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/grants/<grant_id>/files/<distribution_id>/verify")
def verify(grant_id: str, distribution_id: str) -> Response:
    actor = _grantee()
    if (request.content_length or 0) > MAX_QUESTION_BYTES:
        raise Refused(413, "question-too-large", "a question is at most 16 KiB")
    body = request.get_json(silent=True)
    question = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(question, dict):
        raise Refused(400, "invalid-question", 'the body is {"fields": {name: value, …}}')

    def answer(db: Session, dataset: Dataset, distribution: Distribution) -> dict[str, Any]:
        found = verification.verify(db, actor, dataset, distribution, question, utcnow(),
                                    services().files, origin())  # fmt: skip
        return {"answer": found.answer}

    return _call(actor, "verify", grant_id, distribution_id, answer)


@bp.get("/grants/<grant_id>/files/<distribution_id>/rows")
def rows_page(grant_id: str, distribution_id: str) -> Response:
    actor = _grantee()
    try:
        page, limit = rows.paging(request.args.get("page"), request.args.get("limit"))
    except CatalogError as error:
        raise Refused(400, error.code, error.message) from error

    def answer(db: Session, dataset: Dataset, distribution: Distribution) -> dict[str, Any]:
        found = rows.page_rows(db, actor, dataset, distribution, services().files, page=page,
                               limit=limit, secret=masking_secret(), now=utcnow(),
                               origin=origin())  # fmt: skip
        return {"delivery": found.delivery_id, "page": found.page, "limit": found.limit,
                "more": found.more, "fields": list(found.header), "rows": found.rows}  # fmt: skip

    return _call(actor, "rows", grant_id, distribution_id, answer)


# --- the sandbox -----------------------------------------------------------------------------


def _in_sandbox(work: Callable[[Session], T]) -> T:
    """``work`` in one transaction; the domain's refusals as problem details."""
    try:
        with services().session_factory() as db, db.begin():
            return work(db)
    except sandboxing.RateLimited as error:
        raise Refused(429, error.code, error.message, retry_after=error.retry_after) from error
    except NotGranted as error:
        raise Refused(403, error.code, "no active grant of yours opens this sandbox") from error
    except NotFound as error:
        raise Refused(404, error.code, error.message) from error
    except CatalogError as error:
        raise Refused(422, error.code, error.message) from error


def _held(db: Session, actor: Actor, grant_id: str) -> Grant:
    """The caller's grant, active or not (its log and exports stay the holder's to read)."""
    grant = db.get(Grant, grant_id[:32])
    if grant is None or actor.user_id is None or grant.user_id != actor.user_id:
        raise NotGranted("no grant of yours")
    return grant


def _existing(number: int) -> int:
    if not 1 <= number <= MAX_ID:
        raise Refused(404, "not-found", "no such query or export")
    return number


def _at(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"


@bp.get("/grants/<grant_id>/sandbox")
def sandbox(grant_id: str) -> Response:
    actor = _grantee()

    def work(db: Session) -> dict[str, Any]:
        opened, found = sandboxing.tables(db, actor, grant_id)
        limits = sandboxing.sessions().limits
        return {"grant": opened.grant.id, "k": opened.k,
                "limits": {"seconds": limits.seconds, "max_rows": limits.max_rows},
                "tables": [_table(table) for table in found]}  # fmt: skip

    return _private(_in_sandbox(work))


def _table(table: service.Table) -> dict[str, Any]:
    loaded, distribution = table.loaded, table.distribution
    return {
        "name": table.name,
        "file": {"id": distribution.id, "title": distribution.title},
        "columns": list(loaded.columns),
        "rows": loaded.rows,
        "identifiers": [c for c in loaded.columns if c in loaded.identifiers],
    }


def _sql() -> str:
    """The query of the request's body ``{"sql": "…"}``; 400 or 413 for anything else."""
    if (request.content_length or 0) > MAX_SQL_BODY_BYTES:
        raise Refused(413, "query-too-large", f"a query is at most {service.MAX_SQL_CHARS} "
                      "characters")  # fmt: skip
    body = request.get_json(silent=True)
    sql = body.get("sql") if isinstance(body, dict) else None
    if not isinstance(sql, str):
        raise Refused(400, "invalid-query", 'the body is {"sql": "SELECT …"}')
    unstorable = text_problem(sql, max_chars=None)  # the log could not keep it; its length
    if unstorable is not None:  # past 20,000 is a refusal the log keeps (query-too-long)
        raise Refused(400, "invalid-query", f"the query {unstorable}")
    return sql


@bp.post("/grants/<grant_id>/sandbox/query")
def sandbox_query(grant_id: str) -> Response:
    actor = _grantee()
    sql = _sql()

    def work(db: Session) -> tuple[int, QueryResult | None, CatalogError | None]:
        ran = sandboxing.run(db, actor, grant_id, sql, origin())
        return ran.logged.id, ran.result, ran.refusal

    # the refused query's log row is committed with the block: the problem is answered after it
    query_id, result, refusal = _in_sandbox(work)
    if result is None:
        assert refusal is not None
        refused = problem(422, refusal.code, refusal.message, query=query_id)
        refused.headers["Cache-Control"] = "private, no-store"
        return refused
    return _private({
        "query": query_id,
        "columns": list(result.columns),
        "rows": [[service.plain(value) for value in row] for row in result.rows],
        "suppressed": result.suppressed,
        "truncated": result.truncated,
        "k": result.k,
        "seconds": round(result.seconds, 4),
        "rows_touched": result.rows_touched,
    })  # fmt: skip


@bp.get("/grants/<grant_id>/sandbox/queries")
def sandbox_queries(grant_id: str) -> Response:
    actor = _grantee()
    limit = _log_limit(request.args.get("limit"))

    def work(db: Session) -> list[dict[str, Any]]:
        found = service.own_queries(db, actor, _held(db, actor, grant_id), limit)
        ids = [query.id for query in found]
        exported = db.scalars(select(SandboxExport).where(SandboxExport.query_id.in_(ids)))
        exports = {export.query_id: export for export in exported}
        return [_logged(query, exports.get(query.id)) for query in found]

    return _private(_in_sandbox(work))


def _log_limit(given: str | None) -> int:
    if given is None or given == "":
        return LOG_LIMIT
    if not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= MAX_LOG_LIMIT:
        raise Refused(400, "invalid-limit", f"limit is a number from 1 to {MAX_LOG_LIMIT}")
    return int(given)


def _logged(query: SandboxQuery, export: SandboxExport | None) -> dict[str, Any]:
    return {
        "id": query.id,
        "at": _at(query.at),
        "sql": query.sql,
        "state": query.state,
        "refusal": query.refusal,
        "table": query.table_name,
        "seconds": query.seconds,
        "rows_touched": query.rows_touched,
        "result_rows": query.result_rows,
        "suppressed": query.suppressed,
        "truncated": query.truncated,
        "export": None if export is None else {"id": export.id, "state": export.state},
    }


@bp.post("/grants/<grant_id>/sandbox/queries/<int:query_id>/export")
def sandbox_export_request(grant_id: str, query_id: int) -> Response:
    actor = _grantee()
    _existing(query_id)

    def work(db: Session) -> tuple[str, int, str]:
        export = service.request_export(db, actor, grant_id, query_id, utcnow(), origin())
        return export.grant_id, export.id, export.state

    grant, export_id, state = _in_sandbox(work)
    response = _private({"export": export_id, "state": state}, status=201)
    response.headers["Location"] = current_app.config["BASE_URL"] + url_for(
        "rest_grants.sandbox_export", grant_id=grant, export_id=export_id
    )
    return response


@bp.get("/grants/<grant_id>/sandbox/exports/<int:export_id>")
def sandbox_export(grant_id: str, export_id: int) -> Response:
    actor = _grantee()
    _existing(export_id)

    def work(db: Session) -> dict[str, Any]:
        grant = _held(db, actor, grant_id)
        export = db.get(SandboxExport, export_id)
        if export is None or export.grant_id != grant.id:
            raise NotFound("no such export")
        return {"export": export.id, "query": export.query_id, "state": export.state,
                "requested_at": _at(export.requested_at), "reason": export.reason,
                "decided_at": _at(export.decided_at), "downloaded_at": _at(export.downloaded_at),
                "delivery": export.delivery_id}  # fmt: skip

    return _private(_in_sandbox(work))


@bp.post("/grants/<grant_id>/sandbox/exports/<int:export_id>/download")
def sandbox_download(grant_id: str, export_id: int) -> Response:
    actor = _grantee()
    _existing(export_id)

    def work(db: Session) -> tuple[str, bytes, str]:
        got = service.download_export(db, actor, grant_id, export_id, utcnow(), origin())
        assert got.export.delivery_id is not None
        return got.file_name, got.content, got.export.delivery_id

    file_name, content, delivery_id = _in_sandbox(work)
    response = send_file(
        io.BytesIO(content), mimetype="text/csv", as_attachment=True, download_name=file_name,
        conditional=False, etag=False, max_age=0,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Delivery-Id"] = delivery_id
    return response

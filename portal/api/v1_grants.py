"""REST ``/api/v1/grants``: a grantee's grants of conditional data and their masked files, for
an API token of scope ``conditional`` only (a session cookie is never looked at).

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

Both are counted per grant at the conditions' ``rate_per_minute`` (60 when not stated,
:func:`portal.accounts.limits.spend_call`), every call that reaches an active grant of the
channel, whatever it asks; past it 429 ``rate-limited`` with ``Retry-After``.

Refusals are problem details: 401 without a live token, 403 for a token of another scope
(``token-scope``) or a file no active grant of the caller's covers (``no-active-grant``),
422 for a file that is not delivered masked (``not-deliverable``), a grant of another channel
(``wrong-channel``) or a question or page that may not be asked (its code), 429 past the rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, json, request, url_for
from sqlalchemy.orm import Session

from catalog import conditions, verification
from catalog.applications import queries, rows
from catalog.applications.delivery import NotGranted
from catalog.applications.models import Grant
from catalog.db import utcnow
from catalog.errors import CatalogError
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor, can
from portal.accounts.limits import spend_call
from portal.applications.delivering import granted_file, masked_copy, masking_secret
from portal.auth import BadToken, NoToken, api_actor, origin
from portal.db import services
from portal.problems import problem

bp = Blueprint("rest_grants", __name__, url_prefix="/api/v1")
AUTHENTICATE = 'Bearer realm="gxdata", charset="UTF-8"'
ACTION = "conditional.download"


MAX_QUESTION_BYTES = 16 * 1024


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
    files = [d for d in dataset.distributions if d.id in grant.distribution_ids]
    return {
        "id": grant.id,
        "application": grant.application.reference,
        "dataset": {"id": dataset.id, "slug": dataset.slug, "title": dataset.title},
        "state": grant.state,
        "starts_at": grant.starts_at.isoformat() + "Z",
        "ends_at": grant.ends_at.isoformat() + "Z",
        "fields": list(grant.fields),
        "files": [
            {
                "id": d.id,
                "title": d.title,
                "format": d.format,
                "download": current_app.config["BASE_URL"]
                + url_for("rest_grants.file", grant_id=grant.id, distribution_id=d.id),
            }
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
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
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

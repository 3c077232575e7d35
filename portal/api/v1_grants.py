"""REST ``/api/v1/grants``: a grantee's grants of conditional data and their masked files, for
an API token of scope ``conditional`` only (a session cookie is never looked at).

- ``GET /grants``: the caller's grants (active or ended), each with its files and their
  download addresses.
- ``GET /grants/{grant_id}/files/{distribution_id}``: the masked, traceable copy (logged as
  delivered through the ``token`` channel); :func:`catalog.access.active_grant` is asked on
  every call, so an expiry or a revocation acts at once.

Refusals are problem details: 401 without a live token, 403 for a token of another scope
(``token-scope``) or a file no active grant of the caller's covers (``no-active-grant``),
422 for a file that is not delivered masked (``not-deliverable``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, json, url_for

from catalog.applications import queries
from catalog.applications.delivery import NotGranted
from catalog.applications.models import Grant
from catalog.errors import CatalogError
from catalog.models import Dataset
from catalog.permissions import Actor, can
from portal.applications.delivering import masked_copy
from portal.auth import BadToken, NoToken, api_actor, origin
from portal.db import services
from portal.problems import problem

bp = Blueprint("rest_grants", __name__, url_prefix="/api/v1")
AUTHENTICATE = 'Bearer realm="gxdata", charset="UTF-8"'
ACTION = "conditional.download"


class Refused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@bp.errorhandler(Refused)
def _refused(error: Refused) -> Response:
    response = problem(error.status, error.code, error.detail)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE
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

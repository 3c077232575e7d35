"""``/healthz``: the process answers (no check, so a slow database never restarts it).
``/readyz``: the database answers, the search index and the SPARQL store are within
``GXDATA_READY_MAX_LAG`` change-log rows of it, the file store is writable
(:func:`catalog.health.readiness`); 503 with ``Retry-After`` otherwise. Both are JSON,
never cached, and hold no personal data."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json

from catalog.health import readiness
from portal.db import services

bp = Blueprint("health", __name__)
RETRY_AFTER_SECONDS = 5


def _json(body: dict[str, object], status: int) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return _json({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz() -> Response:
    found = services()
    result = readiness(
        found.session_factory,
        (found.index_sync, found.sparql_sync),
        found.files.root,
        current_app.config["READY_MAX_LAG"],
    )
    return _json(result.to_dict(), 200 if result.ready else 503)

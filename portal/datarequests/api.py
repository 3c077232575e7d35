"""``/api/v1/datarequests``: the data requests as JSON, as the REST API lists (``total``,
``limit``, ``next`` and ``links.next``; ``state`` and ``sort`` as on the page, ``page`` from 1).
No personal data: the requester is not named; the answer's dataset only while it is public."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, json, request, url_for

from catalog.datarequests import service
from catalog.datarequests.models import DataRequest
from catalog.models import Department
from portal.db import get_session
from portal.problems import problem

bp = Blueprint("datarequests_api", __name__, url_prefix="/api/v1")
LIMIT = 20


@bp.get("/datarequests")
def listing() -> Response:
    state = request.args.get("state", "").strip() or None
    sort = request.args.get("sort", "").strip() or "newest"
    page = request.args.get("page", "1")
    if (state is not None and state not in service.STATES) or sort not in service.SORTS:
        return problem(400, "invalid-parameter", "state or sort is not one of those listed")
    if not (page.isascii() and page.isdigit()) or len(page) > 6 or int(page) < 1:
        return problem(400, "invalid-parameter", "page must be a number from 1")
    session = get_session()
    found = service.listing(session, state=state, sort=sort, page=int(page), per_page=LIMIT)
    base = current_app.config["BASE_URL"]
    more = found.page < found.pages and found.page == int(page)
    args: dict[str, Any] = {k: v for k, v in (("state", state), ("sort", sort)) if v}
    following = base + url_for(".listing", page=found.page + 1, **args) if more else None
    body = {
        "total": found.total,
        "limit": LIMIT,
        "next": str(found.page + 1) if more else None,
        "links": {"next": following},
        "results": [_item(session, row.request, row.supporters, base) for row in found.items],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _department(session: Any, department_id: int | None) -> dict[str, Any] | None:
    found = session.get(Department, department_id) if department_id is not None else None
    return {"id": found.slug, "name": found.name} if found is not None else None


def _item(session: Any, found: DataRequest, supporters: int, base: str) -> dict[str, Any]:
    dataset = service.answered_dataset(session, found)
    return {
        "id": found.id,
        "url": base + url_for("datarequests.detail", request_id=found.id),
        "title": found.title,
        "description": found.description,
        "purpose": found.purpose,
        "state": found.state,
        "supporters": supporters,
        "department": _department(session, found.department_id),
        "created": found.created_at.isoformat(timespec="seconds") + "Z",
        "answer": found.answer,
        "publish_by": found.publish_by.isoformat() if found.publish_by else None,
        "answer_url": found.answer_url,
        "answer_dataset": dataset.id if dataset is not None else None,
        "close_reason": found.close_reason,
    }

"""The audit log for auditors and administrators (``audit.read``): filters, numbered pages,
times in Beijing time, and the same rows as CSV. Reading changes nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context

from catalog import audit_log
from catalog.audit_acts import record_act
from catalog.permissions import Actor
from portal.admin import messages
from portal.auth import origin, require, requires
from portal.db import get_session, services

bp = Blueprint("audit", __name__, url_prefix="/admin")


@bp.get("/audit")
@requires("audit.read")
def log() -> str:
    session, actor = get_session(), require("audit.read")
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = audit_log.search(session, actor, filters, page)
    return render_template(
        "admin/audit.html",
        found=found,
        filters=filters,
        actions=audit_log.actions(session, actor),
        query=_query(),
        labels=messages,
    )


@bp.get("/audit.csv")
@requires("audit.read")
def export() -> Response:
    actor = require("audit.read")
    filters = _filters()
    with services().session_factory() as db, db.begin():  # the export itself is an act
        record_act(
            db, actor, origin(), "audit.export", role=_reading_role(actor),
            object_type="audit-log", object_id="csv", change=asdict(filters),
        )  # fmt: skip
    rows = audit_log.csv_rows(get_session(), actor, filters)
    return Response(
        stream_with_context(csv_stream(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


def _reading_role(actor: Actor) -> str:
    return "auditor" if "auditor" in actor.roles() else "admin"


def csv_stream(rows: Iterator[list[object]]) -> Iterator[str]:
    """CSV text, a row at a time, after a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")  # spreadsheet programs read UTF-8 Chinese with a BOM
    for row in rows:
        writer.writerow(row)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _filters() -> audit_log.AuditFilter:
    args = request.args
    return audit_log.AuditFilter(
        actor=args.get("actor", ""),
        action=args.get("action", ""),
        object=args.get("object", ""),
        since=_day(args.get("since", "")),
        until=_day(args.get("until", "")),
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _query() -> dict[str, Any]:
    """The filters of the request, for page links and the CSV link."""
    keys = ("actor", "action", "object", "since", "until")
    return {key: request.args[key] for key in keys if request.args.get(key)}

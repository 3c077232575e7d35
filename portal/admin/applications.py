"""Every application, for administrators (``applications.manage``): filters by state,
department and overdue, the same rows as CSV (an audited act, as the audit log's export),
and the overdue figures the administration's pages show."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from sqlalchemy import select

from catalog.applications import oversight, states
from catalog.applications.queries import Row
from catalog.audit_acts import record_act
from catalog.db import utcnow
from catalog.errors import CatalogError
from catalog.models import Department
from catalog.permissions import Actor
from catalog.workdays import beijing_day
from portal.admin.audit import csv_stream
from portal.auth import allowed, current_actor, origin, require, requires
from portal.db import get_session, services
from portal.review import messages

bp = Blueprint("admin_applications", __name__, url_prefix="/admin")


@bp.get("/applications")
@requires("applications.manage")
def listing() -> str:
    actor = require("applications.manage")
    session = get_session()
    filters = _filters()
    today = beijing_day(utcnow())
    rows = _rows(actor, filters)
    departments = session.scalars(select(Department).order_by(Department.name)).all()
    return render_template(
        "admin/applications.html", rows=rows, filters=filters, states=states.STATES,
        departments=departments, labels=messages, today=today, days_left=oversight.days_left,
        query={k: v for k, v in request.args.items() if k in ("state", "department", "overdue")},
    )  # fmt: skip


@bp.get("/applications.csv")
@requires("applications.manage")
def export() -> Response:
    actor = require("applications.manage")
    filters = _filters()
    rows = _rows(actor, filters)
    with services().session_factory() as db, db.begin():  # the export itself is an act
        record_act(
            db, actor, origin(), "applications.export", role="admin",
            object_type="application", object_id="csv", change=filters.as_change(),
            summary=f"{len(rows)} rows",
        )  # fmt: skip
    return Response(
        stream_with_context(csv_stream(oversight.csv_rows(get_session(), rows))),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=applications.csv"},
    )


def _rows(actor: Actor, filters: oversight.ListFilter) -> list[Row]:
    try:
        return oversight.listing(get_session(), actor, beijing_day(utcnow()), filters)
    except CatalogError:
        abort(404)  # an unknown state: nothing is listed rather than everything


def _filters() -> oversight.ListFilter:
    args = request.args
    department = args.get("department", "").strip()
    return oversight.ListFilter(
        state=args.get("state", "").strip() or None,
        department_id=int(department) if department.isdigit() and len(department) < 10 else None,
        overdue=args.get("overdue") == "1",
    )


def overdue_figures() -> oversight.OverdueFigures | None:
    """The overdue reviews and usage reports, for an administrator's pages; None for others."""
    if not allowed("applications.manage"):
        return None
    with services().session_factory() as db:
        return oversight.overdue_figures(db, current_actor(), utcnow())

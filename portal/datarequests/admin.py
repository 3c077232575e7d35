"""The administration's page of data requests (``datarequests.manage``): the requests by state
(waiting to be routed first), each with a form to route it to a department; closing one as a
duplicate or off-topic is on its page. Routing and closing mail the requester."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalog.accounts.models import User
from catalog.datarequests import service
from catalog.datarequests.models import DataRequest
from catalog.errors import CatalogError, NotFound
from catalog.models import Department
from portal.auth import origin, require, requires
from portal.datarequests import messages, notices
from portal.datarequests.forms import CloseForm, RouteForm
from portal.db import get_session
from portal.params import page_arg

bp = Blueprint("admin_datarequests", __name__, url_prefix="/admin")
ID = "<int(max=2147483647):request_id>"


def _departments() -> list[Department]:
    return list(get_session().scalars(select(Department).order_by(Department.name)))


@bp.get("/datarequests")
@requires("datarequests.manage")
def listing() -> str:
    state = request.args.get("state", service.OPEN).strip() or None
    found = service.listing(
        get_session(), state=state, sort="newest",
        page=page_arg(),
    )  # fmt: skip
    form = RouteForm(formdata=None)
    form.fill(_departments(), _("Pick a department"))
    return render_template(
        "datarequests/admin.html", found=found, state=state, states=service.STATES, form=form,
        departments={d.id: d for d in _departments()}, query={"state": state or ""},
    )  # fmt: skip


@bp.post(f"/datarequests/{ID}/route")
@requires("datarequests.manage")
def route(request_id: int) -> Response:
    actor = require("datarequests.manage")
    form = RouteForm()
    session = get_session()
    if form.validate_on_submit():
        try:
            found = service.route(
                session, actor, origin(), request_id, form.department(), form.note.data or ""
            )
            session.commit()
        except CatalogError as error:
            _refused(error)
        else:
            department = session.get(Department, found.department_id)
            assert department is not None
            notices.routed(_requester(found), found, department)
            flash(_("The request was routed to %(name)s.", name=department.name), "success")
    return redirect(request.form.get("back") == "detail"
                    and url_for("datarequests.detail", request_id=request_id)
                    or url_for("admin_datarequests.listing"))  # fmt: skip


@bp.post(f"/datarequests/{ID}/close")
@requires("datarequests.manage")
def close(request_id: int) -> Any:
    actor = require("datarequests.manage")
    form = CloseForm()
    session = get_session()
    if form.validate_on_submit():
        try:
            found = service.close(
                session, actor, origin(), request_id, form.reason.data or "", form.text.data or ""
            )
            session.commit()
        except CatalogError as error:
            _refused(error)
        else:
            notices.closed(_requester(found), found)
            flash(_("The request was closed."), "success")
    return redirect(url_for("datarequests.detail", request_id=request_id))


def _requester(found: DataRequest) -> User | None:
    return get_session().get(User, found.user_id) if found.user_id else None


def _refused(error: CatalogError) -> None:
    get_session().rollback()
    if isinstance(error, NotFound):
        abort(404)
    flash(messages.error_message(error), "error")

"""The administrators' queue of reuses (``reuses.manage``): the pending ones with their
datasets, approve or reject with a reason; the approved ones, withdraw; a competition
entry's round and award."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalog.errors import CatalogError, NotFound
from catalog.reuses import service
from catalog.reuses.models import APPROVED, Reuse
from portal.auth import origin, require, requires
from portal.db import get_session
from portal.reuses import messages
from portal.reuses.forms import AwardForm, DecisionForm

bp = Blueprint("admin_reuses", __name__, url_prefix="/admin")
ID = "<int(max=2147483647):reuse_id>"


@bp.get("/reuses")
@requires("reuses.manage")
def queue() -> str:
    require("reuses.manage")
    session = get_session()
    approved = session.scalars(
        select(Reuse).where(Reuse.state == APPROVED).order_by(Reuse.decided_at.desc()).limit(200)
    ).all()
    pending = service.pending_reuses(session)
    return render_template("reuses/admin_queue.html", pending=pending, approved=approved)


def _act(done: str, act) -> Response:  # type: ignore[no-untyped-def]
    session = get_session()
    try:
        act(session)
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except CatalogError as error:
        session.rollback()
        flash(messages.refusal_message(error.code), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin_reuses.queue"), 303)


@bp.post(f"/reuses/{ID}/decide")
@requires("reuses.manage")
def decide(reuse_id: int) -> Response:
    actor = require("reuses.manage")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    reason = form.reason.data or ""
    done = _("The reuse is approved and public.") if approve else _("The reuse is rejected.")
    return _act(done, lambda s: service.decide(s, actor, origin(), reuse_id, approve, reason))


@bp.post(f"/reuses/{ID}/withdraw")
@requires("reuses.manage")
def withdraw(reuse_id: int) -> Response:
    actor = require("reuses.manage")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.reason.data or ""
    return _act(_("The reuse is withdrawn."),
                lambda s: service.withdraw(s, actor, origin(), reuse_id, reason))  # fmt: skip


@bp.post(f"/reuses/{ID}/award")
@requires("reuses.manage")
def award(reuse_id: int) -> Response:
    actor = require("reuses.manage")
    form = AwardForm()
    if not form.validate_on_submit():
        abort(400)
    award, round_ = form.award.data or None, form.round.data or None
    done = _("The award is recorded.")
    return _act(done, lambda s: service.set_award(s, actor, origin(), reuse_id, award, round_))

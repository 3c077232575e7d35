"""The sandbox's pages.

The holder's (``/account/applications/<reference>/sandbox``): the granted tables and their
columns, the threshold k, a query form, the answer or the refusal in words, the query log, a
button to submit a result for export and, once approved, to download it once.

The reviewer's (``/review/sandbox-exports``): the exports waiting in the departments the
person reviews, and each one with its query, its result and row counts, the grant's query log
(so that a series of queries that differ by a few rows shows), and approve / reject.

Every page asks :mod:`catalog.sandbox.service` (and, through it, :func:`catalog.access.
active_grant`): an application of another person is not told apart from none (404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from catalog.accounts.models import User
from catalog.applications import acts
from catalog.applications.delivery import NotGranted
from catalog.applications.models import ACTIVE, Application, Grant
from catalog.db import utcnow
from catalog.errors import CatalogError, NotFound
from catalog.permissions import Actor, acting_departments
from catalog.sandbox import service
from catalog.sandbox.models import SandboxExport, SandboxQuery
from portal import auth, sandboxing
from portal.applications.forms import PlainForm
from portal.db import get_session
from portal.review import notices
from portal.sandbox import messages

bp = Blueprint("sandbox", __name__)
REFERENCE = "<string(maxlength=24):reference>"
ID = "<int(max=2147483647):{}>"


class QueryForm(FlaskForm):
    sql = TextAreaField("sql", validators=[Length(max=service.MAX_SQL_CHARS)])


class ExportDecisionForm(FlaskForm):
    reason = TextAreaField("reason", validators=[Length(max=service.MAX_REASON)])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"refusal_message": messages.refusal_message,
            "export_state_label": messages.export_state_label}  # fmt: skip


def _actor() -> Actor:
    actor = auth.session_actor()
    if not actor.authenticated:
        abort(redirect(url_for(auth.SIGN_IN, next=request.full_path.rstrip("?"))))
    return actor


def _own(actor: Actor, reference: str) -> Application:
    """One of the person's own applications with a grant (404 for anything else)."""
    try:
        application = acts.get_application(get_session(), actor, reference)
    except NotFound:
        abort(404)
    if application.user_id != actor.user_id or application.grant is None:
        abort(404)
    return application


def _done(act: Callable[[], object]) -> bool:
    """Run and commit ``act``; False after a refusal flashed in words (404 for one not found)."""
    session = get_session()
    try:
        act()
        session.commit()
    except CatalogError as error:
        session.rollback()
        if isinstance(error, NotFound):
            abort(404)
        flash(messages.refusal_message(error.code), "error")
        return False
    return True


# --- the holder's page ------------------------------------------------------------------------


@bp.route(f"/account/applications/{REFERENCE}/sandbox", methods=["GET", "POST"])
def page(reference: str) -> Any:
    actor = _actor()
    application = _own(actor, reference)
    form = QueryForm()
    ran: service.Ran | None = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(messages.refusal_message("query-too-long"), "error")
            status = 422
        else:
            ran, status = _run(actor, application, form.sql.data or "")
    return _page(actor, application, form, ran), status


def _run(actor: Actor, application: Application, sql: str) -> tuple[service.Ran | None, int]:
    session = get_session()
    assert application.grant is not None
    try:
        ran = sandboxing.run(session, actor, application.grant.id, sql, auth.origin())
        session.commit()
    except sandboxing.RateLimited as error:
        session.rollback()
        flash(_("Too many queries a minute under this grant: wait %(seconds)s seconds.",
                seconds=error.retry_after), "error")  # fmt: skip
        return None, 429
    except CatalogError as error:
        session.rollback()
        flash(messages.refusal_message(error.code), "error")
        return None, 403 if isinstance(error, NotGranted) else 422
    return ran, 200 if ran.result is not None else 422


def _page(actor: Actor, application: Application, form: QueryForm, ran: service.Ran | None) -> str:
    session = get_session()
    grant = application.grant
    assert grant is not None
    dataset = acts.dataset_of(session, application)
    opened: service.Opened | None = None
    tables: list[service.Table] = []
    problem: str | None = None
    try:
        opened, tables = sandboxing.tables(session, actor, grant.id)
    except CatalogError as error:  # ended, revoked, another channel, a broken file
        session.rollback()
        problem = messages.refusal_message(error.code)
    return render_template(
        "sandbox/page.html",
        application=application,
        dataset=dataset,
        grant=grant,
        active=grant.state == ACTIVE and grant.ends_at > utcnow(),
        opened=opened,
        tables=tables,
        problem=problem,
        form=form,
        ran=ran,
        queries=service.own_queries(session, actor, grant),
        plain=PlainForm(),
        limits=sandboxing.sessions().limits,
    )


@bp.post(f"/account/applications/{REFERENCE}/sandbox/queries/{ID.format('query_id')}/export")
def request_export(reference: str, query_id: int) -> Response:
    actor = _actor()
    application = _own(actor, reference)
    session = get_session()
    assert application.grant is not None
    back = redirect(url_for("sandbox.page", reference=reference) + "#queries", 303)
    if not PlainForm().validate_on_submit():
        abort(400)
    grant_id = application.grant.id
    if not _done(lambda: service.request_export(session, actor, grant_id, query_id, utcnow(),
                                                auth.origin())):  # fmt: skip
        return back
    flash(_("The result was submitted for review. Once approved, it can be downloaded once."),
          "ok")  # fmt: skip
    return back


@bp.post(f"/account/applications/{REFERENCE}/sandbox/exports/{ID.format('export_id')}/download")
def download(reference: str, export_id: int) -> Response:
    actor = _actor()
    application = _own(actor, reference)
    session = get_session()
    assert application.grant is not None
    if not PlainForm().validate_on_submit():
        abort(400)
    grant_id, got = application.grant.id, []
    if not _done(lambda: got.append(service.download_export(
        session, actor, grant_id, export_id, utcnow(), auth.origin()
    ))):  # fmt: skip
        return redirect(url_for("sandbox.page", reference=reference) + "#queries", 303)
    download = got[0]
    response = Response(download.content, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{download.file_name}"'
    response.headers["X-Delivery-Id"] = download.export.delivery_id or ""
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the reviewer's pages ---------------------------------------------------------------------


@bp.get("/review/sandbox-exports")
def queue() -> str:
    actor = _actor()
    session = get_session()
    rows = service.exports_to_review(session, actor)
    if not rows and not _reviews(actor):
        abort(403)
    return render_template("sandbox/queue.html", rows=rows)


def _reviews(actor: Actor) -> bool:
    return bool(acting_departments(get_session(), actor, "application.review"))


@bp.get(f"/review/sandbox-exports/{ID.format('export_id')}")
def export_detail(export_id: int) -> str:
    return _export_page(_actor(), export_id, ExportDecisionForm(formdata=None))


def _export_page(actor: Actor, export_id: int, form: ExportDecisionForm) -> str:
    session = get_session()
    try:
        export, _role = service.get_export(session, actor, export_id)
    except NotFound:
        abort(404)
    query: SandboxQuery = export.query
    grant = session.get(Grant, export.grant_id)
    assert grant is not None
    application = grant.application
    dataset = acts.dataset_of(session, application)
    return render_template(
        "sandbox/export.html",
        export=export,
        query=query,
        grant=grant,
        application=application,
        dataset=dataset,
        holder=session.get(User, grant.user_id),
        log=service.grant_queries(session, actor, grant),
        form=form,
    )


@bp.post(f"/review/sandbox-exports/{ID.format('export_id')}/<any(approve, reject):decision>")
def decide(export_id: int, decision: str) -> Response:
    actor = _actor()
    session = get_session()
    form = ExportDecisionForm()
    back = redirect(url_for("sandbox.export_detail", export_id=export_id), 303)
    if not form.validate_on_submit():
        flash(_("The reason is at most 2,000 characters."), "error")
        return back
    approve, reason = decision == "approve", form.reason.data
    if not _done(lambda: service.decide_export(session, actor, export_id, approve, reason,
                                               utcnow(), auth.origin())):  # fmt: skip
        return back
    flash(_("Export approved: the holder may download it once.") if decision == "approve"
          else _("Export rejected; the holder sees the reason."), "ok")  # fmt: skip
    _tell_holder(export_id, approve, reason)
    return redirect(url_for("sandbox.queue"), 303)


def _tell_holder(export_id: int, approved: bool, reason: str | None) -> None:
    """Mail the holder the decision, once it is committed."""
    session = get_session()
    export = session.get(SandboxExport, export_id)
    grant = session.get(Grant, export.grant_id) if export is not None else None
    if grant is None:
        return
    holder = session.get(User, grant.user_id)
    if holder is not None:
        application = grant.application
        notices.export_decision(holder, application, acts.dataset_of(session, application),
                                approved, reason)  # fmt: skip

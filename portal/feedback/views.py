"""The loop's pages.

- ``/dataset/<id>/feedback/new``: anyone reports a problem (CSRF, rate-limited per client at
  ``FEEDBACK_RATE``, honeypot and signed timestamp; refused forms come back filled in);
- ``/dataset/<id>/feedback`` and ``/feedback/<reference>``: the public tracker (no contact, no
  name; a privacy concern's text is not repeated);
- ``/feedback/<reference>/follow/<token>``: the reporter's secret link, to confirm the
  correction or say it is not fixed (also from ``/feedback/<reference>`` when signed in as the
  account that reported, and ``/account/feedback``);
- ``/workbench/feedback``: the department's reports, limits, overdue flags and actions.

Every act is :mod:`catalog.feedback.acts`' (which checks the person and the state table and
writes the history and audit rows); the view reads the form, commits, and tells the reporter.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from limits import parse_many
from werkzeug.wrappers import Response

from catalog import queries as catalog_queries
from catalog.db import utcnow
from catalog.errors import CatalogError, NotFound
from catalog.feedback import acts, queries, states
from catalog.feedback.models import ProblemReport
from catalog.models import Dataset
from catalog.permissions import Actor
from catalog.publishing.acts import Forbidden
from catalog.workdays import beijing_day
from portal import auth
from portal.db import get_session
from portal.feedback import messages, notices
from portal.feedback.forms import NoteForm, ReportForm, form_stamp, stamp_problem

bp = Blueprint("feedback", __name__)
REFERENCE = "<string(maxlength=24):reference>"
DEFAULT_RATE = "5 per minute;30 per day"
DEPARTMENT_EVENTS = frozenset({"accept", "reject", "extend", "start_correction", "publish"})
REPORTER_EVENTS = frozenset({"confirm", "reopen"})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(feedback_open_count=_open_count)


def _open_count(dataset: Dataset) -> int:
    return queries.open_count(get_session(), dataset.id, utcnow())


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "kind_label": messages.kind_label,
        "feedback_state_label": messages.state_label,
        "feedback_event_label": messages.event_label,
        "feedback_action_label": messages.action_label,
        "feedback_role_label": messages.role_label,
    }


def _dataset(id_or_slug: str) -> Dataset:
    found = catalog_queries.get_public_dataset(get_session(), id_or_slug)
    if found is None:
        abort(404)
    return found


def _report(reference: str) -> tuple[ProblemReport, Dataset]:
    """A report of a public dataset (settled and committed), or 404."""
    db = get_session()
    try:
        report = acts.get_report(db, reference, utcnow())
    except NotFound:
        abort(404)
    dataset = catalog_queries.get_public_dataset(db, report.dataset_id)
    if dataset is None:
        abort(404)
    db.commit()
    return report, dataset


def _spent() -> bool:
    """Count one report post of this client; False past ``FEEDBACK_RATE``."""
    limiter = current_app.extensions["gxdata_limiter"].limiter
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "gxdata")
    rate = current_app.config.get("FEEDBACK_RATE") or DEFAULT_RATE
    return all(limiter.hit(item, prefix, "feedback-report", auth.client())
               for item in parse_many(rate))  # fmt: skip


def _form_page(dataset: Dataset, form: ReportForm, status: int = 200) -> tuple[str, int]:
    form.stamp.data = form_stamp()
    return render_template("feedback/new.html", dataset=dataset, form=form), status


@bp.route("/dataset/<id_or_slug>/feedback/new", methods=["GET", "POST"])
def new(id_or_slug: str) -> Any:
    dataset = _dataset(id_or_slug)
    form = ReportForm()
    form.fill_choices(dataset, _("The whole dataset"))
    if request.method == "GET":
        for name in ("distribution_id", "row_ref", "column_ref"):
            getattr(form, name).data = request.args.get(name, "")[:100]
        return _form_page(dataset, form)
    if not _spent():
        flash(messages.error_message("rate-limited"), "error")
        return _form_page(dataset, form, 429)
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _form_page(dataset, form, 400)
    problem = "honeypot" if form.website.data else stamp_problem(form.stamp.data)
    if problem is not None:
        flash(messages.error_message(problem), "error")
        return _form_page(dataset, form, 400)
    db = get_session()
    try:
        report, token = acts.report_problem(db, auth.session_actor(), dataset, form.values(),
                                            auth.origin(), utcnow())  # fmt: skip
    except CatalogError as error:
        db.rollback()
        _mark(form, error)
        return _form_page(dataset, form, 400)
    db.commit()
    follow = url_for("feedback.follow", reference=report.reference, token=token)
    notices.received(report, dataset, follow)
    work = url_for("feedback.work_item", reference=report.reference)
    notices.to_department(queries.handlers_of(db, report.department_id), report, dataset, work)
    flash(_("Thank you: your report was received. Keep this page's address: it is your link "
            "to follow the report and confirm the correction."), "success")  # fmt: skip
    return redirect(follow, 303)


def _mark(form: Any, error: CatalogError) -> None:
    text = messages.error_message(error)
    field = getattr(form, error.field or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, text]
    flash(text, "error")


@bp.get("/dataset/<id_or_slug>/feedback")
def tracker(id_or_slug: str) -> str:
    dataset = _dataset(id_or_slug)
    db = get_session()
    reports = queries.tracker(db, dataset, utcnow())
    db.commit()
    return render_template("feedback/tracker.html", dataset=dataset, reports=reports,
                           files={d.id: d.title for d in dataset.distributions})  # fmt: skip


def _detail(report: ProblemReport, dataset: Dataset, token: str | None) -> str:
    actor = auth.session_actor()
    reporter = acts.is_reporter(report, actor, token)
    form = NoteForm(token=token or "")
    return render_template(
        "feedback/detail.html",
        dataset=dataset,
        report=queries.public_view(report, beijing_day(utcnow())),
        files={d.id: d.title for d in dataset.distributions},
        reporter=reporter,
        reporter_events=states.next_events(report.state, states.REPORTER) if reporter else [],
        form=form,
        handles=acts.may_handle(get_session(), actor, report),
    )


@bp.get(f"/feedback/{REFERENCE}")
def detail(reference: str) -> str:
    report, dataset = _report(reference)
    return _detail(report, dataset, None)


@bp.get(f"/feedback/{REFERENCE}/follow/<string(maxlength=64):token>")
def follow(reference: str, token: str) -> str:
    report, dataset = _report(reference)
    if not acts.is_reporter(report, token=token):
        abort(404)
    return _detail(report, dataset, token)


@bp.post(f"/feedback/{REFERENCE}/answer/<any(confirm, reopen):event>")
def answer(reference: str, event: str) -> Response:
    report, dataset = _report(reference)
    form = NoteForm()
    token = form.token.data or None
    back = (url_for("feedback.follow", reference=reference, token=token) if token
            else url_for("feedback.detail", reference=reference))  # fmt: skip
    if not form.validate_on_submit():
        flash(messages.error_message("note-too-long"), "error")
        return redirect(back, 303)
    db = get_session()
    try:
        acts.answer_as_reporter(
            db, report, event, auth.origin(), utcnow(),
            actor=auth.session_actor(), token=token, note=form.note.data,
        )  # fmt: skip
    except CatalogError as error:
        db.rollback()
        if isinstance(error, Forbidden):
            abort(403)
        flash(messages.error_message(error), "error")
        return redirect(back, 303)
    db.commit()
    flash(_("Thank you: your answer was recorded."), "success")
    return redirect(back, 303)


def _signed_in() -> Actor:
    actor = auth.session_actor()
    if not actor.authenticated:
        abort(redirect(url_for(auth.SIGN_IN, next=request.full_path.rstrip("?"))))
    return actor


@bp.get("/account/feedback")
def mine() -> str:
    actor = _signed_in()
    db = get_session()
    reports = queries.reports_of(db, actor.user_id or 0, utcnow())
    db.commit()
    return render_template("feedback/mine.html", reports=reports,
                           today=beijing_day(utcnow()), is_overdue=queries.is_overdue)  # fmt: skip


@bp.get("/workbench/feedback")
def workbench() -> str:
    actor = _signed_in()
    db = get_session()
    settled = request.args.get("all") == "1"
    items = queries.workbench(db, actor, utcnow(), include_settled=settled)
    db.commit()
    return render_template("feedback/workbench.html", items=items, settled=settled)


@bp.route(f"/workbench/feedback/{REFERENCE}", methods=["GET"])
def work_item(reference: str) -> str:
    actor = _signed_in()
    report, dataset = _report(reference)
    if not acts.may_handle(get_session(), actor, report):
        abort(404)
    today = beijing_day(utcnow())
    return render_template(
        "feedback/work_item.html",
        report=report,
        dataset=dataset,
        overdue=queries.is_overdue(report, today),
        actions=queries.department_actions(report, today),
        form=NoteForm(),
        files={d.id: d.title for d in dataset.distributions},
    )


@bp.post(f"/workbench/feedback/{REFERENCE}/<string(maxlength=30):event>")
def act(reference: str, event: str) -> Response:
    actor = _signed_in()
    if event not in DEPARTMENT_EVENTS:
        abort(404)
    report, dataset = _report(reference)
    if not acts.may_handle(get_session(), actor, report):
        abort(404)
    form = NoteForm()
    back = url_for("feedback.work_item", reference=reference)
    if not form.validate_on_submit():
        flash(messages.error_message("note-too-long"), "error")
        return redirect(back, 303)
    db = get_session()
    try:
        acts.handle(db, actor, report, event, auth.origin(), utcnow(), form.note.data)
    except CatalogError as error:
        db.rollback()
        flash(messages.error_message(error), "error")
        return redirect(back, 303)
    db.commit()
    notices.answered(report, dataset, url_for("feedback.detail", reference=reference))
    flash(messages.event_label(event), "success")
    return redirect(back, 303)

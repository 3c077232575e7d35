"""The reviewer's pages of applications for conditional data (``/review/applications``).

Every page asks :mod:`catalog.applications` and nothing else: :func:`~catalog.applications.
acts.get_application` hides an application of another department (404), :func:`~catalog.
applications.acts.roles_on` says whether the person reviews it, :func:`~catalog.applications.
acts.next_events` which buttons to show, and the services refuse what the table of
transitions does not allow. The view commits, mails the applicant once the decision is
committed, and turns a refusal into a message in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from catalog import conditions, verification
from catalog.accounts.models import ADMIN, REVIEWER, User
from catalog.applications import acts, grants, oversight, queries, states
from catalog.applications.models import Application, Grant
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.errors import CatalogError, NotFound
from catalog.models import Dataset
from catalog.permissions import Actor, acting_departments
from catalog.sandbox import service as sandbox_service
from catalog.sandbox.models import SandboxQuery
from catalog.workdays import beijing_day
from portal import auth
from portal.db import get_session, services
from portal.review import messages, notices
from portal.review.forms import DecisionForm

bp = Blueprint("review", __name__, url_prefix="/review")
REFERENCE = "<string(maxlength=24):reference>"

Act = Callable[[Session, Actor, Application, str | None, Origin, datetime], object]


def _revoke(s: Session, a: Actor, app: Application, reason: str | None, o: Origin,
            now: datetime) -> object:  # fmt: skip
    if app.grant is None:
        raise CatalogError("no grant to revoke", code="impossible-transition")
    return grants.revoke(s, a, app.grant, reason or "", o, now)


ACTS: dict[str, Act] = {  # the reviewer's buttons, each a service
    states.START_REVIEW: lambda s, a, app, _r, o, now: acts.start_review(s, a, app, o, now),
    states.REQUEST_INFO: lambda s, a, app, r, o, now: acts.request_info(s, a, app, r or "", o, now),
    states.APPROVE: lambda s, a, app, r, o, now: grants.approve(s, a, app, o, now, r),
    states.REJECT: lambda s, a, app, r, o, now: acts.reject(s, a, app, r or "", o, now),
    states.REVOKE: _revoke,
}


@bp.app_context_processor
def _header_links() -> dict[str, Any]:
    """``reviews_applications()`` for the workspace's links: asked only when drawn."""

    def reviews_applications() -> bool:
        actor = auth.session_actor()
        if not actor.authenticated:
            return False
        with services().session_factory() as db:
            return bool(acting_departments(db, actor, "application.review"))

    return {"reviews_applications": reviews_applications}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"labels": messages}


def today() -> date:
    return beijing_day(utcnow())


def _actor() -> Actor:
    """The person signed in (pages trust the browser session only); nobody signs in first."""
    actor = auth.session_actor()
    if not actor.authenticated:
        abort(redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?"))))
    return actor


def _reviewed(actor: Actor, reference: str) -> tuple[Application, list[str]]:
    """The application, if ``actor`` reviews it (or administers); else 404, as if absent."""
    session = get_session()
    try:
        application = acts.get_application(session, actor, reference)
    except NotFound:
        abort(404)
    roles = acts.roles_on(session, actor, application)
    if REVIEWER not in roles and ADMIN not in roles:
        abort(404)
    return application, roles


@bp.get("/applications")
def queue() -> str:
    """The applications waiting in the reviewer's departments, then their active grants whose
    usage report is overdue (使用情况报告逾期)."""
    actor = _actor()
    session = get_session()
    departments = acting_departments(session, actor, "application.review")
    if not departments:
        abort(403)
    day, now = today(), utcnow()
    rows = queries.reviewer_queue(session, actor, day)
    reports = queries.overdue_reports(session, now, departments)
    applicants = [row.applicant for row in rows] + [item.applicant for item in reports]
    return render_template(
        "review/queue.html", rows=rows, today=day, people=_people(session, applicants),
        days_left=oversight.days_left, reports=reports, now=now,
    )  # fmt: skip


def _people(session: Session, users: list[User]) -> dict[int, list[oversight.Identifier]]:
    names = oversight.department_names(session)
    return {user.id: oversight.identifiers(user, names) for user in users}


@bp.get(f"/applications/{REFERENCE}")
def detail(reference: str) -> str:
    actor = _actor()
    session = get_session()
    application, roles = _reviewed(actor, reference)
    dataset = acts.dataset_of(session, application)
    applicant = session.get(User, application.user_id)
    events = [e for e in acts.next_events(session, actor, application) if e in ACTS]
    day = today()
    limit, overdue = oversight.limit_of(application, day)
    grant = application.grant
    return render_template(
        "review/detail.html",
        application=application,
        dataset=dataset,
        applicant=applicant,
        identifiers=oversight.identifiers(applicant, oversight.department_names(session))
        if applicant else [],
        stated=conditions.stated(dataset),
        distributions=[d for d in dataset.distributions if d.id in application.distribution_ids],
        events=events,
        needs_reason={e: _reason_required(application.state, e) for e in events},
        may_download=REVIEWER in roles,
        form=DecisionForm(formdata=None),
        today=day,
        limit=limit,
        overdue=overdue,
        days_left=oversight.days_left,
        reports=grant.reports if grant else [],
        report_status=queries.report_status(session, grant, utcnow()) if grant else None,
        verifications=verification.shown_statistics(session, actor, grant, dataset),
        sandbox_log=_sandbox_log(session, actor, grant, dataset),
    )  # fmt: skip


def _sandbox_log(
    session: Session, actor: Actor, grant: Grant | None, dataset: Dataset
) -> list[SandboxQuery] | None:
    """The grant's sandbox queries, for a grant of the sandbox channel."""
    stated = conditions.of(dataset.conditions)
    if grant is None or stated is None or stated.delivery_channel != conditions.SANDBOX:
        return None
    return sandbox_service.grant_queries(session, actor, grant)


def _reason_required(state: str, event: str) -> bool:
    row = states.find(state, event)
    return row is not None and row.reason_required


@bp.get(f"/applications/{REFERENCE}/attachments/<int(max=2147483647):attachment_id>")
def attachment(reference: str, attachment_id: int) -> Response:
    """An attachment, for a reviewer of the application's department only: always as a
    download, typed as its content was checked when attached, never sniffed."""
    application, roles = _reviewed(_actor(), reference)
    if REVIEWER not in roles:
        abort(404)
    found = next((a for a in application.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    path = services().files.path(found.file_key)
    response = send_file(
        path, mimetype=found.media_type, as_attachment=True, download_name=found.name,
        conditional=False, max_age=0,
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post(f"/applications/{REFERENCE}/<event>")
def decide(reference: str, event: str) -> Response:
    act = ACTS.get(event)
    if act is None:
        abort(404)
    actor = _actor()
    session = get_session()
    application, _roles = _reviewed(actor, reference)
    form = DecisionForm()
    back = redirect(url_for("review.detail", reference=reference), 303)
    if not form.validate_on_submit():
        flash(messages.error_message(CatalogError("", code="reason-too-long")), "error")
        return back
    reason = (form.reason.data or "").strip() or None
    try:
        act(session, actor, application, reason, auth.origin(), utcnow())
        session.commit()
    except CatalogError as error:
        session.rollback()
        flash(messages.error_message(error), "error")
        return back
    flash(_done(event), "ok")
    _tell_applicant(session, application, event, reason)
    return back


def _done(event: str) -> str:
    return {
        states.START_REVIEW: _("The review has started."),
        states.REQUEST_INFO: _("More information was requested; the applicant is told by mail."),
        states.APPROVE: _("Approved: the grant is active; the applicant is told by mail."),
        states.REJECT: _("Rejected; the applicant is told by mail."),
        states.REVOKE: _(
            "The grant is revoked: downloads stop at once; the applicant is told by mail."
        ),
    }[event]


def _tell_applicant(
    session: Session, application: Application, event: str, reason: str | None
) -> None:
    applicant = session.get(User, application.user_id)
    dataset = session.get(Dataset, application.dataset_id)
    if applicant is not None and dataset is not None:
        notices.decision(applicant, application, dataset, event, reason)

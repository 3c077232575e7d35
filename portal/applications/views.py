"""The applicant's pages: apply from a conditional dataset's page, follow one's applications
(state, time limit, history, attachments), answer a request for more information, withdraw,
download granted files through short-lived signed links, ask the verification questions of a
grant of the verification channel (:mod:`portal.applications.verifying`), file usage reports,
close a grant.

Every act is :mod:`catalog.applications`' (which checks the person, the state table and the
conditions, and writes the history and audit rows); the view reads the form, commits, and
turns a refusal into a message with everything typed kept. Pages trust the browser session
only; a person signed out is sent to the sign-in page and back.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalog import queries, verification
from catalog.accounts.models import User
from catalog.applications import acts, grants, states
from catalog.applications import queries as application_queries
from catalog.applications.acts import MAX_ATTACHMENT, conditions_of
from catalog.applications.delivery import NotGranted
from catalog.applications.models import ACTIVE, Application
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.errors import CatalogError, NotFound
from catalog.models import Dataset
from catalog.permissions import Actor
from catalog.publishing.acts import Forbidden
from portal import auth
from portal.applications import links, messages, notices, verifying
from portal.applications.delivering import masked_copy
from portal.applications.forms import (
    ApplicationForm,
    PlainForm,
    ReportForm,
    application_data,
)
from portal.db import get_session, services

bp = Blueprint("applications", __name__)
FORM_OVERHEAD = 64 * 1024  # the form's other fields and the multipart boundaries
UPLOADING = frozenset({"applications.apply", "applications.edit"})
MAX_QUESTION = 16 * 1024  # a verification question's form, as the API's body
APPLICANT_EVENTS = ("submit", "resubmit", "withdraw", "close")  # the buttons of this side


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        application_counts=_counts,
        application_state_label=messages.state_label,
    )


def _counts(dataset: Dataset) -> application_queries.PublicCounts:
    """The public figures of a conditional dataset's applications (numbers only)."""
    return application_queries.public_counts(get_session(), dataset, utcnow())


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "state_label": messages.state_label,
        "event_label": messages.event_label,
        "role_label": messages.role_label,
    }


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: Any) -> None:
    """A request longer than one attachment (a verification question: 16 KiB) is refused (413)
    from its length, before its body is read (URL preprocessors run before the CSRF check
    reads the form)."""
    if endpoint in UPLOADING:
        request.max_content_length = MAX_ATTACHMENT + FORM_OVERHEAD
    elif endpoint == "applications.verify":
        request.max_content_length = MAX_QUESTION


def _actor() -> Actor:
    actor = auth.session_actor()
    if not actor.authenticated:
        abort(redirect(url_for(auth.SIGN_IN, next=request.full_path.rstrip("?"))))
    return actor


def _origin() -> Origin:
    return auth.origin()


def _conditional(id_or_slug: str) -> Dataset:
    dataset = queries.get_public_dataset(get_session(), id_or_slug)
    if dataset is None:
        abort(404)
    try:
        conditions_of(dataset)
    except CatalogError:
        abort(404)
    return dataset


def _own(actor: Actor, reference: str) -> Application:
    """One of the person's own applications (another's is not told apart from none)."""
    try:
        application = acts.get_application(get_session(), actor, reference)
    except NotFound:
        abort(404)
    if application.user_id != actor.user_id:
        abort(404)
    return application


def _refused(form: Any, error: CatalogError) -> None:
    get_session().rollback()
    if isinstance(error, Forbidden):
        abort(403)
    field = getattr(form, error.field or "", None) if form is not None else None
    text = messages.error_message(error)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, text]
    flash(text, "error")


# --- applying ------------------------------------------------------------------------------


@bp.route("/dataset/<id_or_slug>/apply", methods=["GET", "POST"])
def apply(id_or_slug: str) -> Any:
    actor = _actor()
    dataset = _conditional(id_or_slug)
    stated = conditions_of(dataset)
    form = ApplicationForm()
    form.fill_choices(dataset, stated)
    if form.validate_on_submit():
        session = get_session()
        try:
            application = acts.create_application(session, actor, dataset, form.values(), _origin())
            return _save(form, application)
        except CatalogError as error:
            _refused(form, error)
    status = 422 if request.method == "POST" else 200
    return _form_page(dataset, stated, form, None), status


@bp.route("/account/applications/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str) -> Any:
    actor = _actor()
    application = _own(actor, reference)
    dataset = acts.dataset_of(get_session(), application)
    if application.state not in acts.EDITABLE:
        flash(messages.error_message(CatalogError("", code="not-editable")), "error")
        return redirect(url_for("applications.detail", reference=reference))
    stated = conditions_of(dataset)
    data = None if request.method == "POST" else application_data(application)
    form = ApplicationForm(data=data)
    form.fill_choices(dataset, stated)
    if form.validate_on_submit():
        try:
            acts.update_application(get_session(), actor, application, form.values(), _origin())
            return _save(form, application)
        except CatalogError as error:
            _refused(form, error)
        application = _own(actor, reference)  # as stored: nothing was saved
    status = 422 if request.method == "POST" else 200
    return _form_page(dataset, stated, form, application), status


def _save(form: ApplicationForm, application: Application) -> Response:
    """Attach the file sent, then submit (or resubmit) if asked, and commit; a refusal rolls
    everything back (raised to the caller)."""
    session, actor = get_session(), _actor()
    sent = form.file.data
    if sent is not None and sent.filename:
        acts.add_attachment(
            session, actor, application, services().files, stream=sent.stream,
            file_name=sent.filename, origin=_origin(),
        )  # fmt: skip
    sending = request.form.get("action") == "submit"
    if sending:
        _send(actor, application)
    session.commit()
    if sending:
        _receipt(application)
        flash(_("Your application is submitted."), "ok")
        return redirect(url_for("applications.detail", reference=application.reference))
    flash(_("Saved as a draft."), "ok")
    return redirect(url_for("applications.edit", reference=application.reference))


def _send(actor: Actor, application: Application) -> None:
    """Submit a draft, or resubmit an application asked for more information."""
    again = application.state == states.MORE_INFO_REQUESTED
    (acts.resubmit if again else acts.submit)(get_session(), actor, application, _origin())


def _posted(reference: str) -> tuple[Actor, Application]:
    """The person and their application, for a button's post (its CSRF token checked)."""
    actor = _actor()
    application = _own(actor, reference)
    if not PlainForm().validate_on_submit():
        abort(400)
    return actor, application


def _receipt(application: Application) -> None:
    session = get_session()
    user = session.get(User, application.user_id)
    if user is not None:
        notices.receipt(user, application, acts.dataset_of(session, application))


def _form_page(
    dataset: Dataset, stated: Any, form: ApplicationForm, application: Application | None
) -> str:
    return render_template(
        "applications/apply.html",
        dataset=dataset,
        stated=stated,
        form=form,
        application=application,
        max_attachment=MAX_ATTACHMENT,
    )


# --- following one's applications ----------------------------------------------------------


@bp.get("/account/applications")
def mine() -> str:
    actor = _actor()
    session = get_session()
    rows = [
        (application, acts.dataset_of(session, application))
        for application in application_queries.own_applications(session, actor)
    ]
    return render_template("applications/list.html", rows=rows)


@bp.get("/account/applications/<reference>")
def detail(reference: str) -> str:
    return _detail_page(reference)


def _detail_page(
    reference: str, report: ReportForm | None = None, asked: verifying.Asked | None = None
) -> str:
    actor = _actor()
    session = get_session()
    application = _own(actor, reference)
    dataset = acts.dataset_of(session, application)
    grant = application.grant
    active = grant is not None and grant.state == ACTIVE and grant.ends_at > utcnow()
    events = acts.next_events(session, actor, application)
    return render_template(
        "applications/detail.html",
        application=application,
        dataset=dataset,
        history=acts.history(session, actor, application),
        buttons=[event for event in APPLICANT_EVENTS if event in events],
        grant=grant,
        active=active,
        plain=PlainForm(),
        report=report or ReportForm(formdata=None),
        verifications=verification.shown_statistics(session, actor, grant, dataset),
        question=verifying.question_form(dataset, formdata=None) if active else None,
        call_rate=verifying.call_rate(dataset),
        asked=asked,
        answer_label=messages.answer_label,
        answer_meaning=messages.answer_meaning,
    )


@bp.post("/account/applications/<reference>/withdraw")
def withdraw(reference: str) -> Response:
    actor, application = _posted(reference)
    try:
        acts.withdraw(get_session(), actor, application, _origin())
        get_session().commit()
    except CatalogError as error:
        _refused(None, error)
    else:
        flash(_("Your application is withdrawn."), "ok")
    return redirect(url_for("applications.detail", reference=reference))


@bp.post("/account/applications/<reference>/submit")
def submit(reference: str) -> Response:
    """Send a draft (or an answered request for information) as it is stored."""
    actor, application = _posted(reference)
    try:
        _send(actor, application)
        get_session().commit()
    except CatalogError as error:
        _refused(None, error)
        return redirect(url_for("applications.edit", reference=reference))
    _receipt(application)
    flash(_("Your application is submitted."), "ok")
    return redirect(url_for("applications.detail", reference=reference))


@bp.get("/account/applications/<reference>/attachments/<int:attachment_id>")
def attachment(reference: str, attachment_id: int) -> Response:
    application = _own(_actor(), reference)
    found = next((a for a in application.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    response = send_file(
        services().files.path(found.file_key), mimetype=found.media_type, as_attachment=True,
        download_name=found.name, conditional=False, etag=False, max_age=0,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- using a grant -------------------------------------------------------------------------


@bp.post("/account/applications/<reference>/files/<distribution_id>/link")
def issue_link(reference: str, distribution_id: str) -> Response:
    """A fresh signed link to a granted file, valid ten minutes, followed at once."""
    actor, application = _posted(reference)
    grant = application.grant
    if grant is None or distribution_id not in grant.distribution_ids:
        abort(404)
    assert actor.user_id is not None
    claim = links.LinkClaim(grant.id, distribution_id, actor.user_id)
    token = links.sign(current_app.config["SECRET_KEY"], claim)
    target = url_for(
        "applications.download", grant_id=grant.id, distribution_id=distribution_id, t=token
    )
    return redirect(target, 303)


@bp.post("/account/applications/<reference>/files/<distribution_id>/verify")
def verify(reference: str, distribution_id: str) -> Response:
    """One verification question of a granted file; the page again, with the answer (or the
    refusal) beside the file's form and the inputs empty."""
    actor, application = _posted(reference)
    grant = application.grant
    if grant is None or distribution_id not in grant.distribution_ids:
        abort(404)
    form = verifying.question_form(acts.dataset_of(get_session(), application))
    question = form.question() if form is not None else {}
    asked = verifying.ask(actor, grant, distribution_id, question, _origin())
    response = make_response(_detail_page(reference, asked=asked), asked.status)
    response.headers["Cache-Control"] = "private, no-store"
    if asked.retry_after is not None:
        response.headers["Retry-After"] = str(asked.retry_after)
    return response


@bp.get("/grants/<grant_id>/files/<distribution_id>")
def download(grant_id: str, distribution_id: str) -> Any:
    """The masked copy behind a signed link: the signature, the person and the grant (now)
    are all checked on every use."""
    actor = _actor()
    try:
        claim = links.check(
            current_app.config["SECRET_KEY"], request.args.get("t", ""), grant_id, distribution_id
        )
    except links.LinkExpired:
        return _link_refused("expired-link", grant_id)
    except links.LinkInvalid:
        return _link_refused("invalid-link", grant_id)
    if claim.user_id != actor.user_id:
        return _link_refused("not-yours", None)
    try:
        return masked_copy(actor, grant_id, distribution_id, _origin())
    except NotGranted:
        return _link_refused("no-grant", grant_id)
    except CatalogError as error:
        return _link_refused(error.code, grant_id)


def _link_refused(reason: str, grant_id: str | None) -> tuple[str, int]:
    reference = None
    if grant_id is not None:
        application = get_session().scalar(
            select(Application).where(
                Application.grant.has(id=grant_id[:32]),
                Application.user_id == auth.session_actor().user_id,
            )
        )
        reference = application.reference if application is not None else None
    page = render_template("applications/refused.html", reason=reason, reference=reference)
    return page, 403


@bp.post("/account/applications/<reference>/report")
def report(reference: str) -> Any:
    return _file_report(reference, closing=False)


@bp.route("/account/applications/<reference>/close", methods=["GET", "POST"])
def close(reference: str) -> Any:
    """Closing a grant files a final usage report and closes it, in one go."""
    if request.method == "GET":
        application = _own(_actor(), reference)
        return render_template(
            "applications/close.html", application=application, report=ReportForm()
        )
    return _file_report(reference, closing=True)


def _file_report(reference: str, closing: bool) -> Any:
    actor = _actor()
    application = _own(actor, reference)
    form = ReportForm()
    grant = application.grant
    if grant is None:
        abort(404)
    if form.validate_on_submit():
        session = get_session()
        try:
            grants.file_usage_report(
                session, actor, grant, what_built=form.what_built.data or "",
                results=form.results.data or "", problems=form.problems.data,
                final=closing or bool(form.final.data), origin=_origin(),
            )  # fmt: skip
            if closing:
                grants.close(session, actor, grant, _origin())
            session.commit()
        except CatalogError as error:
            _refused(form, error)
        else:
            flash(_("The grant is closed.") if closing else _("Your report is filed."), "ok")
            return redirect(url_for("applications.detail", reference=reference))
    if closing:
        application = _own(actor, reference)
        page = render_template("applications/close.html", application=application, report=form)
        return page, 422
    return _detail_page(reference, report=form), 422

"""The data requests' pages.

- ``/datarequests``: every request, filtered by state, sorted by support or newest, paged.
- ``/datarequests/new``: ask for data (signed in); ``?title=`` prefills what is asked for (the
  search page's "no results" links here with the query).
- ``/datarequests/<id>``: one request, its answer, its history, the support button, and the
  department's answer form for its staff.
- ``/datarequests/department``: the requests routed to the departments where one answers.

The administration's routing page is :mod:`portal.datarequests.admin`, the JSON list
:mod:`portal.datarequests.api`. Every act is :mod:`catalog.datarequests.service`'s; the view
reads the form, commits, mails, and turns a refusal into a message with everything typed kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalog.accounts.models import User
from catalog.datarequests import service
from catalog.datarequests.models import DataRequest
from catalog.errors import CatalogError, NotFound
from catalog.models import Department
from catalog.permissions import Actor, acting_departments
from catalog.publishing.acts import Forbidden
from portal import auth
from portal.datarequests import admin, api, messages, notices
from portal.datarequests.forms import AnswerForm, PlainForm, RequestForm
from portal.db import get_session
from portal.errors import handle_http_error
from portal.params import page_arg

bp = Blueprint("datarequests", __name__)
ID = "<int(max=2147483647):request_id>"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "datarequest_state_label": messages.state_label,
        "datarequest_answer_label": messages.answer_label,
        "datarequest_close_label": messages.close_label,
        "datarequest_event_label": messages.event_label,
        "datarequest_role_label": messages.role_label,
        "datarequest_sort_label": messages.sort_label,
        "requester_name": requester_name,
    }


def requester_name(user: User | None) -> str:
    """The name a requester is shown by: the display name of the account, never its address."""
    if user is None or user.erased_at is not None or not (user.display_name or "").strip():
        return _("A registered user")
    return user.display_name or ""


def _actor() -> Actor:
    actor = auth.session_actor()
    if not actor.authenticated:
        abort(redirect(url_for(auth.SIGN_IN, next=request.full_path.rstrip("?"))))
    return actor


def _departments() -> list[Department]:
    return list(get_session().scalars(select(Department).order_by(Department.name)))


def _refused(form: Any, error: CatalogError) -> None:
    get_session().rollback()
    if isinstance(error, NotFound):
        abort(404)
    if isinstance(error, Forbidden):
        abort(403)
    text = messages.error_message(error)
    field = getattr(form, error.field or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, text]
    flash(text, "error")


@bp.get("/datarequests")
def listing() -> str:
    state = request.args.get("state", "").strip() or None
    sort = request.args.get("sort", "").strip() or "newest"
    found = service.listing(get_session(), state=state, sort=sort, page=page_arg())
    query = {k: v for k, v in (("state", state), ("sort", sort)) if v}
    return render_template(
        "datarequests/list.html", found=found, state=state, sort=sort, query=query,
        states=service.STATES, sorts=service.SORTS, people=_people(found.items),
        answers=_answers(),
    )  # fmt: skip


def _answers() -> bool:
    """Whether the person answers requests for a department (a link to their list)."""
    actor = auth.session_actor()
    return actor.authenticated and bool(
        acting_departments(get_session(), actor, "datarequest.answer")
    )


def _people(items: list[service.Listed]) -> dict[int, User]:
    ids = {item.request.user_id for item in items if item.request.user_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in get_session().scalars(select(User).where(User.id.in_(ids)))}


def _expired_message() -> str:
    return _("This page has expired. Please send it again.")


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError) -> Any:
    """A form sent with a token that no longer holds (an old page, a session that ran out):
    the same form again, filled in as it was typed and with a fresh token, and nothing done."""
    actor = auth.session_actor()
    if not actor.authenticated or request.endpoint not in ("datarequests.new",
                                                           "datarequests.answer"):  # fmt: skip
        return handle_http_error(error)
    flash(_expired_message(), "error")
    if request.endpoint == "datarequests.answer":
        return _detail(int((request.view_args or {})["request_id"]), AnswerForm()), 400
    form = RequestForm()
    form.fill(_departments(), _("I do not know / another department"))
    return render_template("datarequests/new.html", form=form), 400


@bp.route("/datarequests/new", methods=["GET", "POST"])
def new() -> Any:
    actor = _actor()
    form = RequestForm()
    form.fill(_departments(), _("I do not know / another department"))
    if request.method == "GET":
        form.title.data = (request.args.get("title") or "").strip()[: service.MAX_TITLE]
    elif form.validate_on_submit():
        session = get_session()
        try:
            made = service.create(session, actor, auth.origin(), form.draft())
            session.commit()
        except CatalogError as error:
            _refused(form, error)
        else:
            flash(_("Your data request was made. You will be told by mail when it is answered."),
                  "success")  # fmt: skip
            return redirect(url_for("datarequests.detail", request_id=made.id))
    status = 422 if request.method == "POST" else 200
    return render_template("datarequests/new.html", form=form), status


@bp.get(f"/datarequests/{ID}")
def detail(request_id: int) -> str:
    return _detail(request_id, AnswerForm(formdata=None))


def _detail(request_id: int, answer_form: AnswerForm) -> str:
    session = get_session()
    try:
        found = service.get(session, request_id)
    except NotFound:
        abort(404)
    actor = auth.session_actor()
    answer_form.kind.choices = [(k, messages.answer_label(k)) for k in service.ANSWERS]
    return render_template(
        "datarequests/detail.html", item=found, form=PlainForm(), answer_form=answer_form,
        supporters=service.supporters(session, found.id),
        supported=service.supports(session, actor, found.id),
        requester=session.get(User, found.user_id) if found.user_id else None,
        suggested=_department(found.suggested_department_id),
        department=_department(found.department_id),
        dataset=service.answered_dataset(session, found),
        may_support=auth.allowed("datarequest.support"),
        may_answer=actor.authenticated and service.may_answer(session, actor, found),
        may_manage=auth.allowed("datarequests.manage"),
        names={d.id: d.name for d in _departments()},
    )  # fmt: skip


def _department(department_id: int | None) -> Department | None:
    return get_session().get(Department, department_id) if department_id is not None else None


@bp.post(f"/datarequests/{ID}/support")
def support(request_id: int) -> Response:
    actor = _actor()
    form = PlainForm()
    if form.validate_on_submit():
        on = request.form.get("action") != "withdraw"
        session = get_session()
        try:
            service.support(session, actor, auth.origin(), request_id, on=on)
            session.commit()
        except CatalogError as error:
            _refused(None, error)
        else:
            flash(_("Thank you for your support.") if on else _("Your support was withdrawn."),
                  "success")  # fmt: skip
    return redirect(url_for("datarequests.detail", request_id=request_id))


@bp.post(f"/datarequests/{ID}/answer")
def answer(request_id: int) -> Any:
    actor = _actor()
    form = AnswerForm()
    session = get_session()
    if not form.validate_on_submit():  # only the CSRF token (CSRFProtect checks it first)
        flash(_expired_message(), "error")
        return _detail(request_id, form), 400
    given = form.given()
    if given is None:
        form.publish_by.errors = [_("Give the date as a date, e.g. 2027-03-31.")]
        return _detail(request_id, form), 422
    try:
        found = service.answer(session, actor, auth.origin(), request_id, given)
        session.commit()
    except CatalogError as error:
        _refused(form, error)
        return _detail(request_id, form), 422
    _mail_answer(found)
    flash(_("The answer was saved and the requester told."), "success")
    return redirect(url_for("datarequests.detail", request_id=request_id))


def _mail_answer(found: DataRequest) -> None:
    session = get_session()
    requester = session.get(User, found.user_id) if found.user_id else None
    notices.answered(
        requester, found, _department(found.department_id), service.answered_dataset(session, found)
    )


@bp.get("/datarequests/department")
def department_view() -> str:
    actor = _actor()
    if not acting_departments(get_session(), actor, "datarequest.answer"):
        abort(403)  # no department role: nothing is routed to this person
    state = request.args.get("state", "").strip() or None
    found = service.for_departments(get_session(), actor, state)
    return render_template(
        "datarequests/department.html", found=found, state=state, states=service.STATES,
        departments={d.id: d for d in _departments()},
    )  # fmt: skip

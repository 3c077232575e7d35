"""The publishing pages: "我的数据", the dataset editor, files, and the review queue.

Every page asks :mod:`catalog.publishing.acts` and nothing else: the acts check the person's
department (:func:`catalog.permissions.can`), refuse harvested datasets and write the audit
row; the view only reads the form, commits, and turns a refusal into a message on the page
with everything the person typed kept. Drafts and pending datasets are shown only here, to
people who may read their department's drafts; the public pages never change.
"""

from __future__ import annotations

from collections.abc import Callable
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
from werkzeug.wrappers import Response

from catalog.errors import CatalogError, FileTooLarge, NotFound
from catalog.models import (
    DRAFT,
    PENDING,
    PUBLISHED,
    STATES,
    WITHDRAWN,
    Dataset,
    Department,
    Distribution,
)
from catalog.permissions import Actor, acting_departments, can
from catalog.publishing import acts
from portal import auth
from portal.db import get_session, services
from portal.publishing import messages, notices
from portal.publishing.forms import (
    ActForm,
    DatasetForm,
    FieldErrors,
    FileForm,
    LinkForm,
    ReviewForm,
    UploadForm,
    condition_field,
    dataset_form_data,
    file_form_data,
    link_values,
)
from portal.templating import format_bytes

bp = Blueprint("publishing", __name__, url_prefix="/workspace")
UPLOAD_OVERHEAD = 64 * 1024  # the form's other fields and the multipart boundaries


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(_header_links)


def _header_links() -> dict[str, Any]:
    """``has_workspace()`` for the header: asked only when a page's header is drawn."""

    def has_workspace() -> bool:
        actor = auth.session_actor()
        if not actor.authenticated:
            return False
        with services().session_factory() as db:
            return bool(acting_departments(db, actor, "dataset.read-draft"))

    return {"has_workspace": has_workspace}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"state_label": messages.state_label, "can_act": _can_act, "reviews_any": _reviews_any}


def _reviews_any() -> bool:
    return bool(acting_departments(get_session(), auth.session_actor(), "dataset.review"))


def _can_act(action: str, dataset: Dataset) -> bool:
    return can(get_session(), auth.session_actor(), action, dataset.department_id)


def _actor() -> Actor:
    """The person signed in (pages trust the browser session, never an API token); nobody
    is sent to the sign-in page."""
    actor = auth.session_actor()
    if not actor.authenticated:
        abort(redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?"))))
    return actor


def _origin() -> acts.Origin:
    return acts.Origin(request_id=auth.request_id(), client_addr=auth.client())


def _dataset(actor: Actor, dataset_id: str) -> Dataset:
    try:
        return acts.staff_dataset(get_session(), actor, dataset_id)
    except NotFound:
        abort(404)
    except acts.Forbidden:
        abort(403)


def _distribution(actor: Actor, dataset_id: str, file_id: str) -> Distribution:
    try:
        return acts.staff_distribution(get_session(), actor, dataset_id, file_id)
    except NotFound:
        abort(404)
    except acts.Forbidden:
        abort(403)


def _departments(actor: Actor, dataset: Dataset) -> dict[int, Department]:
    """The departments a dataset may be given: the person's own, and its current one."""
    departments = {d.id: d for d in acts.publishing_departments(get_session(), actor)}
    if dataset.department is not None:
        departments.setdefault(dataset.department.id, dataset.department)
    return departments


def _refused(error: CatalogError) -> None:
    """A refused act: roll back; a refusal of the person (not of a value) is a 403."""
    get_session().rollback()
    if isinstance(error, acts.Forbidden):
        abort(403)


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: Any) -> None:
    """An upload longer than the limit is refused (413) from its length, before its body is
    read: set here because URL preprocessors run before the CSRF check reads the form."""
    if endpoint == "publishing.upload":
        limit = current_app.config["MAX_UPLOAD_BYTES"] + UPLOAD_OVERHEAD
        request.max_content_length = limit


@bp.get("")
def workspace() -> str:
    actor = _actor()
    state = request.args.get("state") or None
    if state not in (None, *STATES):
        abort(404)
    session = get_session()
    if not acting_departments(session, actor, "dataset.read-draft"):
        abort(403)
    offset = max(0, request.args.get("offset", 0, type=int))
    rows = acts.workspace(session, actor, state=state, offset=offset)
    return render_template(
        "publishing/workspace.html",
        rows=rows,
        state=state,
        states=STATES,
        offset=offset,
        page=acts.WORKSPACE_PAGE,
        can_create=bool(acts.publishing_departments(session, actor)),
        reviews=len(acts.review_queue(session, actor)),
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    actor = _actor()
    session = get_session()
    departments = acts.publishing_departments(session, actor)
    if not departments:
        abort(403)
    form = DatasetForm()
    form.fill_choices(departments)
    if form.validate_on_submit():

        def create() -> Dataset:
            values = form.values({d.id: d for d in departments})
            department = values.pop("department")
            return acts.create_dataset(session, actor, department, values, _origin())

        saved = _save(actor, form, create)
        if saved is not None:
            return saved
    return render_template("publishing/edit.html", form=form, dataset=None)


@bp.route("/<dataset_id>", methods=["GET", "POST"])
def edit(dataset_id: str) -> Any:
    actor = _actor()
    session = get_session()
    dataset = _dataset(actor, dataset_id)
    if acts.is_harvested(dataset):
        return _read_only(dataset)
    departments = _departments(actor, dataset)
    form = DatasetForm(data=None if request.method == "POST" else dataset_form_data(dataset))
    form.fill_choices(departments.values())
    if form.validate_on_submit():
        saved = _save(
            actor,
            form,
            lambda: acts.edit_dataset(session, actor, dataset, form.values(departments), _origin()),
        )
        if saved is not None:
            return saved
        dataset = _dataset(actor, dataset_id)  # as stored: nothing was saved
    return _editor(dataset, form)


def _save(actor: Actor, form: DatasetForm, act: Callable[[], Dataset]) -> Response | None:
    """Create or edit (then publish if asked) and commit; None, with the errors on the
    form and the transaction rolled back, when anything was refused."""
    session = get_session()
    try:
        dataset = act()
        if request.form.get("then") == "publish":
            acts.publish_dataset(session, actor, dataset, _origin())
        session.commit()
    except FieldErrors as errors:
        session.rollback()
        _field_errors(form, errors)
        return None
    except CatalogError as error:
        _refused(error)
        _catalog_error(form, error)
        return None
    flash(_saved_message(dataset), "ok")
    return redirect(url_for("publishing.edit", dataset_id=dataset.id))


def _editor(dataset: Dataset, form: DatasetForm, **forms: Any) -> str:
    return render_template(
        "publishing/edit.html",
        form=form,
        dataset=dataset,
        upload=forms.get("upload") or UploadForm(formdata=None),
        link=forms.get("link") or LinkForm(formdata=None),
        act=ActForm(),
        review=ReviewForm(formdata=None),
        max_upload=format_bytes(current_app.config["MAX_UPLOAD_BYTES"]),
    )


def _read_only(dataset: Dataset) -> str:
    record = dataset.harvest_record
    return render_template(
        "publishing/harvested.html",
        dataset=dataset,
        source=record.source if record is not None else None,
    )


def _dataset_editor(dataset_id: str, **forms: Any) -> str:
    actor = _actor()
    dataset = _dataset(actor, dataset_id)
    form = DatasetForm(formdata=None, data=dataset_form_data(dataset))
    form.fill_choices(_departments(actor, dataset).values())
    return _editor(dataset, form, **forms)


def _saved_message(dataset: Dataset) -> str:
    if dataset.state == PENDING:
        return _("Saved and sent for review.")
    if dataset.state == PUBLISHED:
        return _("Saved; the dataset is published.")
    return _("Saved as a draft.")


def _field_errors(form: DatasetForm, errors: FieldErrors) -> None:
    for error in errors.errors:
        form[error.field].errors = [messages.error_message(error.code)]
    flash(_("Nothing was saved: please correct the marked fields."), "error")


def _catalog_error(form: DatasetForm, error: CatalogError) -> None:
    message = messages.error_message(error.code)
    field = error.field
    if field and field.startswith("conditions."):
        field = condition_field(field)
    if field and field in form:
        form[field].errors = [message]
        flash(_("Nothing was saved: please correct the marked fields."), "error")
    else:
        flash(message, "error")


@bp.post("/<dataset_id>/publish")
def publish(dataset_id: str) -> Response:
    return _state_act(dataset_id, acts.publish_dataset)


@bp.post("/<dataset_id>/withdraw")
def withdraw(dataset_id: str) -> Response:
    return _state_act(dataset_id, acts.withdraw_dataset)


def _state_act(dataset_id: str, act: Any) -> Response:
    actor = _actor()
    dataset = _dataset(actor, dataset_id)
    if not ActForm().validate_on_submit():
        abort(400)
    try:
        act(get_session(), actor, dataset, _origin())
        get_session().commit()
    except CatalogError as error:
        _refused(error)
        flash(messages.error_message(error.code), "error")
    else:
        flash(_state_message(dataset.state), "ok")
    return redirect(url_for("publishing.edit", dataset_id=dataset_id))


def _state_message(state: str) -> str:
    if state == WITHDRAWN:
        return _("The dataset is withdrawn: it is no longer public.")
    if state == PENDING:
        return _("The dataset is sent for review.")
    if state == DRAFT:
        return _("The dataset is returned to its publisher as a draft.")
    return _("The dataset is published.")


@bp.post("/<dataset_id>/files")
def upload(dataset_id: str) -> Any:
    actor = _actor()
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    dataset = _dataset(actor, dataset_id)
    form = UploadForm()
    if not form.validate_on_submit():
        abort(400)
    sent = form.file.data
    if sent is None or not sent.filename:
        form.file.errors = [messages.error_message("missing-file-name")]
        return _dataset_editor(dataset_id, upload=form), 422
    try:
        acts.add_upload(
            get_session(), actor, dataset, services().files,
            stream=sent.stream, file_name=sent.filename, max_bytes=limit, origin=_origin(),
            title=(form.title.data or "").strip() or None,
            description=(form.description.data or "").strip() or None,
        )  # fmt: skip
        get_session().commit()
    except CatalogError as error:
        _refused(error)
        size = {"size": format_bytes(limit)} if isinstance(error, FileTooLarge) else {}
        form.file.errors = [messages.error_message(error.code, **size)]
        return _dataset_editor(dataset_id, upload=form), 422
    flash(_("File “%(name)s” added.", name=sent.filename), "ok")
    return redirect(url_for("publishing.edit", dataset_id=dataset_id) + "#files")


@bp.post("/<dataset_id>/links")
def link(dataset_id: str) -> Any:
    actor = _actor()
    dataset = _dataset(actor, dataset_id)
    form = LinkForm()
    if not form.validate_on_submit():
        abort(400)
    values = link_values(form)
    try:
        title = values.pop("title") or values["download_url"] or values["access_url"] or ""
        acts.add_link(get_session(), actor, dataset, title=title, origin=_origin(), **values)
        get_session().commit()
    except CatalogError as error:
        _refused(error)
        _link_error(form, error)
        return _dataset_editor(dataset_id, link=form), 422
    flash(_("Link added."), "ok")
    return redirect(url_for("publishing.edit", dataset_id=dataset_id) + "#files")


def _link_error(form: LinkForm | FileForm, error: CatalogError) -> None:
    field = error.field if error.field in ("title", "download_url", "access_url") else "title"
    form[field].errors = [messages.error_message(error.code)]


@bp.route("/<dataset_id>/files/<file_id>", methods=["GET", "POST"])
def file(dataset_id: str, file_id: str) -> Any:
    actor = _actor()
    session = get_session()
    distribution = _distribution(actor, dataset_id, file_id)
    dataset = distribution.dataset
    if acts.is_harvested(dataset):
        return _read_only(dataset)
    form = FileForm(data=None if request.method == "POST" else file_form_data(distribution))
    if form.validate_on_submit():
        values = link_values(form)
        try:
            acts.edit_distribution(session, actor, distribution, values, _origin())
            session.commit()
        except CatalogError as error:
            _refused(error)
            _link_error(form, error)
        else:
            flash(_("File description saved."), "ok")
            return redirect(url_for("publishing.edit", dataset_id=dataset_id) + "#files")
    return render_template(
        "publishing/file.html", dataset=dataset, distribution=distribution, form=form,
        act=ActForm(),
    )  # fmt: skip


@bp.post("/<dataset_id>/files/<file_id>/remove")
def remove_file(dataset_id: str, file_id: str) -> Response:
    actor = _actor()
    session = get_session()
    distribution = _distribution(actor, dataset_id, file_id)
    if not ActForm().validate_on_submit():
        abort(400)
    try:
        acts.remove_distribution(session, actor, distribution, _origin())
        session.commit()
    except CatalogError as error:
        _refused(error)
        flash(messages.error_message(error.code), "error")
    else:
        flash(_("File removed."), "ok")
    return redirect(url_for("publishing.edit", dataset_id=dataset_id) + "#files")


@bp.get("/review")
def review_queue() -> str:
    actor = _actor()
    session = get_session()
    if not acting_departments(session, actor, "dataset.review"):
        abort(403)
    return render_template(
        "publishing/review.html", rows=acts.review_queue(session, actor), form=ReviewForm()
    )


@bp.post("/<dataset_id>/review")
def review(dataset_id: str) -> Response:
    actor = _actor()
    dataset = _dataset(actor, dataset_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    reason = (form.reason.data or "").strip()[:2000] or None
    session = get_session()
    try:
        acts.review_dataset(session, actor, dataset, approve, _origin(), reason=reason)
        session.commit()
    except CatalogError as error:
        _refused(error)
        flash(messages.error_message(error.code), "error")
    else:
        flash(_state_message(dataset.state), "ok")
        person = acts.submitter(session, dataset)
        if person is not None:  # told once the decision is committed
            notices.review_decision(person, dataset, approve, reason)
    return redirect(url_for("publishing.review_queue"))

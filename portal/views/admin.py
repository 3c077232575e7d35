"""Administration of harvesting: sources, running a job, what each job did and why.

Every page needs an administrator (:func:`portal.admin.admin_required`); every form carries a
CSRF token. The views call the same service functions as ``gxdata harvest``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from catalog.db import MAX_INTEGER_ID
from catalog.errors import CatalogError
from catalog.harvest.jobs import job_records, outcome_counts, source_jobs
from catalog.harvest.models import FREQUENCIES, KINDS, OUTCOMES, HarvestJob
from catalog.harvest.sources import add_source, get_source, list_sources
from catalog.models import Department
from portal import harvest_messages
from portal.admin import admin_enabled, admin_required, sign_in, sign_out
from portal.db import get_session
from portal.harvesting import start_in_background

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 200  # records listed per page of a job


class SignInForm(FlaskForm):
    token = PasswordField("token", validators=[DataRequired()])


class SourceForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=100)])
    kind = SelectField("kind", choices=list(KINDS))
    url = StringField("url", validators=[DataRequired(), Length(max=2000)])
    department = StringField("department", validators=[Length(max=100)])  # a slug
    frequency = SelectField("frequency", choices=list(FREQUENCIES))
    organization = StringField("organization", validators=[Length(max=100)])


class RunForm(FlaskForm):
    pass


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"messages": harvest_messages, "outcomes": OUTCOMES}


@bp.route("/login", methods=["GET", "POST"])
def sign_in_page() -> Any:
    if not admin_enabled():
        return render_template("admin/disabled.html"), 403
    form = SignInForm()
    if form.validate_on_submit():
        if sign_in(form.token.data or ""):
            target = request.args.get("next") or ""
            safe = target.startswith("/admin/") and "//" not in target and "\\" not in target
            return redirect(target if safe else url_for("admin.sources"))
        flash(_("That is not the administration token."), "error")
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def sign_out_page() -> Response:
    if RunForm().validate_on_submit():
        sign_out()
    return redirect(url_for("pages.home"))


@bp.route("/harvest", methods=["GET", "POST"])
@admin_required
def sources() -> Any:
    session = get_session()
    form = SourceForm()
    if form.validate_on_submit():
        config = {"organization": form.organization.data.strip()} if form.organization.data else {}
        try:
            source = add_source(
                session,
                name=form.name.data or "",
                kind=form.kind.data or "",
                url=form.url.data or "",
                department=form.department.data or None,
                frequency=form.frequency.data or "manual",
                config=config,
            )
            session.commit()
        except CatalogError as error:
            session.rollback()
            flash(harvest_messages.source_error(error), "error")
        else:
            flash(_("Source “%(name)s” added.", name=source.name), "ok")
            return redirect(url_for("admin.source", name=source.name))
    departments = session.scalars(select(Department).order_by(Department.name)).all()
    rows = list_sources(session)
    return render_template("admin/sources.html", rows=rows, form=form, departments=departments)


@bp.get("/harvest/<name>")
@admin_required
def source(name: str) -> str:
    session = get_session()
    found = get_source(session, name)
    if found is None:
        abort(404)
    jobs = source_jobs(session, found.id)
    return render_template("admin/source.html", source=found, jobs=jobs, form=RunForm())


@bp.post("/harvest/<name>/run")
@admin_required
def run(name: str) -> Response:
    if not RunForm().validate_on_submit():
        abort(400)
    try:
        job_id = start_in_background(current_app._get_current_object(), name)  # type: ignore[attr-defined]
    except CatalogError as error:
        flash(harvest_messages.reason(error.code), "error")
        return redirect(url_for("admin.source", name=name))
    return redirect(url_for("admin.job", job_id=job_id))


@bp.get(f"/harvest/jobs/<int(max={MAX_INTEGER_ID}):job_id>")
@admin_required
def job(job_id: int) -> str:
    session = get_session()
    found = session.get(HarvestJob, job_id)
    if found is None:
        abort(404)
    outcome = request.args.get("outcome", "failed")
    if outcome not in OUTCOMES:
        abort(404)
    offset = max(0, request.args.get("offset", 0, type=int))
    records = job_records(session, job_id, [outcome], limit=PAGE, offset=offset)
    return render_template(
        "admin/job.html",
        job=found,
        counts=outcome_counts(session, job_id),
        outcome=outcome,
        records=records,
        offset=offset,
        page=PAGE,
    )

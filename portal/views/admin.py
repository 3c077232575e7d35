"""Administration of harvesting: sources, running a job, what each job did and why.

Every page needs the ``harvest.manage`` permission (an administrator signed in with the second
factor) through :func:`portal.auth.requires`; every form carries a CSRF token. Adding a source
and starting a job are audited acts (:mod:`catalog.harvest.acts`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from catalog.db import MAX_INTEGER_ID
from catalog.errors import CatalogError
from catalog.harvest.acts import add_source_as, may_run, record_run
from catalog.harvest.jobs import job_records, outcome_counts, source_jobs
from catalog.harvest.models import FREQUENCIES, KINDS, OUTCOMES, HarvestJob
from catalog.harvest.sources import get_source, list_sources
from catalog.models import Department
from portal import harvest_messages
from portal.auth import origin, require, requires
from portal.db import get_session
from portal.harvesting import start_in_background

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 200  # records listed per page of a job


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


@bp.route("/harvest", methods=["GET", "POST"])
@requires("harvest.manage")
def sources() -> Any:
    session = get_session()
    form = SourceForm()
    if form.validate_on_submit():
        config = {"organization": form.organization.data.strip()} if form.organization.data else {}
        try:
            source = add_source_as(
                session,
                require("harvest.manage"),
                origin(),
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
@requires("harvest.manage")
def source(name: str) -> str:
    session = get_session()
    found = get_source(session, name)
    if found is None:
        abort(404)
    jobs = source_jobs(session, found.id)
    return render_template("admin/source.html", source=found, jobs=jobs, form=RunForm())


@bp.post("/harvest/<name>/run")
@requires("harvest.manage")
def run(name: str) -> Response:
    if not RunForm().validate_on_submit():
        abort(400)
    actor, session = require("harvest.manage"), get_session()
    may_run(session, actor)
    try:
        job_id = start_in_background(current_app._get_current_object(), name)  # type: ignore[attr-defined]
    except CatalogError as error:
        flash(harvest_messages.reason(error.code), "error")
        return redirect(url_for("admin.source", name=name))
    record_run(session, actor, name, job_id, origin())
    session.commit()
    return redirect(url_for("admin.job", job_id=job_id))


@bp.get(f"/harvest/jobs/<int(max={MAX_INTEGER_ID}):job_id>")
@requires("harvest.manage")
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

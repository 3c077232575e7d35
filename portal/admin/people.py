"""Administration of accounts (find, grant and revoke roles, erase) and departments (review,
default licence). Thin views over :mod:`catalog.accounts.admin` and
:mod:`catalog.department_settings`, which check ``users.manage``/``departments.manage``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalog import department_settings
from catalog.accounts import admin as accounts_admin
from catalog.db import MAX_INTEGER_ID
from catalog.errors import CatalogError
from catalog.models import Department
from portal.admin import messages
from portal.admin.forms import ActForm, DepartmentForm, GrantForm, RevokeForm
from portal.auth import allowed, origin, require, requires
from portal.db import get_session
from vocab import licences

bp = Blueprint("people", __name__, url_prefix="/admin")
USER = f"<int(max={MAX_INTEGER_ID}):user_id>"


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"labels": messages}


ENTRIES = (  # the administration's first page for each permission, in order
    ("harvest.manage", "admin.sources"),
    ("users.manage", "people.users"),
    ("departments.manage", "people.departments"),
    ("applications.manage", "admin_applications.listing"),
    ("audit.read", "audit.log"),
)


@bp.get("/")
def home() -> Response:
    """``/admin/``: the first administration page the person may open."""
    for action, endpoint in ENTRIES:
        if allowed(action):
            return redirect(url_for(endpoint))
    require("harvest.manage")  # nobody: the sign-in page; anybody else: 403
    abort(403)


@bp.get("/users")
@requires("users.manage")
def users() -> str:
    text = request.args.get("q", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = accounts_admin.find_users(get_session(), require("users.manage"), text, page)
    return render_template("admin/users.html", found=found, q=text)


@bp.get(f"/users/{USER}")
@requires("users.manage")
def user(user_id: int) -> str:
    session = get_session()
    try:
        row = accounts_admin.get_user(session, require("users.manage"), user_id)
    except CatalogError:
        abort(404)
    return render_template(
        "admin/user.html",
        row=row,
        grant_form=GrantForm(),
        form=ActForm(),
        departments=_departments(),
    )


@bp.post(f"/users/{USER}/grant")
@requires("users.manage")
def grant(user_id: int) -> Response:
    form = GrantForm()
    if not form.validate_on_submit():
        abort(400)
    department = form.department.data or None
    return _act(user_id, _("Role granted."), accounts_admin.grant, form.role.data, department)


@bp.post(f"/users/{USER}/revoke")
@requires("users.manage")
def revoke(user_id: int) -> Response:
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    department = int(form.department.data) if (form.department.data or "").isdigit() else None
    return _act(user_id, _("Role revoked."), accounts_admin.revoke, form.role.data, department)


@bp.post(f"/users/{USER}/erase")
@requires("users.manage")
def erase(user_id: int) -> Response:
    if not ActForm().validate_on_submit():
        abort(400)
    return _act(user_id, _("The account's personal data was erased."), accounts_admin.erase)


@bp.get("/departments")
@requires("departments.manage")
def departments() -> str:
    return render_template(
        "admin/departments.html",
        departments=_departments(),
        licences=licences.scheme(),
        form=DepartmentForm(),
    )


@bp.post("/departments/<slug>")
@requires("departments.manage")
def department(slug: str) -> Response:
    form = DepartmentForm()
    if not form.validate_on_submit():
        abort(400)
    session, actor = get_session(), require("departments.manage")
    try:
        found = session.scalar(select(Department).where(Department.slug == slug))
        if found is None:
            abort(404)
        if found.requires_review != bool(form.requires_review.data):
            department_settings.set_requires_review(
                session, actor, slug, bool(form.requires_review.data), origin()
            )
        if (found.default_licence or "") != (form.licence.data or ""):
            department_settings.set_default_licence(
                session, actor, slug, form.licence.data or None, origin()
            )
        session.commit()
    except CatalogError as error:
        session.rollback()
        flash(messages.refusal(error), "error")
    else:
        flash(_("Department “%(name)s” saved.", name=found.name), "ok")
    return redirect(url_for("people.departments"))


def _act(user_id: int, done: str, act: Any, *args: Any) -> Response:
    session = get_session()
    try:
        act(session, require("users.manage"), user_id, *args, origin=origin())
        session.commit()
    except CatalogError as error:
        session.rollback()
        flash(messages.refusal(error), "error")
    else:
        flash(done, "ok")
    return redirect(url_for("people.user", user_id=user_id))


def _departments() -> list[Department]:
    return list(get_session().scalars(select(Department).order_by(Department.name)))

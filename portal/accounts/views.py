"""The account pages: sign-in (with the second factor for two-factor roles), sign-out,
registration and confirmation, forgotten passwords, and the account page (profile, API
tokens, TOTP, password, deletion).

Failures never say whether an account exists: a wrong password, an unknown address and a
locked account get the same words; registering an address that has an account and asking a
reset for an unknown one answer as the other cases do (the owner of a known address is
mailed). Every act is recorded through :mod:`catalog.accounts.acts`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from catalog.accounts import acts, passwords, tokens, users
from catalog.accounts import sessions as account_sessions
from catalog.accounts.models import ApiToken, User, UserSession
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.errors import CatalogError
from catalog.models import Department
from portal import auth
from portal.accounts import forms, messages, notices
from portal.db import services

bp = Blueprint("accounts", __name__, url_prefix="/account")
PENDING_TOTP = "totp_pending"  # the Flask session key of a TOTP secret not yet confirmed
# what a half signed-in person (second factor or new password owed) may still open
OPEN_WHILE_OWED = frozenset(
    {
        "accounts.two_factor",
        "accounts.two_factor_setup",
        "accounts.sign_out",
        "accounts.change_password",
        "static",
    }
)


def origin() -> Origin:
    return Origin(auth.request_id(), auth.client())


def _person() -> auth.SignedIn | None:
    person = current_user
    return person if isinstance(person, auth.SignedIn) else None


def _safe_next(default: str) -> str:
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.netloc:
        return default
    return target


def _transaction() -> Any:
    return services().session_factory()


@bp.before_app_request
def _owed_steps() -> Response | None:
    """A person who still owes the second factor or a new password goes there first."""
    if request.path.startswith("/api/") or "_user_id" not in session:
        return None
    person = _person()
    if person is None or request.endpoint in OPEN_WHILE_OWED:
        return None
    if person.needs_two_factor:
        return redirect(url_for("accounts.two_factor", next=request.full_path.rstrip("?")))
    if person.password_change_due:
        return redirect(url_for("accounts.change_password"))
    return None


def _after_sign_in(user: User, target: str) -> Response:
    if user.needs_two_factor:
        return redirect(url_for("accounts.two_factor", next=target))
    if users.password_change_due(user):
        flash(_("Please choose a new password before you go on."), "ok")
        return redirect(url_for("accounts.change_password", next=target))
    return redirect(target)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    form = forms.SignInForm()
    if form.validate_on_submit():
        with _transaction() as db, db.begin():
            result = acts.attempt_sign_in(
                db, form.email.data or "", form.password.data or "", origin()
            )
            if result.outcome == "signed-in" and result.user is not None:
                auth.sign_in(result.user, db)
                return _after_sign_in(result.user, _safe_next(url_for("accounts.account")))
            if result.outcome == "unconfirmed" and result.known is not None:
                notices.confirmation(
                    result.known, tokens.issue_one_time(db, result.known, "confirm")
                )
                flash(
                    _("Please confirm your e-mail address first: we have sent you a new link."),
                    "error",
                )
            else:
                flash(
                    _(
                        "The e-mail address or the password is wrong, or the account is "
                        "locked for a while after too many attempts."
                    ),
                    "error",
                )
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
def two_factor() -> Any:
    person = _person()
    if person is None:
        return redirect(url_for("accounts.sign_in"))
    target = _safe_next(url_for("accounts.account"))
    form = forms.CodeForm()
    with _transaction() as db, db.begin():
        row = account_sessions.find_session(db, person.secret)
        if row is None:
            return redirect(url_for("accounts.sign_in"))
        if row.two_factor_at is not None:
            return redirect(target)
        if row.user.totp_secret is None:
            return redirect(url_for("accounts.two_factor_setup", next=target))
        if form.validate_on_submit():
            if acts.check_second_factor(db, row.user, form.code.data or "", origin()):
                row.two_factor_at = utcnow()
                return _after_sign_in_second(row, target)
            flash(_("The code is wrong or has expired."), "error")
    return render_template("accounts/two_factor.html", form=form)


def _after_sign_in_second(row: UserSession, target: str) -> Response:
    if users.password_change_due(row.user):
        flash(_("Please choose a new password before you go on."), "ok")
        return redirect(url_for("accounts.change_password", next=target))
    return redirect(target)


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_setup() -> Any:
    """Turn TOTP on: a new secret is shown; a code from it turns it on."""
    person = _person()
    if person is None:
        return redirect(url_for("accounts.sign_in", next=request.path))
    target = _safe_next(url_for("accounts.account"))
    form = forms.CodeForm()
    pending = session.get(PENDING_TOTP)
    with _transaction() as db, db.begin():
        row = account_sessions.find_session(db, person.secret)
        if row is None:
            return redirect(url_for("accounts.sign_in"))
        user = row.user
        if pending is None:
            pending = session[PENDING_TOTP] = users.start_totp(user)
        if form.validate_on_submit():
            if acts.turn_on_totp(db, user, pending, form.code.data or "", origin()):
                session.pop(PENDING_TOTP, None)
                row.two_factor_at = utcnow()
                flash(_("Two-factor sign-in is on."), "ok")
                return _after_sign_in_second(row, target)
            flash(_("The code is wrong or has expired."), "error")
        uri = users.totp_uri(user, pending)
    return render_template(
        "accounts/two_factor_setup.html", form=form, secret=pending, uri=uri, qr=qr_data_uri(uri)
    )


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (the page's CSP allows ``data:`` images)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out() -> Any:
    form = forms.PlainForm()
    person = _person()
    if request.method == "POST" and form.validate_on_submit():
        if person is not None:
            with _transaction() as db, db.begin():
                acts.record(
                    db,
                    "account.sign-out",
                    origin(),
                    actor=person.pseudonym,
                    object_id=person.pseudonym,
                )
        auth.sign_out()
        flash(_("You have signed out."), "ok")
        return redirect(url_for("pages.home"))
    if person is None:
        return redirect(url_for("pages.home"))
    return render_template("accounts/sign_out.html", form=form)


def _departments(db: Session) -> list[tuple[str, str]]:
    rows = db.execute(select(Department.slug, Department.name).order_by(Department.name))
    return [("", _("Pick a department"))] + [(slug, name) for slug, name in rows]


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    form = forms.RegisterForm()
    form.kind.choices = [(kind, messages.kind_label(kind)) for kind in users.KINDS]
    with _transaction() as db:
        form.department.choices = _departments(db)
    if form.validate_on_submit():
        try:
            with _transaction() as db, db.begin():
                fields = _registration(db, form)
                user, secret = acts.register(db, origin(), **fields)
                if user is not None and secret is not None:
                    notices.confirmation(user, secret)
                else:
                    passwords.hash_password(form.password.data or "")  # as long as a new one
                    notices.already_registered(fields["email"])
        except CatalogError as error:
            _field_error(form, error)
        else:
            return redirect(url_for("accounts.mail_sent"))
    return render_template("accounts/register.html", form=form)


def _registration(db: Session, form: forms.RegisterForm) -> dict[str, Any]:
    slug = form.department.data or ""
    department = db.scalar(select(Department).where(Department.slug == slug)) if slug else None
    return {
        "email": users.normalise_email(form.email.data or ""),
        "password": form.password.data or "",
        "phone": form.phone.data or "",
        "display_name": form.display_name.data or "",
        "kind": form.kind.data or "",
        "id_key": _id_key(),
        "real_name": form.real_name.data,
        "id_number": form.id_number.data,
        "credit_code": form.credit_code.data,
        "organization_name": form.organization_name.data,
        "department": department,
    }


def _id_key() -> bytes:
    return str(current_app.config["ID_NUMBER_KEY"]).encode()


def _field_error(form: Any, error: CatalogError) -> None:
    field = getattr(form, error.field or "", None)
    text = messages.error_message(error)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, text]
    else:
        flash(text, "error")


@bp.get("/mail-sent")
def mail_sent() -> str:
    return render_template("accounts/mail_sent.html")


@bp.get("/confirm/<secret>")
def confirm(secret: str) -> Any:
    with _transaction() as db, db.begin():
        user = acts.confirm(db, secret, origin())
    if user is None:
        return render_template("accounts/link_used.html"), 400
    flash(_("Your e-mail address is confirmed. You can sign in now."), "ok")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot() -> Any:
    form = forms.ForgotForm()
    if form.validate_on_submit():
        with _transaction() as db, db.begin():
            found = acts.request_reset(db, form.email.data or "", origin())
            if found is not None:
                notices.reset_link(*found)
        return redirect(url_for("accounts.mail_sent"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset/<secret>", methods=["GET", "POST"])
def reset(secret: str) -> Any:
    form = forms.NewPasswordForm()
    if form.validate_on_submit():
        try:
            with _transaction() as db, db.begin():
                user = acts.reset_password(db, secret, form.password.data or "", origin())
                if user is not None:
                    notices.password_changed(user)
        except CatalogError as error:
            _field_error(form, error)
        else:
            if user is None:
                return render_template("accounts/link_used.html"), 400
            auth.sign_out()
            flash(_("Your new password is set. Please sign in."), "ok")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset.html", form=form)


def _signed_in_row(db: Session) -> UserSession:
    person = _person()
    row = account_sessions.find_session(db, person.secret) if person else None
    if row is None:
        abort(redirect(url_for("accounts.sign_in", next=request.path)))
    return row


@bp.get("/")
def account() -> Any:
    return _account_page()


def _account_page(new_secret: str | None = None, token_form: Any = None, status: int = 200) -> Any:
    with _transaction() as db, db.begin():
        row = _signed_in_row(db)
        user = row.user
        page = render_template(
            "accounts/account.html",
            user=user,
            grants=_grants(db, user),
            api_tokens=tokens.user_tokens(db, user),
            token_form=token_form or forms.TokenForm(formdata=None),
            plain_form=forms.PlainForm(),
            delete_form=forms.DeleteForm(formdata=None),
            new_secret=new_secret,
            now=utcnow(),
            messages=messages,
        )
    return page, status


def _grants(db: Session, user: User) -> list[tuple[str, str | None]]:
    names = dict(db.execute(select(Department.id, Department.name)).all())
    return [(grant.role, names.get(grant.department_id)) for grant in user.grants]


@bp.post("/tokens")
def create_token() -> Any:
    form = forms.TokenForm()
    if not form.validate_on_submit():
        return _account_page(token_form=form, status=400)
    try:
        with _transaction() as db, db.begin():
            user = _signed_in_row(db).user
            _token, secret = acts.create_token(
                db,
                user,
                form.name.data or "",
                origin(),
                scope=form.scope.data or "read",
                days=form.days.data,
            )
    except CatalogError as error:
        _field_error(form, error)
        return _account_page(token_form=form, status=400)
    return _account_page(new_secret=secret)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    if not forms.PlainForm().validate_on_submit():
        abort(400)
    with _transaction() as db, db.begin():
        user = _signed_in_row(db).user
        token = db.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            abort(404)
        acts.revoke_token(db, token, origin())
    flash(_("The token is revoked."), "ok")
    return redirect(url_for("accounts.account"))


@bp.route("/password", methods=["GET", "POST"])
def change_password() -> Any:
    form = forms.ChangePasswordForm()
    target = _safe_next(url_for("accounts.account"))
    if form.validate_on_submit():
        try:
            with _transaction() as db, db.begin():
                row = _signed_in_row(db)
                two_factor_at, user = row.two_factor_at, row.user
                acts.change_password(
                    db, user, form.old.data or "", form.password.data or "", origin()
                )
                new_row = auth.sign_in(user, db)  # every session ended: this one goes on anew
                new_row.two_factor_at = two_factor_at
                notices.password_changed(user)
        except CatalogError as error:
            _field_error(form, error)
        else:
            flash(_("Your password is changed."), "ok")
            return redirect(target)
    elif _person() is None:
        return redirect(url_for("accounts.sign_in", next=request.path))
    return render_template("accounts/password.html", form=form)


@bp.post("/delete")
def delete_account() -> Any:
    form = forms.DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    with _transaction() as db, db.begin():
        user = _signed_in_row(db).user
        if not passwords.verify_password(user.password_hash, form.password.data or ""):
            flash(_("The current password is wrong."), "error")
            return redirect(url_for("accounts.account"))
        acts.erase(db, user, origin())
    auth.sign_out()
    flash(_("Your account and its personal data are deleted."), "ok")
    return redirect(url_for("pages.home"))

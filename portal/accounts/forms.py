"""The account forms (Flask-WTF: each carries a CSRF token). The checks that matter (e-mail,
mobile, ID numbers, password rules) are the domain's; these only bound the input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from catalog.accounts.models import KINDS, SCOPES
from catalog.accounts.passwords import MAX_PASSWORD


def _password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class SignInForm(FlaskForm):
    email = StringField("email", validators=[DataRequired(), Length(max=254)])
    password = _password("password")


class CodeForm(FlaskForm):
    code = StringField("code", validators=[DataRequired(), Length(max=10)])


class RegisterForm(FlaskForm):
    kind = SelectField("kind", choices=list(KINDS))
    email = StringField("email", validators=[DataRequired(), Length(max=254)])
    phone = StringField("phone", validators=[DataRequired(), Length(max=30)])
    display_name = StringField("display_name", validators=[DataRequired(), Length(max=100)])
    password = _password("password")
    real_name = StringField("real_name", validators=[Length(max=100)])
    id_number = StringField("id_number", validators=[Length(max=30)])
    credit_code = StringField("credit_code", validators=[Length(max=30)])
    organization_name = StringField("organization_name", validators=[Length(max=200)])
    department = SelectField("department", choices=[], validate_choice=False)


class ForgotForm(FlaskForm):
    email = StringField("email", validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = _password("password")


class ChangePasswordForm(FlaskForm):
    old = _password("old")
    password = _password("password")


class TokenForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=100)])
    scope = SelectField("scope", choices=list(SCOPES))
    days = IntegerField("days", default=90, validators=[Optional(), NumberRange(1, 366)])


class DeleteForm(FlaskForm):
    password = _password("password")


class PlainForm(FlaskForm):
    """A button only (sign out, revoke): the CSRF token is the whole form."""

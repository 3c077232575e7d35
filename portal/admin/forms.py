"""The administration's forms; each carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import Length

from catalog.accounts.models import ROLES

GRANTED_ROLES = tuple(role for role in ROLES if role != "applicant")


class GrantForm(FlaskForm):
    role = SelectField("role", choices=list(GRANTED_ROLES))
    department = StringField("department", validators=[Length(max=100)])  # a slug


class RevokeForm(FlaskForm):
    role = HiddenField("role", validators=[Length(max=20)])
    department = HiddenField("department", validators=[Length(max=12)])  # an id, or empty


class ActForm(FlaskForm):
    """A button that only needs its CSRF token."""


class DepartmentForm(FlaskForm):
    requires_review = BooleanField("requires_review")
    licence = StringField("licence", validators=[Length(max=100)])  # a notation, or empty

"""The reviewer's forms; each carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from catalog.applications.states import MAX_REASON


class DecisionForm(FlaskForm):
    """One decision on an application; the service says whether it needs the reason."""

    reason = TextAreaField("reason", validators=[Length(max=MAX_REASON)])

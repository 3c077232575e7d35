"""The forms of the loop (Flask-WTF: each carries a CSRF token) and the spam guards that need
no third-party captcha: a honeypot field people never see, and a signed form timestamp that
refuses a form sent back faster than a person types (``FEEDBACK_MIN_SECONDS``, 3) or older than
a day. Lengths and links are bounded again by :func:`catalog.feedback.acts.checked_fields`."""

from __future__ import annotations

import time

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from catalog.feedback.acts import KINDS, MAX_CELL_REF, MAX_CONTACT, MAX_DESCRIPTION
from catalog.feedback.states import MAX_NOTE
from catalog.models import Dataset
from portal.feedback.messages import kind_label

SALT = "gxdata-feedback-form"
MIN_SECONDS = 3.0
MAX_AGE = 24 * 3600.0


class ReportForm(FlaskForm):
    kind = SelectField(choices=[], validate_choice=False)
    description = TextAreaField(validators=[Length(max=MAX_DESCRIPTION + 200)])
    distribution_id = SelectField(choices=[], validate_choice=False)
    row_ref = StringField(validators=[Length(max=MAX_CELL_REF["row_ref"])])
    column_ref = StringField(validators=[Length(max=MAX_CELL_REF["column_ref"])])
    contact = StringField(validators=[Length(max=MAX_CONTACT)])
    website = StringField()  # the honeypot: hidden from people, filled by robots
    stamp = HiddenField()

    def fill_choices(self, dataset: Dataset, whole: str) -> None:
        self.kind.choices = [(kind, kind_label(kind)) for kind in KINDS]
        self.distribution_id.choices = [("", whole)] + [
            (d.id, d.title) for d in dataset.distributions
        ]

    def values(self) -> dict[str, str]:
        names = ("kind", "description", "distribution_id", "row_ref", "column_ref", "contact")
        return {name: getattr(self, name).data or "" for name in names}


class NoteForm(FlaskForm):
    note = TextAreaField(validators=[Length(max=MAX_NOTE)])
    token = HiddenField()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def form_stamp(at: float | None = None) -> str:
    """The signed time a form was handed out."""
    return str(_serializer().dumps(int(at if at is not None else time.time())))


def stamp_problem(stamp: str | None, now: float | None = None) -> str | None:
    """None when the form's stamp is fine, else ``bad-stamp``, ``too-fast`` or ``expired``."""
    try:
        issued = float(_serializer().loads(stamp or ""))
    except (BadSignature, TypeError, ValueError):
        return "bad-stamp"
    age = (now if now is not None else time.time()) - issued
    if age < float(current_app.config.get("FEEDBACK_MIN_SECONDS", MIN_SECONDS)):
        return "too-fast"
    return "expired" if age > MAX_AGE else None

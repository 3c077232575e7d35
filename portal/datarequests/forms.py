"""The data requests' forms (Flask-WTF: each carries a CSRF token). They only carry the input;
what is needed and what is too long is :mod:`catalog.datarequests.service`'s to say."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField

from catalog.datarequests import service
from catalog.datarequests.service import Answer, Draft
from catalog.db import integer_id
from catalog.models import Department


def _choices(departments: list[Department], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((str(d.id), d.name) for d in departments)]


def _department_id(value: str | None) -> int | None:
    return integer_id((value or "").strip())


class RequestForm(FlaskForm):
    title = StringField(render_kw={"maxlength": service.MAX_TITLE})
    description = TextAreaField(render_kw={"maxlength": service.MAX_TEXT})
    purpose = TextAreaField(render_kw={"maxlength": service.MAX_TEXT})
    department_id = SelectField(choices=[], validate_choice=False)
    department_text = StringField(render_kw={"maxlength": service.MAX_DEPARTMENT_TEXT})

    def fill(self, departments: list[Department], empty: str) -> None:
        self.department_id.choices = _choices(departments, empty)

    def draft(self) -> Draft:
        return Draft(
            title=self.title.data or "",
            description=self.description.data or "",
            purpose=self.purpose.data or "",
            department_id=_department_id(self.department_id.data),
            department_text=self.department_text.data or "",
        )


class RouteForm(FlaskForm):
    department_id = SelectField(choices=[], validate_choice=False)
    note = TextAreaField(render_kw={"maxlength": service.MAX_TEXT})

    def fill(self, departments: list[Department], empty: str) -> None:
        self.department_id.choices = _choices(departments, empty)

    def department(self) -> int | None:
        return _department_id(self.department_id.data)


class CloseForm(FlaskForm):
    reason = SelectField(choices=[], validate_choice=False)
    text = TextAreaField(render_kw={"maxlength": service.MAX_TEXT})


class AnswerForm(FlaskForm):
    kind = RadioField(choices=[], validate_choice=False)
    publish_by = StringField(render_kw={"type": "date"})
    url = StringField(render_kw={"maxlength": service.MAX_URL, "type": "url"})
    dataset = StringField(render_kw={"maxlength": 200})
    text = TextAreaField(render_kw={"maxlength": service.MAX_TEXT})

    def given(self) -> Answer | None:
        """The answer typed; None when the date is not a date."""
        typed = (self.publish_by.data or "").strip()
        try:
            publish_by = date.fromisoformat(typed) if typed else None
        except ValueError:
            return None
        return Answer(
            kind=self.kind.data or "",
            text=self.text.data or "",
            url=self.url.data or "",
            dataset=self.dataset.data or "",
            publish_by=publish_by,
        )


class PlainForm(FlaskForm):
    """A button only: the CSRF token is the whole form."""

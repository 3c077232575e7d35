"""The applicant's forms (Flask-WTF: each carries a CSRF token). The checks that matter
(files of the dataset, fields the conditions provide, commitments, periods, attachment types
by content) are :mod:`catalog.applications.acts`'; these only bound the input and fill the
checkboxes from the dataset and its conditions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from catalog.applications.acts import MAX_TEXT
from catalog.applications.models import Application
from catalog.conditions import MAX_DAYS, Conditions
from catalog.models import Dataset
from catalog.verification import MAX_VALUE
from portal.conditions.messages import field_mask_label


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes; the domain refuses a value not offered."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text() -> TextAreaField:
    return TextAreaField(validators=[Length(max=MAX_TEXT)])


class ApplicationForm(FlaskForm):
    purpose = _text()
    scenario = _text()
    distribution_ids = CheckboxesField(choices=[], validate_choice=False)
    fields = CheckboxesField(choices=[], validate_choice=False)
    period_days = IntegerField(validators=[Optional(), NumberRange(1, MAX_DAYS)])
    commitments = CheckboxesField(choices=[], validate_choice=False)
    file = FileField()

    def fill_choices(self, dataset: Dataset, stated: Conditions) -> None:
        self.distribution_ids.choices = [
            (d.id, f"{d.title}{' · ' + d.format if d.format else ''}")
            for d in dataset.distributions
        ]
        provided = [f for f in stated.fields if f.mask != "drop"]
        self.fields.choices = [(f.name, f"{f.name}（{field_mask_label(f)}）") for f in provided]
        self.commitments.choices = [(item, item) for item in stated.security_requirements]

    def values(self) -> dict[str, Any]:
        """The application's content as :func:`catalog.applications.acts.update_application`
        takes it."""
        return {
            "purpose": self.purpose.data or "",
            "scenario": self.scenario.data or "",
            "distribution_ids": list(self.distribution_ids.data or []),
            "fields": list(self.fields.data or []),
            "period_days": self.period_days.data,
            "commitments": list(self.commitments.data or []),
        }


def application_data(application: Application) -> dict[str, Any]:
    return {
        "purpose": application.purpose,
        "scenario": application.scenario,
        "distribution_ids": list(application.distribution_ids),
        "fields": list(application.fields),
        "period_days": application.period_days,
        "commitments": list(application.commitments),
    }


class ReportForm(FlaskForm):
    what_built = _text()
    results = _text()
    problems = _text()
    final = BooleanField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(validators=[Length(max=MAX_TEXT)])


class PlainForm(FlaskForm):
    """A button only: the CSRF token is the whole form."""


class VerificationForm(FlaskForm):
    """A verification question (:mod:`catalog.verification`): one text input per field the
    conditions let be asked, made by :func:`verification_form`."""

    names: tuple[str, ...] = ()

    def question(self) -> dict[str, str]:
        """The values typed, keyed by field name, as :func:`catalog.verification.verify`
        takes them (it checks them all)."""
        return {name: self[f"value_{i}"].data or "" for i, name in enumerate(self.names)}


def verification_form(names: Sequence[str], **kwargs: Any) -> VerificationForm:
    """A :class:`VerificationForm` for ``names``, in their order: the inputs are named
    ``value_0``, ``value_1``… (a field's name may be any text) and labelled with the names."""
    fields: dict[str, Any] = {
        f"value_{i}": StringField(name, render_kw={"autocomplete": "off", "maxlength": MAX_VALUE})
        for i, name in enumerate(names)
    }
    fields["names"] = tuple(names)
    return type("NamedVerificationForm", (VerificationForm,), fields)(**kwargs)

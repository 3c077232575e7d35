"""The reuse forms (Flask-WTF: each carries a CSRF token). They only bound the input; the
checks that matter (public datasets, versions, competition rounds, the image by content) are
:mod:`catalog.reuses.service`'s.

The datasets used are rows of two inputs of the same names, ``dataset`` (an id or short name)
and ``version`` (a number, optional), plus the ``pick`` checkboxes of the picker's search
results: the form works without JavaScript and keeps what was typed across a search."""

from __future__ import annotations

from flask import Request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from catalog.reuses.models import KINDS
from catalog.reuses.service import MAX_DESCRIPTION, MAX_REASON, MAX_TITLE, MAX_USES, Use
from portal.reuses.messages import kind_label

MIN_ROWS = 3


class ReuseForm(FlaskForm):
    kind = SelectField(choices=[], validate_choice=False)
    title = StringField(validators=[Length(max=MAX_TITLE)])
    team = StringField(validators=[Length(max=MAX_TITLE)])
    description = TextAreaField(validators=[Length(max=MAX_DESCRIPTION)])
    url = StringField(validators=[Length(max=1000)])
    competition = SelectField(choices=[], validate_choice=False)
    round = StringField(validators=[Length(max=100)])
    image = FileField()
    q = StringField(validators=[Length(max=100)])

    def fill_choices(self, competitions: list[tuple[str, str]]) -> None:
        self.kind.choices = [(kind, kind_label(kind)) for kind in KINDS]
        self.competition.choices = [("", "—"), *competitions]


class DecisionForm(FlaskForm):
    reason = TextAreaField(validators=[Length(max=MAX_REASON)])


class AwardForm(FlaskForm):
    award = StringField(validators=[Length(max=100)])
    round = StringField(validators=[Length(max=100)])


def dataset_rows(request: Request) -> list[tuple[str, str]]:
    """The (dataset, version) rows typed, then the picked search results, without blanks."""
    names = request.form.getlist("dataset")[: MAX_USES * 2]
    versions = request.form.getlist("version")[: MAX_USES * 2]
    rows = [
        (name.strip()[:100], (versions[i] if i < len(versions) else "").strip()[:12])
        for i, name in enumerate(names)
        if name.strip()
    ]
    typed = {name for name, _ in rows}
    rows += [(p[:100], "") for p in request.form.getlist("pick")[:MAX_USES] if p not in typed]
    return rows


def uses_of(rows: list[tuple[str, str]]) -> list[Use] | None:
    """The rows as :class:`Use`; None when a version is not a whole number."""
    uses = []
    for name, version in rows:
        if version and not (version.isascii() and version.isdigit()):
            return None
        uses.append(Use(name, int(version) if version else None))
    return uses


def padded(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rows to show: those typed and one or more empty ones."""
    return rows + [("", "")] * max(1, MIN_ROWS - len(rows))

"""The editor's forms: every field of a dataset, and the file forms.

The fields are a table (name, kind, label); one loop builds the WTForms class, one turns the
submitted text into the values the catalog takes. Nothing is decided here that the catalog
decides: controlled values are offered from the vocabularies and checked by
:mod:`catalog.services.datasets`; this module only turns text into dates, numbers and lists,
and keeps what the person typed when anything is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from catalog.accounts.models import KINDS
from catalog.conditions import fields_text
from catalog.models import Dataset, Department, Distribution
from catalog.services.datasets import CONTROLLED_FIELDS
from portal.accounts.messages import kind_label
from portal.i18n import current_language
from vocab import licences
from vocab.skos import ConceptScheme

TEXT, LONG, SELECT, FLAG, DAY, MOMENT, NUMBER, EMAIL, LINK, WORDS, EXTRAS = (
    "text", "long", "select", "flag", "day", "moment", "number", "email", "link", "words", "extras",
)  # fmt: skip


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    label: Any  # a lazy string
    group: str


# Every editable field of a dataset (catalog.services.datasets.EDITABLE_FIELDS), grouped as the
# editor shows them. ``department`` is a select of the person's own departments.
DATASET_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", TEXT, _l("Title"), "basic"),
    FieldSpec("description", LONG, _l("Description"), "basic"),
    FieldSpec("department", SELECT, _l("Department"), "basic"),
    FieldSpec("keywords", WORDS, _l("Keywords (separated by commas)"), "basic"),
    FieldSpec("category", SELECT, _l("Category"), "basic"),
    FieldSpec("topic", TEXT, _l("Topic"), "basic"),
    FieldSpec("industry", TEXT, _l("Industry"), "basic"),
    FieldSpec("open_type", SELECT, _l("Open type"), "open"),
    FieldSpec("access_conditions", LONG, _l("Conditions of conditional data"), "open"),
    FieldSpec("share_type", SELECT, _l("Share type"), "open"),
    FieldSpec("sensitivity", SELECT, _l("Sensitivity"), "open"),
    FieldSpec("licence", SELECT, _l("Licence"), "open"),
    FieldSpec("service_item", TEXT, _l("Service item"), "government"),
    FieldSpec("result_name", TEXT, _l("Result name"), "government"),
    FieldSpec("is_e_licence", FLAG, _l("Is an electronic licence"), "government"),
    FieldSpec("source_system", TEXT, _l("Source system"), "government"),
    FieldSpec("application_scenarios", LONG, _l("Application scenarios"), "government"),
    FieldSpec("delivery_channel", SELECT, _l("Delivery channel"), "government"),
    FieldSpec("record_count", NUMBER, _l("Number of records"), "government"),
    FieldSpec("update_frequency", SELECT, _l("Update frequency"), "dcat"),
    FieldSpec("spatial", SELECT, _l("Spatial coverage"), "dcat"),
    FieldSpec("temporal_start", DAY, _l("Time covered from"), "dcat"),
    FieldSpec("temporal_end", DAY, _l("Time covered until"), "dcat"),
    FieldSpec("issued", MOMENT, _l("Issued"), "dcat"),
    FieldSpec("modified", MOMENT, _l("Modified"), "dcat"),
    FieldSpec("version", TEXT, _l("Version"), "dcat"),
    FieldSpec("identifier", TEXT, _l("Identifier"), "dcat"),
    FieldSpec("landing_page", LINK, _l("Landing page"), "dcat"),
    FieldSpec("contact_name", TEXT, _l("Contact person"), "contact"),
    FieldSpec("contact_phone", TEXT, _l("Contact phone"), "contact"),
    FieldSpec("contact_email", EMAIL, _l("Contact e-mail"), "contact"),
    FieldSpec("is_sample", FLAG, _l("Sample data (labelled as such)"), "other"),
    FieldSpec("extras", EXTRAS, _l("Other properties (one “name = value” a line)"), "other"),
)

# The structured conditions of conditional data (catalog/conditions.py): form field
# ``cond_<key>`` for each key; lists are one item a line, provided fields "name: rule" lines.
CONDITIONS = "conditions"
KINDS_FIELD, LINES = "kinds", "lines"
CONDITION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("applicant_kinds", KINDS_FIELD, _l("Who may apply"), CONDITIONS),
    FieldSpec("qualifications", LINES, _l("Qualifications (one a line)"), CONDITIONS),
    FieldSpec("materials", LINES, _l("Materials to attach (one a line)"), CONDITIONS),
    FieldSpec("permitted_uses", LINES, _l("Permitted uses (one a line)"), CONDITIONS),
    FieldSpec("forbidden_uses", LINES, _l("Forbidden uses (one a line)"), CONDITIONS),
    FieldSpec("security_requirements", LINES, _l("Security requirements (one a line)"), CONDITIONS),
    FieldSpec("delivery_channel", SELECT, _l("Delivery channel"), CONDITIONS),
    FieldSpec("period_days", NUMBER, _l("Period of use (days)"), CONDITIONS),
    FieldSpec(
        "review_days", NUMBER, _l("Review time limit (working days, 10 if empty)"), CONDITIONS
    ),
    FieldSpec(
        "fields",
        LINES,
        _l(
            "Fields provided (one a line; “name: rule” for masked ones, rule one of keep-ends, "
            "pseudonym, generalize, drop)"
        ),
        CONDITIONS,
    ),
    FieldSpec("report_interval_days", NUMBER, _l("Usage report every (days)"), CONDITIONS),
    FieldSpec("contact", TEXT, _l("Contact for applications"), CONDITIONS),
    FieldSpec(
        "verify_fields",
        LINES,
        _l("Fields that may be verified (verification channel; one a line, among those provided)"),
        CONDITIONS,
    ),
    FieldSpec(
        "rate_per_minute",
        NUMBER,
        _l("Calls a minute per grant (API, verification and sandbox channels; 60 if empty)"),
        CONDITIONS,
    ),
    FieldSpec(
        "sandbox_k",
        NUMBER,
        _l("Sandbox threshold k: a result row stands for at least k records (5 if empty)"),
        CONDITIONS,
    ),
)


def condition_field(key: str) -> str:
    """The form field of a conditions key (also of an error's ``conditions.<key>``)."""
    return "cond_" + key.removeprefix("conditions.")


GROUPS = (
    ("basic", _l("Description of the dataset")),
    ("open", _l("Openness")),
    (CONDITIONS, _l("Conditions of conditional data, item by item")),
    ("government", _l("Government catalog fields")),
    ("dcat", _l("Coverage and dates")),
    ("contact", _l("Contact")),
    ("other", _l("Other")),
)

SCHEMES: dict[str, Callable[[], ConceptScheme]] = {**CONTROLLED_FIELDS, "licence": licences.scheme}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldError(Exception):
    """A field's text could not be read (``code`` names why)."""

    def __init__(self, field: str, code: str):
        super().__init__(code)
        self.field = field
        self.code = code


def _field(spec: FieldSpec) -> Field:
    if spec.kind == KINDS_FIELD:
        return SelectMultipleField(spec.label, choices=[], validate_choice=False)
    if spec.kind == LINES:
        return TextAreaField(spec.label)
    if spec.kind == SELECT:
        return SelectField(spec.label, choices=[], validate_choice=False)
    if spec.kind == FLAG:
        return BooleanField(spec.label)
    if spec.kind in (LONG, EXTRAS):
        return TextAreaField(spec.label)
    return StringField(spec.label)


class DatasetForm(FlaskForm):
    """Built from :data:`DATASET_FIELDS` below."""

    def fill_choices(self, departments: Iterable[Department]) -> None:
        lang = current_language()
        self["department"].choices = [(str(d.id), d.name) for d in departments]  # type: ignore[attr-defined]
        for name, scheme in SCHEMES.items():
            concepts = [(c.notation, c.label(lang)) for c in scheme()]
            keep = [] if name == "open_type" else [("", _l("(not given)"))]
            self[name].choices = keep + concepts  # type: ignore[attr-defined]
        self[condition_field("delivery_channel")].choices = self["delivery_channel"].choices  # type: ignore[attr-defined]
        self[condition_field("applicant_kinds")].choices = [(k, kind_label(k)) for k in KINDS]  # type: ignore[attr-defined]

    def groups(self) -> list[tuple[Any, list[Field]]]:
        return [
            (label, [self[spec.name] for spec in DATASET_FIELDS if spec.group == group])
            if group != CONDITIONS
            else (label, [self[condition_field(spec.name)] for spec in CONDITION_FIELDS])
            for group, label in GROUPS
        ]

    def values(self, departments: dict[int, Department]) -> dict[str, Any]:
        """The submitted values as the catalog takes them; :class:`FieldError` on the first
        field that cannot be read (every field is read; all errors are gathered)."""
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for spec in DATASET_FIELDS:
            try:
                values[spec.name] = _value(spec, self[spec.name].data, departments)
            except FieldError as error:
                errors.append(error)
        values["conditions"] = self._conditions()
        if not errors and values.get("open_type") == "conditional":
            if not values.get("access_conditions"):
                errors.append(FieldError("access_conditions", "missing-access-conditions"))
        if errors:
            raise FieldErrors(errors)
        return values

    def _conditions(self) -> dict[str, Any] | None:
        """The conditions as typed, for :func:`catalog.conditions.parse` (which checks them);
        None when nothing is filled in."""
        raw = {spec.name: self[condition_field(spec.name)].data for spec in CONDITION_FIELDS}
        given = {key: value for key, value in raw.items() if value not in (None, "", [])}
        return given or None


class FieldErrors(Exception):
    def __init__(self, errors: list[FieldError]):
        super().__init__(", ".join(e.code for e in errors))
        self.errors = errors


for _spec in DATASET_FIELDS:
    setattr(DatasetForm, _spec.name, _field(_spec))
for _spec in CONDITION_FIELDS:
    setattr(DatasetForm, condition_field(_spec.name), _field(_spec))


def dataset_form_data(dataset: Dataset) -> dict[str, Any]:
    """A stored dataset as the form's initial text."""
    data: dict[str, Any] = {}
    for spec in DATASET_FIELDS:
        value = getattr(dataset, spec.name)
        if spec.name == "department":
            value = str(dataset.department_id or "")
        elif spec.kind == WORDS:
            value = "，".join(value or [])
        elif spec.kind in (DAY, MOMENT):
            value = value.strftime("%Y-%m-%d") if value else ""
        elif spec.kind == NUMBER:
            value = "" if value is None else str(value)
        elif spec.kind == EXTRAS:
            value = "\n".join(f"{k} = {_extra_text(v)}" for k, v in (value or {}).items())
        elif spec.kind != FLAG:
            value = value or ""
        data[spec.name] = value
    data.update(_conditions_data(dataset.conditions or {}))
    return data


def _conditions_data(stored: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in CONDITION_FIELDS:
        value = stored.get(spec.name)
        if spec.name == "fields":
            value = fields_text(value)
        elif spec.kind == LINES:
            value = "\n".join(value or ())
        elif spec.kind == KINDS_FIELD:
            value = list(value or ())
        else:
            value = "" if value is None else str(value)
        data[condition_field(spec.name)] = value
    return data


def _extra_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _value(spec: FieldSpec, raw: Any, departments: dict[int, Department]) -> Any:
    if spec.kind == FLAG:
        return bool(raw)
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if spec.name == "department":
        found = departments.get(int(text)) if str(text or "").isdigit() else None
        if found is None:
            raise FieldError(spec.name, "unknown-department")
        return found
    if spec.kind in (TEXT, LONG, EMAIL, LINK):
        _check_length(spec.name, text or "")
    if not text:
        return _empty(spec)
    if spec.kind == SELECT:
        if spec.name == "licence" and licences.licence(text) is None:
            raise FieldError(spec.name, "unknown-licence")
        return text  # the catalog checks the other vocabularies
    if spec.kind == WORDS:
        return text
    if spec.kind == DAY:
        return _day(spec.name, text)
    if spec.kind == MOMENT:
        day = _day(spec.name, text)
        return datetime(day.year, day.month, day.day)
    if spec.kind == NUMBER:
        if not text.isdigit() or len(text) > 15:
            raise FieldError(spec.name, "invalid-number")
        return int(text)
    if spec.kind == EMAIL and not _EMAIL.match(text):
        raise FieldError(spec.name, "invalid-email")
    if spec.kind == LINK and not text.lower().startswith(("http://", "https://")):
        raise FieldError(spec.name, "invalid-url")
    if spec.kind == EXTRAS:
        return _extras(text)
    return text


def _empty(spec: FieldSpec) -> Any:
    if spec.kind == WORDS:
        return []
    if spec.kind == EXTRAS:
        return {}
    if spec.name == "title":
        return ""  # the catalog says a title is missing
    if spec.name == "open_type":
        raise FieldError(spec.name, "unknown-open-type")  # every dataset has one
    if spec.kind == LONG and spec.name == "description":
        return ""
    return None


def _check_length(name: str, text: str) -> None:
    length = getattr(Dataset.__table__.c[name].type, "length", None)
    if length is not None and len(text) > length:
        raise FieldError(name, "too-long")


def _day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise FieldError(name, "invalid-date") from None


def _extras(text: str) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise FieldError("extras", "invalid-extras")
        extras[key.strip()[:100]] = value.strip()
    return extras


class UploadForm(FlaskForm):
    file = FileField(_l("File"))
    title = StringField(_l("Title (the file name if empty)"))
    description = TextAreaField(_l("Description"))


class LinkForm(FlaskForm):
    title = StringField(_l("Title"))
    download_url = StringField(_l("Download address of the file"))
    access_url = StringField(_l("Address of a page or service giving access"))
    description = TextAreaField(_l("Description"))


class FileForm(FlaskForm):
    """A distribution's description (its stored file stays)."""

    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    download_url = StringField(_l("Download address of the file"))
    access_url = StringField(_l("Address of a page or service giving access"))


def file_form_data(distribution: Distribution) -> dict[str, Any]:
    return {
        "title": distribution.title,
        "description": distribution.description or "",
        "download_url": distribution.download_url or "",
        "access_url": distribution.access_url or "",
    }


def link_values(form: LinkForm | FileForm) -> dict[str, Any]:
    return {
        "title": (form.title.data or "").strip(),
        "description": (form.description.data or "").strip() or None,
        "download_url": (form.download_url.data or "").strip() or None,
        "access_url": (form.access_url.data or "").strip() or None,
    }


class ReviewForm(FlaskForm):
    reason = TextAreaField(_l("Reason (told to the publisher when returning)"))


class ActForm(FlaskForm):
    """A button that changes something: only its CSRF token."""

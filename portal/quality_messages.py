"""What the quality codes say to a person, in the user's language.

The catalog reports stable kebab-case codes (Frictionless error types, MQA criteria, data
quality advice, link problems); this module is the one place that turns them into sentences.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _

from catalog.quality.dqi import Advice
from catalog.quality.mqa import Earned

ERROR_TITLES = {
    "blank-header": _("Empty header"),
    "blank-label": _("Empty column name"),
    "duplicate-label": _("Repeated column name"),
    "missing-label": _("Missing column"),
    "extra-label": _("Extra column"),
    "incorrect-label": _("Column name differs from the schema"),
    "blank-row": _("Empty row"),
    "missing-cell": _("Missing cell"),
    "extra-cell": _("Extra cell"),
    "type-error": _("Wrong type"),
    "constraint-error": _("Constraint not met"),
    "unique-error": _("Repeated value"),
    "primary-key": _("Primary key empty or repeated"),
    "foreign-key": _("Unknown reference"),
    "encoding-error": _("Encoding error"),
    "source-error": _("Unreadable file"),
    "format-error": _("Not in the stated format"),
    "scheme-error": _("File not found"),
    "hash-count": _("Checksum differs"),
    "byte-count": _("Size differs"),
    "field-count": _("Column count differs"),
    "row-count": _("Row count differs"),
}
ERROR_SENTENCES = {
    "blank-label": _("Column %(field)s has no name."),
    "duplicate-label": _("Column %(field)s repeats the name of an earlier column."),
    "missing-label": _("The schema's field %(name)s has no column in the file."),
    "extra-label": _("Column %(field)s is not in the schema."),
    "incorrect-label": _("Column %(field)s is not named as the schema's field %(name)s."),
    "blank-header": _("The header row is empty."),
    "blank-row": _("Row %(row)s is empty."),
    "missing-cell": _("Row %(row)s has no cell in column %(field)s (%(name)s)."),
    "extra-cell": _("Row %(row)s has a cell beyond the last column, in column %(field)s."),
    "type-error": _(
        "Row %(row)s, column %(field)s (%(name)s): “%(cell)s” is not of type %(expected)s."
    ),
    "constraint-error": _(
        "Row %(row)s, column %(field)s (%(name)s): “%(cell)s” breaks the rule %(expected)s."
    ),
    "unique-error": _(
        "Row %(row)s, column %(field)s (%(name)s): “%(cell)s” must be unique "
        "and already appears in row %(other)s."
    ),
    "primary-key": _("Row %(row)s: the primary key is empty or repeats row %(other)s."),
    "encoding-error": _("The file stopped decoding part way: it mixes text encodings."),
    "source-error": _("The file could not be read as a table."),
    "format-error": _("The file is not in the format it claims."),
}
# The same errors about a file that is not public: its position, never its contents.
REDACTED_SENTENCES = {
    "type-error": _(
        "Row %(row)s, column %(field)s (%(name)s): a value is not of the column's type."
    ),
    "constraint-error": _(
        "Row %(row)s, column %(field)s (%(name)s): a value breaks a rule of the column."
    ),
    "unique-error": _(
        "Row %(row)s, column %(field)s (%(name)s): a value repeats one of an earlier row."
    ),
    "primary-key": _("Row %(row)s: the primary key is empty or repeats an earlier row."),
}
REDACTED_OTHER = _(
    "Row %(row)s, column %(field)s: %(kind)s. The file is not public: its contents are not shown."
)
# The limits checked before a file is parsed (catalog.input_limits): a harvest, a validation
# and a preview explain them alike.
INPUT_LIMITS = {
    "archive-too-large": _("The file unpacks to more than the size limit allows."),
    "compression-ratio": _(
        "A part of the file is compressed far more than real data is; it is not read."
    ),
    "xml-entities": _("The XML declares entities, which the portal never expands."),
    "sheet-too-large": _("A sheet or a merged range reaches beyond the row or column limit."),
    "too-many-rows": _("A sheet has more rows than the limit."),
    "document-too-deep": _("The document is nested too deeply to be read."),
}
PROBLEMS = {
    "unsupported-format": _("This format is not a table."),
    "file-missing": _("The stored file is missing."),
    "network-disabled": _("The network is switched off for this portal."),
    "invalid-url": _("The address is not an http(s) address."),
    "unreachable": _("The server could not be reached (unknown host or connection refused)."),
    "timeout": _("The server did not answer in time."),
    "http-error": _("The server answered with an error."),
    "tls-error": _("The secure connection failed."),
    "file-too-large": _("The file is larger than the portal accepts."),
    "fetch-failed": _("The file could not be fetched."),
    **INPUT_LIMITS,
}
CRITERIA = {
    "keywords": _("Keywords"),
    "theme": _("High-value category (theme)"),
    "spatial": _("Spatial coverage"),
    "temporal": _("Temporal coverage"),
    "access-url-answers": _("Access address answers"),
    "download-url": _("Download address given"),
    "download-url-answers": _("Download address answers"),
    "format": _("File format given"),
    "media-type": _("Media type given"),
    "format-vocabulary": _("Format and media type from vocabularies"),
    "non-proprietary": _("Non-proprietary formats"),
    "machine-readable": _("Machine-readable formats"),
    "dcat-ap": _("DCAT-AP mandatory fields"),
    "licence": _("Licence given"),
    "licence-vocabulary": _("Known open licence"),
    "access-rights": _("Access rights given"),
    "access-rights-vocabulary": _("Access rights from a vocabulary"),
    "contact-point": _("Contact phone or e-mail"),
    "publisher": _("Publisher"),
    "rights": _("Rights statement (conditions of use)"),
    "byte-size": _("File sizes given"),
    "issued": _("Release dates of files"),
    "modified": _("Modification dates of files"),
}
DIMENSIONS = {
    "findability": _("Findability"),
    "accessibility": _("Accessibility"),
    "interoperability": _("Interoperability"),
    "reusability": _("Reusability"),
    "contextuality": _("Contextuality"),
}
BANDS = {
    "excellent": _("Excellent"),
    "good": _("Good"),
    "sufficient": _("Sufficient"),
    "bad": _("Bad"),
}
COMPONENTS = {
    "completeness": _("Completeness"),
    "timeliness": _("Timeliness"),
    "validity": _("Validity"),
    "accessibility": _("Accessibility"),
    "responsiveness": _("Responsiveness to problem reports"),
}
FIELDS = {
    "title": _("Title"),
    "description": _("Description"),
    "publisher": _("Publisher"),
    "category": _("High-value category"),
    "keywords": _("Keywords"),
    "format": _("File format"),
    "open_type": _("Open type"),
    "update_frequency": _("Update frequency"),
    "issued": _("Issued"),
    "spatial": _("Spatial coverage"),
    "contact": _("Contact"),
    "licence": _("Licence"),
    "media_type": _("Media type"),
    "byte_size": _("File size"),
    "sha256": _("SHA-256"),
    "row_count": _("Row count"),
    "record_count": _("Record count"),
}
ADVICE = {
    "fill-fields": _("Fill in the missing metadata"),
    "declare-frequency": _("Declare the update frequency"),
    "give-modified": _("Give the date of the last update"),
    "update-data": _("Update the data as often as declared"),
    "fix-table": _("Fix the errors in the tables"),
    "unreadable-table": _("Make the tables readable"),
    "check-links": _("Have the links checked"),
    "fix-links": _("Fix the links that do not answer"),
    "add-distribution": _("Add files or links"),
}
SOURCES = {
    "topic": _("the topic"),
    "department": _("the department"),
    "title": _("the title"),
    "title-description": _("the title and description"),
    "given-format": _("the format given"),
    "content": _("the file's content"),
    "file-name": _("the file name"),
    "download-url": _("the download address"),
    "media-type": _("the media type"),
    "format": _("the format"),
    "stored-file": _("the stored file"),
    "validation-report": _("the validation report"),
    "table": _("the table"),
    "distribution": _("the file"),
}
RULES = {
    "topic-mapping": _("topic mapping"),
    "category-keyword": _("category keyword rule"),
    "division-named": _("names the division"),
    "department-division": _("the department's own division"),
    "jieba-tfidf": _("jieba TF-IDF keywords, top"),
    "format-notation": _("the format vocabulary's code"),
    "format-vocabulary": _("extension or media type in the format vocabulary"),
    "content-sniffing": _("recognised from the content"),
    "media-type-of-format": _("the format's registered media type"),
    "measured": _("measured"),
    "computed": _("computed"),
    "validator-rows": _("rows read by the validator, header excluded"),
    "largest-table": _("rows of the dataset's largest table"),
    "derivation": _("derived file"),
}
# Table Schema field types (https://specs.frictionlessdata.io/table-schema/#types-and-formats)
FIELD_TYPES = {
    "string": _("text"),
    "integer": _("whole number"),
    "number": _("number"),
    "boolean": _("yes/no value"),
    "date": _("date"),
    "time": _("time of day"),
    "datetime": _("date and time"),
    "year": _("year"),
    "yearmonth": _("year and month"),
    "duration": _("duration"),
    "geopoint": _("geographic point"),
    "geojson": _("GeoJSON geometry"),
    "object": _("JSON object"),
    "array": _("JSON list"),
    "list": _("list"),
    "any": _("any value"),
}
_QUOTED = re.compile(r'"([^"]*)"')
_POSITION = re.compile(r"position (\d+)")


def field_type(code: str | None) -> str:
    """A Table Schema type (``integer``, or ``type/format`` as Frictionless notes it) in words;
    a format other than ``default`` follows in brackets."""
    kind, _sep, form = (code or "").partition("/")
    label = str(FIELD_TYPES.get(kind, kind))
    return f"{label} ({form})" if form and form not in ("default", "any") else label


def error_title(kind: str) -> str:
    return str(ERROR_TITLES.get(kind, kind))


def explain_error(error: Mapping[str, Any]) -> str:
    """One sentence for a stored validation error; Frictionless's message where we have none."""
    kind = str(error.get("type", ""))
    if error.get("redacted"):
        return _redacted_sentence(kind, error)
    sentence = ERROR_SENTENCES.get(kind)
    if sentence is None:
        return str(error.get("message", kind))
    note = str(error.get("note") or "")
    quoted = _QUOTED.findall(note)
    other = _POSITION.search(note)
    expected = " = ".join(quoted[:2]) if kind == "constraint-error" else (quoted or [""])[0]
    if kind == "type-error":
        expected = field_type(expected)
    return str(sentence) % {
        "row": error.get("row_number", "?"),
        "field": error.get("field_number", "?"),
        "name": error.get("field_name") or "",
        "cell": error.get("cell", ""),
        "expected": expected,
        "other": other.group(1) if other else "?",
    }


def _redacted_sentence(kind: str, error: Mapping[str, Any]) -> str:
    """An error about a file that is not public: its kind and position, nothing it quotes."""
    values = {
        "row": error.get("row_number", "?"),
        "field": error.get("field_number", "?"),
        "name": error.get("field_name") or "",
        "kind": error_title(kind),
    }
    sentence = REDACTED_SENTENCES.get(kind)
    if sentence is None and kind in ERROR_SENTENCES:
        sentence = ERROR_SENTENCES[kind]  # these quote no cell: labels, blank rows, missing cells
    return str(sentence or REDACTED_OTHER) % values


def problem_text(code: str | None) -> str:
    return str(PROBLEMS.get(code or "", code or ""))


def criterion_label(earned: Earned) -> str:
    return str(CRITERIA.get(earned.criterion.code, earned.criterion.code))


def provenance(text: str, kind: str) -> str:
    """An inference's source or rule (``kind: detail``) in the user's language."""
    code, _sep, detail = text.partition(":")
    table = SOURCES if kind == "source" else RULES
    label = table.get(code.strip())
    if label is None:
        return text
    detail = detail.strip()
    return f"{label} {detail}" if detail else str(label)


def advice_label(code: str) -> str:
    """What a group of datasets should do, without the details of one dataset."""
    return str(ADVICE.get(code, code))


def advice_text(advice: Advice) -> str:
    """What a person can do about one piece of data quality advice."""
    detail = advice.detail.split("|") if advice.detail else []
    if advice.code == "fill-fields":
        names = "、".join(str(FIELDS.get(name, name)) for name in advice.detail.split(","))
        return str(_("Fill in: %(fields)s.", fields=names))
    if advice.code == "declare-frequency":
        return str(_("Declare how often the data is updated."))
    if advice.code == "give-modified":
        return str(_("Give the date of the last update."))
    if advice.code == "update-data" and len(detail) == 3:
        return str(
            _(
                "Update the data: last updated %(date)s, %(days)s days ago.",
                date=detail[0],
                days=detail[2],
            )
        )
    if advice.code == "fix-table" and len(detail) == 2:
        return str(_("Fix the %(count)s errors in %(file)s.", count=detail[1], file=detail[0]))
    if advice.code == "unreadable-table" and detail:
        return str(_("Make %(file)s readable as a table.", file=detail[0]))
    if advice.code == "check-links":
        return str(_("The links have not been checked yet."))
    if advice.code == "fix-links":
        return str(_("Fix the links that do not answer (%(count)s).", count=advice.detail))
    if advice.code == "add-distribution":
        return str(_("Add a file or a link to the data."))
    return advice.code

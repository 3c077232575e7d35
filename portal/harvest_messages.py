"""What the harvest codes mean, in the reader's language.

Jobs and records store stable kebab-case codes (``conflict-with-source``, ``too-large`` …) and
an English detail; the administration pages show the sentence for the code, in Chinese by
default. A code without a sentence here shows itself, so nothing is ever hidden.
"""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.errors import CatalogError
from portal.i18n import current_language
from portal.quality_messages import INPUT_LIMITS
from vocab import catalog_headers


def reason(code: str) -> str:
    """The sentence for an error or warning code."""
    if code.startswith("unknown-") and code not in _reasons():
        field = code.removeprefix("unknown-").replace("-", "_")
        return _(
            "The value of “%(field)s” is not in the portal's vocabulary; it was kept aside.",
            field=field_label(field),
        )
    return _reasons().get(code, code)


def field_label(field: str) -> str:
    concept = catalog_headers.scheme().by_notation(field)
    if concept is None:
        return field
    return concept.label(current_language())


def outcome_label(outcome: str) -> str:
    labels = {
        "added": _("Added"),
        "updated": _("Changed"),
        "unchanged": _("Unchanged"),
        "restored": _("Restored"),
        "missing": _("Missing from the source"),
        "archived": _("Archived"),
        "failed": _("Rejected"),
    }
    return labels.get(outcome, outcome)


def status_label(status: str) -> str:
    labels = {"running": _("Running"), "succeeded": _("Succeeded"), "failed": _("Failed")}
    return labels.get(status, status)


def kind_label(kind: str) -> str:
    labels = {
        "ckan": _("CKAN portal"),
        "dcat": _("DCAT catalog (RDF)"),
        "spreadsheet": _("Catalog spreadsheet"),
        "datapackage": _("Frictionless data package"),
    }
    return labels.get(kind, kind)


def frequency_label(frequency: str) -> str:
    labels = {
        "manual": _("Only when run by hand"),
        "daily": _("Daily"),
        "weekly": _("Weekly"),
        "monthly": _("Monthly"),
    }
    return labels.get(frequency, frequency)


def note_label(note: str) -> str:
    name, _sep, detail = note.partition(":")
    labels = {
        "incremental-unsupported": _(
            "The source refused the incremental query; every record was read."
        ),
        "search-unavailable": _(
            "The source offers no package_search; records were read one by one."
        ),
        "paging-loop": _("The pages of the source link back to an earlier page; paging stopped."),
        "foreign-next-page": _(
            "The next page is on another site (%(url)s); it was not read, and paging stopped.",
            url=detail,
        ),
        "not-modified": _(
            "%(count)s records were not modified since the last successful run (dct:modified) "
            "and were not read again.",
            count=detail,
        ),
        "sheet-without-header": _(
            "The sheet “%(sheet)s” has no catalog header and was skipped.", sheet=detail
        ),
    }
    return labels.get(name, note)


def _reasons() -> dict[str, str]:
    return {
        # the source as a whole
        "unsupported-scheme": _("Only http and https addresses are fetched."),
        "timeout": _("The source did not answer in time."),
        "too-large": _("The source sent more data than the size limit allows."),
        "redirect-loop": _("The source redirects in a loop."),
        "connection-failed": _("The source could not be reached."),
        "http-error": _("The source answered with an error."),
        "not-found": _("The record or file was not found at the source."),
        "local-path-refused": _("Local files can only be harvested from the command line."),
        "malformed-response": _("The source did not answer in the expected format (invalid JSON)."),
        "malformed-rdf": _("The source sent RDF that cannot be read."),
        "unsupported-syntax": _("The RDF syntax of the source is not supported."),
        "jsonld-remote-context": _(
            "The JSON-LD names a remote context that is not known locally; it is never fetched."
        ),
        "too-many-pages": _("The source has more pages than a job reads."),
        "no-ckan-api": _(
            "The site answers neither package_search nor package_list: it offers no CKAN API."
        ),
        "too-many-records": _("The source has more records than a job reads."),
        "time-limit-exceeded": _("The job ran past its time limit and was stopped."),
        "owner-died": _(
            "The process running the job stopped (it was killed or its machine went away); "
            "the job was marked failed so that the next one could start."
        ),
        "internal-error": _("The job failed because of an error in the portal."),
        "no-catalog-header": _(
            "No sheet has a catalog header row (数据资源名称, 提供部门, 摘要 …)."
        ),
        "unreadable-spreadsheet": _("The file is not a readable XLSX or XLS workbook."),
        "unknown-encoding": _("The CSV file is neither UTF-8 nor GB18030/GBK."),
        "unknown-open-type": _(
            "The open type is not one the portal knows; the record was kept as not open "
            "(不予开放) and is not shown publicly."
        ),
        "missing-open-type": _(
            "The record states no open type; it was kept as open on conditions (有条件开放): "
            "listed, its files and links withheld."
        ),
        **{code: str(sentence) for code, sentence in INPUT_LIMITS.items()},
        "not-a-data-package": _("The file is not a data package (no list of resources)."),
        "job-already-running": _("A job of this source is still running."),
        "job-not-started": _(
            "The job did not start in time; look at the source's jobs, then try again."
        ),
        # one record
        "missing-title": _("The record has no title."),
        "missing-id": _("The record has no identifier."),
        "not-active": _("The record is deleted or a draft at the source."),
        "private-record": _("The record is private at the source."),
        "malformed-record": _("The record is not in the expected shape."),
        "mapping-failed": _("The record could not be read."),
        "write-failed": _("The record could not be saved."),
        "invalid-text": _(
            "A text of the record holds a character no text may hold (a lone surrogate or a "
            "control character such as NUL); the record was not harvested."
        ),
        "database-rejected": _(
            "The database refused to store the record; the other records were saved."
        ),
        "duplicate-in-source": _("The source lists this record twice."),
        "duplicate-record": _(
            "The same dataset already came from another record; it was not duplicated."
        ),
        "conflict-with-source": _(
            "Another source has a dataset with the same identifier and different content; "
            "the existing dataset was kept unchanged."
        ),
        "conflict-with-local-dataset": _(
            "A dataset of the portal itself has this identifier; it was kept unchanged."
        ),
        "missing-from-source": _(
            "The record is no longer in the source; it will be archived after the grace period."
        ),
        # warnings
        "value-truncated": _("A value was too long and was shortened; the full text is kept."),
        "invalid-url": _("A link is not an http(s) address; it is kept but not linked."),
        "invalid-number": _("A number could not be read."),
        "invalid-date": _("A date could not be read and was left out."),
        "invalid-boolean": _("A yes/no value could not be read."),
        "invalid-uri": _("An address is not an http(s) IRI."),
        "double-escaped-text": _("Text escaped twice by the source was repaired."),
        "no-identifier": _(
            "The dataset has no identifier; it is recognised by its title and links."
        ),
        "local-resource": _("A resource is a local file and is not linked."),
        "inline-data": _("A resource holds inline data, which is not published as a file."),
        "unreadable-schema": _("A referenced Table Schema could not be read."),
        "malformed-resource": _("A resource is not in the expected shape."),
    }


def source_error(error: CatalogError) -> str:
    """Why a source could not be added or changed."""
    messages = {
        "name-taken": _("A source already has this name."),
        "invalid-name": _(
            "A source name has 1 to 64 letters, digits, “-” or “_”, and starts with a letter "
            "or digit (no “/”, “.”, spaces or markup)."
        ),
        "unknown-kind": _("Choose the type of the source."),
        "unknown-frequency": _("Choose how often the source runs."),
        "invalid-url": _("The address must start with http:// or https://."),
        "unknown-department": _("There is no such department."),
    }
    return messages.get(error.code, error.message)

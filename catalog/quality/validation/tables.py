"""Validate one table file as a Frictionless resource and return a :class:`TableReport`.

Frictionless does everything but the per-row work: it detects the encoding (through
:func:`.encoding.detect_encoding`), the dialect and the header rows, infers the Table Schema
from a sample when the package gives none, and parses spreadsheets and JSON. CSV is read by
:mod:`.csvread`. The rows are checked by the fast engine (:mod:`.fast`), which reports the
same errors as ``resource.validate()`` many times faster; ``engine="frictionless"`` runs
Frictionless's own validation instead.
Foreign keys point into other files of a package: they are not checked here, and the report
says so in its warnings. An XLSX or ODS file is checked before any library opens it
(:func:`catalog.input_limits.check_workbook`): a zip bomb, XML entities, or a dimension or
merged range beyond the limits is a failed report with the limit's code as its problem.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
from frictionless import Detector, FrictionlessException, Resource
from frictionless import errors as fl_errors
from frictionless.resources import TableResource

from catalog.input_limits import InputLimitError, InputLimits, check_workbook
from catalog.quality.validation import csvread
from catalog.quality.validation.encoding import charset_label, detect_encoding
from catalog.quality.validation.fast import CHUNK_ROWS, RowChecker
from catalog.quality.validation.formats import LIMIT_ERRORS, TABULAR_FORMATS
from catalog.quality.validation.report import TableError, TableReport, clip, count_errors

ENGINES = ("auto", "fast", "frictionless")


def validate_table(
    path: Path,
    fmt: str,
    *,
    descriptor: Mapping[str, Any] | None = None,
    limit_errors: int = LIMIT_ERRORS,
    engine: str = "auto",
    input_limits: InputLimits | None = None,
) -> TableReport:
    """Validate the table at ``path`` in catalog format ``fmt`` (CSV, XLSX, …).

    ``descriptor`` is the Frictionless resource descriptor from the data package (schema,
    dialect, encoding, hash, bytes…), when there is one; without a schema one is inferred.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    name = TABULAR_FORMATS.get(fmt.upper())
    if name is None:
        return TableReport.failed("unsupported-format", format=fmt.upper())
    started = time.perf_counter()
    if name in ("xlsx", "ods"):
        try:
            check_workbook(path, input_limits or InputLimits())
        except InputLimitError as error:
            return TableReport.failed(error.code, note=error.message, format=fmt.upper())
    given = dict(descriptor or {})
    warnings = _drop_foreign_keys(given)
    buffer: dict[str, bytes] = {}
    try:
        resource = _resource(path, name, given, buffer)
    except FrictionlessException as exception:
        return _report_of_errors(exception.to_errors(), fmt, started)
    if engine == "frictionless":
        report = _frictionless(resource, limit_errors)
    else:
        report = _fast(resource, path, limit_errors)
    _describe(resource, report, buffer.get("sample", b""))
    report.format = fmt.upper()
    report.schema_source = "package" if given.get("schema") else "inferred"
    report.warnings = [*warnings, *report.warnings]
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _resource(path: Path, name: str, given: dict[str, Any], buffer: dict[str, bytes]) -> Resource:
    """The Frictionless resource; ``buffer`` receives the bytes the encoding was detected on."""
    declared = given.get("encoding")

    def encoding_function(sample: bytes) -> str:
        buffer["sample"] = sample
        return declared or detect_encoding(sample)

    descriptor = {**given, "path": path.name, "format": name, "name": "table", "type": "table"}
    resource = Resource(
        descriptor,
        basepath=str(path.parent),
        detector=Detector(encoding_function=encoding_function),  # type: ignore[arg-type]
    )
    return resource


def _drop_foreign_keys(given: dict[str, Any]) -> list[str]:
    schema = given.get("schema")
    if isinstance(schema, Mapping) and schema.get("foreignKeys"):
        given["schema"] = {k: v for k, v in schema.items() if k != "foreignKeys"}
        return ["foreign keys point into other files of the package and were not checked"]
    return []


def _fast(resource: Resource, path: Path, limit_errors: int) -> TableReport:
    """Frictionless's ``Resource.validate`` with the row loop replaced by the fast engine."""
    try:
        resource.to_descriptor(validate=True)
        resource.open()
    except FrictionlessException as exception:
        resource.close()
        return _report_of_errors(exception.to_errors(), None, None)
    if not isinstance(resource, TableResource):
        resource.close()
        return TableReport.failed("not-a-table")
    with resource:
        listed: list[TableError] = []
        if not (resource.labels or resource.fragment):
            listed.append(_convert(fl_errors.SourceError(note="the source is empty")))
        listed.extend(_convert(e) for e in resource.header.errors)
        fields = resource.header.get_expected_fields()
        checker = RowChecker(fields, list(resource.schema.primary_key), limit_errors - len(listed))
        failures: list[Any] = []
        reader = "frictionless"  # which reader gave the rows: arrow, csv or frictionless
        if csvread.can_read(resource):
            md5 = bool(resource.hash) and not str(resource.hash).startswith("sha256:")
            reader = "arrow"
            if not _read_with_arrow(resource, path, checker, md5):
                reader = "csv"
                checker = RowChecker(
                    fields, list(resource.schema.primary_key), limit_errors - len(listed)
                )
                for numbers, rows in csvread.read_chunks(resource, path, CHUNK_ROWS, failures, md5):
                    checker.check_chunk(numbers, rows)
        else:
            checker.check(_rows(resource, failures))
        listed.extend(checker.errors)
        counts = count_errors(listed[: len(listed) - len(checker.errors)])
        for kind, count in checker.counts.items():
            counts[kind] = counts.get(kind, 0) + count
        resource.stats.rows = checker.rows
        tail = [_convert(e) for e in _end_errors(resource)]
        tail += [_convert(error) for error in failures]
        for error in tail:
            counts[error.type] = counts.get(error.type, 0) + 1
        room = max(limit_errors - len(listed), 0)
        listed.extend(tail[:room])
    report = TableReport(valid=not counts, engine="fast", stats={"reader": reader})
    report.errors = listed
    report.error_counts = counts
    report.partial = sum(counts.values()) > len(listed)
    if report.partial:
        report.warnings.append(f"reached error limit: {limit_errors}")
    return report


def _read_with_arrow(resource: TableResource, path: Path, checker: RowChecker, md5: bool) -> bool:
    """Check the rows as Arrow reads them, where that is exactly how ``csv.reader`` reads
    them (:func:`.csvread.arrow_dialect`); False, with ``checker`` spoilt, if it was not."""
    dialect = csvread.arrow_dialect(resource, path) if checker.width else None
    if dialect is None:
        return False
    try:
        for numbers, columns, rows in csvread.arrow_segments(
            resource, path, dialect, checker.width, md5
        ):
            if columns is not None:
                checker.check_columns(numbers, columns)
            else:
                assert rows is not None
                checker.check_chunk(numbers, rows)
    except (csvread.NotSimple, pa.ArrowException, UnicodeDecodeError, LookupError):
        return False
    return True


def _rows(resource: TableResource, failures: list[Any]) -> Iterator[Any]:
    """The content rows; a reading failure (an encoding error…) ends the stream and is kept."""
    try:
        yield from resource.dialect.read_enumerated_content_stream(resource.cell_stream)
    except FrictionlessException as exception:
        failures.append(exception.error)


def _end_errors(resource: TableResource) -> Iterator[Any]:
    """Frictionless's end-of-table checks: declared hash, bytes, fields and rows."""
    stats = resource.stats
    if resource.hash:
        algorithm, _, expected = resource.hash.rpartition(":")
        actual = stats.sha256 if algorithm == "sha256" else stats.md5
        if algorithm in ("", "md5", "sha256") and actual and actual != expected:
            yield fl_errors.HashCountError(
                note=f'expected is "{expected}" and actual is "{actual}"'
            )
    counts: tuple[tuple[Any, Any, Any], ...] = (
        (resource.bytes, stats.bytes, fl_errors.ByteCountError),
        (resource.fields, stats.fields, fl_errors.FieldCountError),
        (resource.rows, stats.rows, fl_errors.RowCountError),
    )
    for declared, actual, error in counts:
        if declared and declared != actual:
            yield error(note=f'expected is "{declared}" and actual is "{actual}"')


def _frictionless(resource: Resource, limit_errors: int) -> TableReport:
    result = resource.validate(limit_errors=limit_errors)
    errors = [_convert(e) for task in result.tasks for e in task.errors]
    errors += [_convert(e) for e in result.errors]
    report = TableReport(valid=result.valid, engine="frictionless", errors=errors)
    report.error_counts = count_errors(errors)
    if result.tasks:
        task = result.tasks[0]
        report.stats.update({k: task.stats.get(k) for k in ("rows", "fields", "bytes")})
        report.partial = any("limit" in w for w in task.warnings)
        report.warnings.extend(task.warnings)
    return report


def _describe(resource: Resource, report: TableReport, buffer: bytes) -> None:
    """Add the encoding, dialect, schema and stats of a read resource to ``report``."""
    stats = resource.stats
    encoding = resource.encoding
    report.encoding = encoding
    if isinstance(resource, TableResource):
        report.dialect = {
            "header": resource.dialect.header,
            "headerRows": resource.dialect.header_rows,
        }
        if resource.format in ("csv", "tsv") and encoding and buffer:
            report.dialect.update(_csv_dialect(buffer, encoding, resource.format))
        if resource.schema is not None:
            report.schema = resource.schema.to_descriptor()
    for key in ("rows", "fields", "bytes", "md5", "sha256"):
        value = getattr(stats, key, None)
        if value is not None:
            report.stats.setdefault(key, value)
    if buffer and encoding:
        report.stats["charset"] = charset_label(buffer, encoding)


def _csv_dialect(buffer: bytes, encoding: str, fmt: str) -> dict[str, Any]:
    """Delimiter and quote character, sniffed as Frictionless's CSV parser sniffs them."""
    text = buffer.decode(encoding, errors="ignore")
    sample = "".join(islice(text.splitlines(keepends=True), 100))
    delimiters = "\t" if fmt == "tsv" else ",\t;|"
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters)
        delimiter, quote = sniffed.delimiter, sniffed.quotechar
    except csv.Error:
        delimiter, quote = ("\t" if fmt == "tsv" else ","), '"'
    return {"delimiter": delimiter, "quoteChar": '"' if quote == "'" else quote}


def _report_of_errors(found: list[Any], fmt: str | None, started: float | None) -> TableReport:
    errors = [_convert(e) for e in found]
    report = TableReport(valid=False, engine="frictionless", errors=errors)
    report.error_counts = count_errors(errors)
    report.format = fmt.upper() if fmt else None
    if started is not None:
        report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _convert(error: Any) -> TableError:
    """A Frictionless error as a TableError."""
    return TableError(
        type=error.type,
        message=error.message,
        note=getattr(error, "note", "") or "",
        row_number=getattr(error, "row_number", None),
        field_number=getattr(error, "field_number", None),
        field_name=getattr(error, "field_name", None) or getattr(error, "label", None) or None,
        cell=clip(error.cell) if getattr(error, "cell", None) is not None else None,
    )

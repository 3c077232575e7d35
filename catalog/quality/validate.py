"""Validate one distribution and keep its report: the use case behind jobs and ``gxdata validate``.

A stored file is validated in place; a harvested one is fetched to a temporary file within
the size and time limits, validated and removed. The Table Schema comes from the dataset's
data package when it has one for this file (``extras["schemas"]``, keyed by the resource
path), else Frictionless infers it. Each distribution keeps one report, its latest, valid or
not; a file that could not be reached keeps a report whose ``problem`` says why. The report
of a file that is not public keeps no cell value (:func:`public_errors` reads any out).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.access import cell_values_public
from catalog.db import utcnow
from catalog.errors import NotFound
from catalog.models import Dataset, Distribution
from catalog.quality.models import ValidationReport
from catalog.quality.remote import Limits, fetch
from catalog.quality.validation import LIMIT_ERRORS, TableReport, is_tabular, validate_table
from catalog.quality.validation.report import redact_error
from catalog.storage import FileStore


def package_descriptor(distribution: Distribution) -> dict[str, Any] | None:
    """The data-package resource descriptor (its schema) that describes this file, if any."""
    schemas = (distribution.dataset.extras or {}).get("schemas")
    if not isinstance(schemas, Mapping):
        return None
    name = distribution.file_name or distribution.title
    for path, schema in schemas.items():
        if schema and PurePosixPath(str(path)).name == name:
            return {"schema": schema}
    return None


def validate_distribution(
    session: Session,
    store: FileStore,
    distribution: Distribution,
    limits: Limits,
    *,
    engine: str = "auto",
    limit_errors: int = LIMIT_ERRORS,
) -> ValidationReport | None:
    """Validate the distribution's table and store the report; None if it is no table.

    A remote file that cannot be fetched because the network is off leaves any earlier
    report as it was and returns it.
    """
    if not is_tabular(distribution.format):
        return None
    existing = report_for(session, distribution.id)
    descriptor = package_descriptor(distribution)
    fmt = str(distribution.format)
    if distribution.stored_file:
        try:
            path = store.path(distribution.stored_file)
        except NotFound:
            return _keep(session, distribution, existing, TableReport.failed("file-missing"))
        result = validate_table(
            path, fmt, descriptor=descriptor, engine=engine, limit_errors=limit_errors
        )
        return _keep(session, distribution, existing, result, distribution.sha256)
    if not distribution.download_url:
        return None
    fetched = fetch(distribution.download_url, limits)
    if fetched.path is None:
        if fetched.problem == "network-disabled":
            return existing
        failed = TableReport.failed(fetched.problem or "fetch-failed", format=fmt)
        return _keep(session, distribution, existing, failed)
    try:
        result = validate_table(
            fetched.path, fmt, descriptor=descriptor, engine=engine, limit_errors=limit_errors
        )
    finally:
        fetched.discard()
    return _keep(session, distribution, existing, result, result.stats.get("sha256"))


def validate_path(path: Path, fmt: str, **options: Any) -> TableReport:
    """Validate a file that is not in the catalog (``gxdata validate FILE``)."""
    return validate_table(path, fmt, **options)


def report_for(session: Session, distribution_id: str) -> ValidationReport | None:
    return session.scalar(
        select(ValidationReport).where(ValidationReport.distribution_id == distribution_id)
    )


def reports_for(session: Session, distribution_ids: list[str]) -> dict[str, ValidationReport]:
    if not distribution_ids:
        return {}
    stmt = select(ValidationReport).where(ValidationReport.distribution_id.in_(distribution_ids))
    return {report.distribution_id: report for report in session.scalars(stmt)}


def public_errors(dataset: Dataset, report: ValidationReport) -> list[dict[str, Any]]:
    """The report's errors as the public may see them: whole for a file of an unconditionally
    open dataset, else type and position only (:func:`catalog.access.cell_values_public`),
    whatever was stored before (an older report, a dataset whose open type changed since)."""
    errors = [e for e in report.errors or [] if isinstance(e, dict)]
    if cell_values_public(dataset):
        return errors
    return [redact_error(error) for error in errors]


def is_stale(report: ValidationReport | None, distribution: Distribution) -> bool:
    """Whether the distribution's file changed since its report (or it has none)."""
    if report is None:
        return True
    return bool(distribution.stored_file) and report.source_sha256 != distribution.sha256


def _keep(
    session: Session,
    distribution: Distribution,
    existing: ValidationReport | None,
    result: TableReport,
    sha256: str | None = None,
) -> ValidationReport:
    row = existing or ValidationReport(distribution_id=distribution.id)
    row.created_at = utcnow()
    row.source_sha256 = sha256
    row.valid = result.valid
    row.problem = result.problem
    row.engine = result.engine
    row.format = result.format or distribution.format
    row.encoding = result.encoding
    row.dialect = result.dialect
    row.table_schema = result.schema
    row.schema_source = result.schema_source
    row.stats = {k: v for k, v in result.stats.items() if k != "md5"}
    row.error_count = result.error_count
    row.error_counts = result.error_counts
    public = cell_values_public(distribution.dataset)  # else never store what a cell holds
    row.errors = [(error if public else error.redacted()).to_dict() for error in result.errors]
    row.warnings = list(result.warnings)
    row.partial = result.partial
    if existing is None:
        session.add(row)
    session.flush()
    return row

"""Validate tables as Frictionless resources: a fast engine, Frictionless's own as reference.

Importing the package is cheap: frictionless and pyarrow (about 50 MB) are loaded by the
first :func:`validate_table`, in the process that validates (the worker), not in every
process that only asks :func:`is_tabular` (the web portal, a harvest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from catalog.quality.validation.formats import LIMIT_ERRORS, TABULAR_FORMATS, is_tabular
from catalog.quality.validation.report import TableError, TableReport


def validate_table(path: Path, fmt: str, **options: Any) -> TableReport:
    """See :func:`catalog.quality.validation.tables.validate_table`."""
    from catalog.quality.validation.tables import validate_table as validate  # noqa: PLC0415

    return validate(path, fmt, **options)


__all__ = [
    "LIMIT_ERRORS",
    "TABULAR_FORMATS",
    "TableError",
    "TableReport",
    "is_tabular",
    "validate_table",
]

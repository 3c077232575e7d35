"""Validate tables as Frictionless resources: a fast engine, Frictionless's own as reference."""

from catalog.quality.validation.report import TableError, TableReport
from catalog.quality.validation.tables import (
    LIMIT_ERRORS,
    TABULAR_FORMATS,
    is_tabular,
    validate_table,
)

__all__ = [
    "LIMIT_ERRORS",
    "TABULAR_FORMATS",
    "TableError",
    "TableReport",
    "is_tabular",
    "validate_table",
]

"""Which catalog formats are tables, without the validation libraries (frictionless, pyarrow),
which only the process that validates needs: the job trigger and the pages ask this often."""

from __future__ import annotations

# Catalog format notations Frictionless reads as tables, and its name for each.
TABULAR_FORMATS = {
    "CSV": "csv",
    "TSV": "tsv",
    "XLSX": "xlsx",
    "XLS": "xls",
    "ODS": "ods",
    "JSON": "json",
}
LIMIT_ERRORS = 1000  # Frictionless's default


def is_tabular(fmt: str | None) -> bool:
    return (fmt or "").upper() in TABULAR_FORMATS

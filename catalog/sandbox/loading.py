"""Granted tables for the sandbox: the stored original read as a stream, masked row by row by
the grant's :class:`catalog.masking.streams.Delivery` (the same rules as a download), and the
masked rows loaded into a DuckDB table. The original is only read; no unmasked value reaches
the database.

Cells arrive as text; after loading, a column whose every non-empty value reads as a whole
number (or a number, or a date) takes that type so that SUM and AVG work, and an empty cell
becomes NULL.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

import duckdb
import pyarrow as pa
from openpyxl import load_workbook

from catalog.errors import InvalidValue
from catalog.masking import streams
from catalog.masking.rules import plan_columns

BATCH_ROWS = 50_000
KINDS = ("csv", "xlsx")
IDENTIFIER_RULES = ("keep", "pseudonym")
#: The types tried, narrowest first, for a column loaded as text.
TYPES = ("BIGINT", "DOUBLE", "DATE")


@dataclass(frozen=True)
class Loaded:
    """A table as loaded: its columns (delivered header), source rows and identifier columns."""

    name: str
    columns: tuple[str, ...]
    rows: int
    identifiers: frozenset[str]


def _csv_rows(source: IO[bytes]) -> tuple[list[str], Iterator[list[Any]]]:
    text, _ = streams.open_text(source)
    reader = csv.reader(text)
    return next(reader, []), reader


def _xlsx_rows(source: IO[bytes]) -> tuple[list[str], Iterator[Any]]:
    """The first sheet: its first row names the columns."""
    book = load_workbook(streams._seekable(source), read_only=True, data_only=True)
    if not book.worksheets:
        return [], iter(())
    rows = book.worksheets[0].iter_rows(values_only=True)
    first = next(rows, None) or ()
    return ["" if cell is None else str(cell) for cell in first], rows


def masked_rows(
    source: IO[bytes], kind: str, masking: streams.Delivery
) -> tuple[tuple[str, ...], Iterator[list[Any]]]:
    """The delivered header and the masked rows of a stored CSV or XLSX stream."""
    if kind not in KINDS:
        raise InvalidValue("only CSV and XLSX files load into the sandbox", code="not-loadable")
    header, rows = _csv_rows(source) if kind == "csv" else _xlsx_rows(source)
    plan = plan_columns(header, masking.rules, masking.key, masking.only)
    return plan.header, (plan.row(row) for row in rows)


def column_names(header: Iterable[str]) -> tuple[str, ...]:
    """The header stripped, an empty or repeated name numbered (``column_3``, ``名称_2``)."""
    names: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = raw.strip() or f"column_{index}"
        base, suffix = name, 2
        while name in names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        names.append(name)
    return tuple(names)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _column_type(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    tried = ", ".join(
        f"count(*) FILTER (WHERE TRY_CAST({quote(column)} AS {kind}) IS NULL)" for kind in TYPES
    )
    found = con.execute(
        f"SELECT {tried} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL"
    ).fetchone()
    assert found is not None
    for kind, failures in zip(TYPES, found, strict=True):
        if failures == 0:
            return kind
    return "VARCHAR"


def load_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    source: IO[bytes],
    kind: str,
    masking: streams.Delivery,
) -> Loaded:
    """Load the masked rows of ``source`` into the table ``name`` of ``con``."""
    header, rows = masked_rows(source, kind, masking)
    columns = column_names(header)
    if not columns:
        raise InvalidValue("the file has no columns to load", code="no-columns")
    staging = f"__gx_load_{name}"
    typed = ", ".join(f"{quote(column)} VARCHAR" for column in columns)
    con.execute(f"CREATE TEMP TABLE {quote(staging)} ({typed})")
    width, count = len(columns), 0
    while batch := list(islice(rows, BATCH_ROWS)):
        cells = [[_text(row[i]) if i < len(row) else None for row in batch] for i in range(width)]
        arrow = pa.table({f"c{i}": pa.array(cells[i], pa.string()) for i in range(width)})
        con.register("__gx_batch", arrow)
        con.execute(f"INSERT INTO {quote(staging)} SELECT * FROM __gx_batch")
        con.unregister("__gx_batch")
        count += len(batch)
    casts = ", ".join(
        f"CAST({quote(c)} AS {_column_type(con, staging, c)}) AS {quote(c)}" for c in columns
    )
    con.execute(f"CREATE TABLE {quote(name)} AS SELECT {casts} FROM {quote(staging)}")
    con.execute(f"DROP TABLE {quote(staging)}")
    identifiers = frozenset(
        column
        for column in columns
        if (rule := masking.rules.get(column)) is not None and rule.kind in IDENTIFIER_RULES
    )
    return Loaded(name, columns, count, identifiers)

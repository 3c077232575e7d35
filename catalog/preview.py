"""A preview of the first rows of a stored table: CSV/TSV, XLSX/XLS and JSON.

Reads only what it shows: a preview never loads a whole large file. Problems come back as
a typed ``error`` code (``unsupported-format``, ``unreadable-file``, ``not-a-table``, or a
limit's code from :mod:`catalog.input_limits` for an XLSX that is a zip bomb, declares XML
entities or has a dimension or merged range beyond the limits) for the page to explain, never
as an exception.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import xlrd

from catalog.cells import cell_text
from catalog.input_limits import InputLimitError, InputLimits, check_extent, check_workbook

ENCODINGS = ("utf-8-sig", "gb18030")
PREVIEWABLE = frozenset({"CSV", "TSV", "XLSX", "XLS", "JSON"})
JSON_PREVIEW_LIMIT = 20 * 1024 * 1024  # JSON has to be parsed whole


@dataclass
class Preview:
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    truncated: bool = False
    error: str | None = None
    sheet: str | None = None


def preview_table(path: Path, fmt: str | None, max_rows: int = 100) -> Preview:
    fmt = (fmt or "").upper()
    readers = {"CSV": _csv, "TSV": _csv, "XLSX": _xlsx, "XLS": _xls, "JSON": _json}
    reader = readers.get(fmt)
    if reader is None:
        return Preview(error="unsupported-format")
    try:
        return reader(path, max_rows)
    except InputLimitError as error:
        return Preview(error=error.code)
    except Exception:  # a broken file is a message on the page, not an error page
        return Preview(error="unreadable-file")


def _table(rows: Sequence[Sequence[object]], max_rows: int, more: bool) -> Preview:
    if not rows:
        return Preview(error="not-a-table")
    headers = [cell_text(v) for v in rows[0]]
    body = [[cell_text(v) for v in row] for row in rows[1 : max_rows + 1]]
    width = max([len(headers), *(len(r) for r in body)])
    headers += [""] * (width - len(headers))
    body = [r + [""] * (width - len(r)) for r in body]
    return Preview(headers=headers, rows=body, truncated=more or len(rows) > max_rows + 1)


def _csv(path: Path, max_rows: int) -> Preview:
    head = path.open("rb").read(256 * 1024)
    for encoding in ENCODINGS:
        try:
            text_head = head.decode(encoding)
            break
        except UnicodeDecodeError as error:
            if error.start > len(head) - 4:  # a character cut at the end of the sample
                text_head = head[: error.start].decode(encoding)
                break
    else:
        return Preview(error="unreadable-file")
    try:
        dialect = csv.Sniffer().sniff(text_head[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        rows = list(islice(csv.reader(handle, dialect), max_rows + 2))
    return _table(rows, max_rows, more=False)


def _xlsx(path: Path, max_rows: int) -> Preview:
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl (~20 MB) only where spreadsheets are read

    check_workbook(path, InputLimits(), sheets=False)  # only the first rows are read
    with path.open("rb") as handle:  # a file object: stored files have no extension
        book = load_workbook(handle, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = [list(r) for r in islice(sheet.iter_rows(values_only=True), max_rows + 2)]
            preview = _table(rows, max_rows, more=False)
            preview.sheet = sheet.title
            return preview
        finally:
            book.close()


def _xls(path: Path, max_rows: int) -> Preview:
    book = xlrd.open_workbook(str(path), on_demand=True)
    sheet = book.sheet_by_index(0)
    check_extent(sheet.nrows, sheet.ncols, InputLimits())
    rows = [sheet.row_values(i) for i in range(min(sheet.nrows, max_rows + 2))]
    preview = _table(rows, max_rows, more=sheet.nrows > max_rows + 1)
    preview.sheet = sheet.name
    return preview


def _json(path: Path, max_rows: int) -> Preview:
    if path.stat().st_size > JSON_PREVIEW_LIMIT:
        return Preview(error="file-too-large")
    data = json.loads(path.read_bytes().decode("utf-8-sig"))
    records = _records(data)
    if records is None:
        return Preview(error="not-a-table")
    head = records[: max_rows + 1]
    objects = [r for r in head if isinstance(r, dict)]
    if head and len(objects) == len(head):
        headers: dict[str, None] = {}
        for record in objects:
            headers.update(dict.fromkeys(str(k) for k in record))
        rows: list[list[object]] = [list(headers)]
        rows += [[_json_cell(r.get(h)) for h in headers] for r in objects]
    else:
        rows = [["value"], *([_json_cell(r)] for r in records[: max_rows + 1])]
    return _table(rows, max_rows, more=len(records) > max_rows + 1)


def _records(data: object) -> list[object] | None:
    """The table in a JSON document: a top-level array, or the first array in an object."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, list):
                return value
    return None


def _json_cell(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value

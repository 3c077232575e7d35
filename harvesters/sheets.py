"""Read the tables of a workbook or CSV file as text rows, the way a person sees them.

XLSX (openpyxl), XLS (xlrd, with its formatting information for merged cells) and CSV in
UTF-8 (with or without BOM), GB18030 or GBK (GB18030 reads both). A merged cell's value is
copied into every cell of the range, so a department name merged down ten rows belongs to all
ten. :func:`find_header` finds the header row below any banner rows, also a header of two rows
(a merged group title above its sub-columns).

A workbook is checked before it is parsed (:func:`catalog.input_limits.check_workbook`: zip
sizes and ratios, entity declarations, dimensions, merged ranges and row counts against the
limits), its rows are counted and its deadline checked as they stream, and its merged ranges
are filled only when each is within the row and column limits and all of them together cover
no more than ``max_cells`` cells.
Every refusal is a :class:`SheetError` with the limit's code.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import xlrd

from catalog.input_limits import (
    Deadline,
    InputLimitError,
    InputLimits,
    check_extent,
    check_merges,
    check_workbook,
    too_many_rows,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.cell_range import CellRange

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCODINGS = ("utf-8-sig", "gb18030")
HEADER_SCAN = 30  # rows looked at for the header
MERGE_CELL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"


class SheetError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Sheet:
    name: str
    rows: list[list[str]]


@dataclass
class Header:
    row: int  # index of the last header row; data starts below it
    columns: dict[int, str] = field(default_factory=dict)  # column index -> field
    labels: dict[int, str] = field(default_factory=dict)  # column index -> header text


def read_tables(
    content: bytes,
    name: str = "",
    limits: InputLimits | None = None,
    deadline: Deadline | None = None,
) -> list[Sheet]:
    """Every sheet of an XLSX or XLS workbook, or the one table of a CSV file."""
    limits = limits or InputLimits()
    deadline = deadline or Deadline()
    try:
        if content.startswith(XLSX_MAGIC):
            check_workbook(content, limits)
            return _xlsx(content, limits, deadline)
        if content.startswith(XLS_MAGIC):
            return _xls(content, limits, deadline)
        return [Sheet(name.rsplit("/", 1)[-1] or "CSV", _csv(content, limits, deadline))]
    except InputLimitError as error:
        raise SheetError(error.code, error.message) from None
    except SheetError:
        raise
    except Exception as error:  # a broken workbook: whatever the library raises
        raise SheetError("unreadable-spreadsheet", f"cannot read the workbook: {error}") from None


def counted_rows(
    rows: Iterator[list[str]], limits: InputLimits, deadline: Deadline
) -> Iterator[list[str]]:
    """``rows`` as they stream, refused past the row or column limit or the deadline."""
    for number, row in enumerate(rows, start=1):
        if number > limits.max_rows:
            raise too_many_rows(limits.max_rows)
        while row and not row[-1]:
            row.pop()
        if len(row) > limits.max_columns:
            check_extent(number, len(row), limits, "row")
        if number % 1000 == 0:
            deadline.check()
        yield row


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def find_header(rows: list[list[str]], field_for: Callable[[str], str | None]) -> Header | None:
    """The header among the first rows: the row naming the most fields (two at least),
    joined with the row below it when that row names sub-columns."""
    best: Header | None = None
    for index, row in enumerate(rows[:HEADER_SCAN]):
        header = _header_of(index, [row], field_for)
        if index + 1 < len(rows):
            double = _header_of(index + 1, [row, rows[index + 1]], field_for)
            if len(double.columns) > len(header.columns):
                header = double
        if len(header.columns) >= 2 and (best is None or len(header.columns) > len(best.columns)):
            best = header
    return best


def _header_of(last: int, rows: list[list[str]], field_for: Callable[[str], str | None]) -> Header:
    header = Header(last)
    width = max(len(r) for r in rows)
    for column in range(width):
        cells = [r[column] if column < len(r) else "" for r in rows]
        for text in reversed(cells):  # the lower cell is the more specific name
            found = field_for(text) if text else None
            if found and found not in header.columns.values():
                header.columns[column] = found
                header.labels[column] = text
                break
        else:
            label = next((t for t in reversed(cells) if t), "")
            if label:
                header.labels[column] = label
    return header


def _xlsx(content: bytes, limits: InputLimits, deadline: Deadline) -> list[Sheet]:
    """Rows streamed in read-only mode (a full workbook of 10,000 rows costs ~50 MB more),
    the dimension the file declares ignored (each row is as wide as its cells); the merged
    ranges, which read-only mode does not load, read from each sheet's XML."""
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl (~20 MB) only where spreadsheets are read

    archive = zipfile.ZipFile(io.BytesIO(content))
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheets = []
    for sheet in book.worksheets:
        sheet.reset_dimensions()
        stream = ([cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        rows = list(counted_rows(stream, limits, deadline))
        path = getattr(sheet, "_worksheet_path", None)  # read-only sheets know their XML file
        merges = [
            (m.min_row - 1, m.max_row, m.min_col - 1, m.max_col)
            for m in (_merged_ranges(archive, path) if path else ())
        ]
        check_merges(merges, limits)
        for low_row, high_row, low_col, high_col in merges:
            _fill(rows, low_row, high_row, low_col, high_col)
        sheets.append(Sheet(sheet.title, _trimmed(rows)))
    book.close()
    return sheets


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[CellRange]:
    from openpyxl.worksheet.cell_range import CellRange  # noqa: PLC0415

    ranges = []
    with archive.open(path) as xml:
        for _event, element in ElementTree.iterparse(xml):
            if element.tag == MERGE_CELL and element.get("ref"):
                ranges.append(CellRange(element.get("ref")))
            element.clear()
    return ranges


def _xls(content: bytes, limits: InputLimits, deadline: Deadline) -> list[Sheet]:
    book = xlrd.open_workbook(file_contents=content, formatting_info=True)
    sheets = []
    for sheet in book.sheets():
        check_extent(sheet.nrows, sheet.ncols, limits)
        check_merges(sheet.merged_cells, limits)
        stream = (
            [_xls_value(sheet.cell(r, c), book.datemode) for c in range(sheet.ncols)]
            for r in range(sheet.nrows)
        )
        rows = list(counted_rows(stream, limits, deadline))
        for low_row, high_row, low_col, high_col in sheet.merged_cells:
            _fill(rows, low_row, high_row, low_col, high_col)
        sheets.append(Sheet(sheet.name, _trimmed(rows)))
    return sheets


def _xls_value(cell: xlrd.sheet.Cell, datemode: int) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "是" if cell.value else "否"
    return cell_text(cell.value)


def _fill(rows: list[list[str]], low_row: int, high_row: int, low_col: int, high_col: int) -> None:
    """Copy the top-left value of a merged range into its other cells (end bounds excluded);
    :func:`catalog.input_limits.check_merges` bounds what all of them add."""
    if low_row >= len(rows):
        return
    while len(rows) < high_row:  # rows that hold nothing but the merge are not in the file
        rows.append([])
    top = rows[low_row]
    value = top[low_col] if low_col < len(top) else ""
    for r in range(low_row, high_row):
        row = rows[r]
        if len(row) < high_col:
            row.extend([""] * (high_col - len(row)))
        for c in range(low_col, high_col):
            row[c] = value


def _csv(content: bytes, limits: InputLimits, deadline: Deadline) -> list[list[str]]:
    text = _decode(content)
    sample = text[:16384]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    stream = ([cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect))
    return _trimmed(list(counted_rows(stream, limits, deadline)))


def _decode(content: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("unknown-encoding", "the CSV file is neither UTF-8 nor GB18030/GBK")


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Rows without their empty tail cells, and without empty rows at the end."""
    trimmed = []
    for row in rows:
        while row and not row[-1]:
            row.pop()
        trimmed.append(row)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed

"""Checks on untrusted files before a parser expands them: archives, XML, sheets and JSON.

A small file can ask a parser for gigabytes: a zip member that inflates a thousandfold, an XML
entity that expands to a billion characters ("billion laughs"), a merged range or a
``<dimension>`` that covers a whole worksheet, JSON nested deeper than Python's recursion.
Every check here reads only what it needs (a zip's directory, an XML prolog, the ``ref``
attributes of a sheet) and raises :class:`InputLimitError` with a stable code:

| code | what |
|---|---|
| ``archive-too-large`` | a zip's (XLSX, ODS) members unpack to over ``max_unpacked_bytes`` |
| ``compression-ratio`` | a member inflates more than ``max_ratio`` times |
| ``xml-entities`` | an XML document declares entities (``<!ENTITY``): never expanded |
| ``sheet-too-large`` | a sheet's dimension or merged range is beyond the row or column limit, |
| | or its merged ranges cover more than ``max_cells`` cells together |
| ``too-many-rows`` | a sheet has more rows than the limit (before or while its rows stream) |
| ``document-too-deep`` | JSON nested deeper than ``max_depth`` |
| ``time-limit-exceeded`` | reading took longer than the deadline |

Python's :mod:`zipfile` stops a member at the size its directory entry declares (a longer
stream fails its CRC check), so the directory sizes checked here bound what is read even when
they lie. The module depends on the standard library only.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.parsers import expat

ZIP_MAGIC = b"PK\x03\x04"
_REF = re.compile(
    rb"<(?:[\w.-]+:)?(mergeCell|dimension)\s[^>]*?\bref=\""
    rb"([A-Za-z]{1,3})?(\d{1,12})?(?::([A-Za-z]{1,3})?(\d{1,12})?)?\""
)
_ROW = re.compile(rb"<(?:[\w.-]+:)?(?:row|table-row)[\s/>]")
_ROW_NUMBER = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\br=\"(\d{1,12})\"")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class InputLimits:
    max_unpacked_bytes: int = 256 * 1024 * 1024  # all members of an archive together
    max_ratio: int = 100  # uncompressed / compressed, for members over ratio_from bytes
    ratio_from: int = 1024 * 1024
    max_rows: int = 1_048_576  # a sheet's rows (XLSX's own maximum by default)
    max_columns: int = 2048  # a sheet's columns (XLSX allows 16,384)
    max_cells: int = 20_000_000  # the cells all merged ranges of a sheet cover together
    max_depth: int = 200  # JSON nesting


class InputLimitError(ValueError):
    """An input over a limit; ``code`` is stable (see the module's table)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Deadline:
    """A moment after which reading stops (``time-limit-exceeded``); None: no deadline."""

    def __init__(self, seconds: float | None = None):
        self.at = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at:
            raise InputLimitError("time-limit-exceeded", "reading the file took too long")


# -- archives --------------------------------------------------------------------------------


def check_workbook(source: bytes | Path, limits: InputLimits, sheets: bool = True) -> None:
    """Check an XLSX or ODS file (a zip) before a spreadsheet library opens it: its members'
    sizes and ratios, entity declarations in every XML member, and (unless ``sheets`` is
    False: a reader of the first rows only) the dimension, merged ranges and rows of every
    sheet against the limits, in one pass over its XML. Anything not a zip, or a broken one,
    is left to the reader (XLS is checked on its row and column counts after opening)."""
    head = source[:4] if isinstance(source, bytes) else _head(source)
    if head != ZIP_MAGIC:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            check_archive(zf, limits)
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    _check_member(zf, info, limits, sheets)
    except InputLimitError:
        raise
    except Exception:  # not a readable zip (bad CRC, encrypted…): the reader says so itself
        return


def check_archive(archive: zipfile.ZipFile, limits: InputLimits) -> None:
    """The members' sizes as the zip's directory declares them, against the limits."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise InputLimitError(
                "archive-too-large",
                f"the archive unpacks to more than {limits.max_unpacked_bytes:,} bytes",
            )
        if info.file_size > limits.ratio_from and (
            info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            raise InputLimitError(
                "compression-ratio",
                f"a member of the archive inflates more than {limits.max_ratio} times",
            )


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4)


def _check_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: InputLimits, sheets: bool
) -> None:
    with archive.open(info) as member:
        refuse_entity_declarations(member)
    if not (sheets and _is_sheet(info.filename)):
        return
    with archive.open(info) as member:
        _check_refs(member, limits)


def _check_refs(member: IO[bytes], limits: InputLimits) -> None:
    """A sheet's ``<dimension>``, ``<mergeCell>`` and rows (XLSX; the rows of ODS, whose
    repeated rows ezodf does not expand past 32) against the limits, in one streaming pass
    that never builds a tree."""
    rows = merged = 0
    tail = b""
    for chunk in _chunks(member):
        window = tail + chunk
        cut = window.rfind(b">") + 1  # tags are whole up to the last ">"; the rest waits
        if cut == 0 and len(window) < 4 * _CHUNK:
            tail = window
            continue
        done, tail = (window, b"") if cut == 0 else (window[:cut], window[cut:])
        for match in _REF.finditer(done):
            check_extent(_ref_rows(match), _ref_columns(match), limits, match[1].decode())
            if match[1] == b"mergeCell":
                merged += _ref_area(match)
        if merged > limits.max_cells:
            raise _merges_too_large(limits)
        rows += len(_ROW.findall(done))
        numbers = [int(n) for n in _ROW_NUMBER.findall(done)]
        if rows > limits.max_rows or max(numbers, default=0) > limits.max_rows:
            raise too_many_rows(limits.max_rows)


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") or name == "content.xml"


def _chunks(member: IO[bytes]) -> Iterator[bytes]:
    while chunk := member.read(_CHUNK):
        yield chunk


def _ref_rows(match: re.Match[bytes]) -> int:
    return max(int(match[3] or 0), int(match[5] or 0))


def _ref_columns(match: re.Match[bytes]) -> int:
    return max(column_number(match[2] or b""), column_number(match[4] or b""))


def _ref_area(match: re.Match[bytes]) -> int:
    rows = abs(int(match[5] or match[3] or 0) - int(match[3] or 0)) + 1
    columns = abs(column_number(match[4] or match[2] or b"") - column_number(match[2] or b"")) + 1
    return rows * columns


def column_number(letters: bytes) -> int:
    """``A`` is 1, ``XFD`` is 16,384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def check_extent(rows: int, columns: int, limits: InputLimits, what: str = "sheet") -> None:
    """A sheet's (or a merged range's) last row and column against the limits."""
    if rows > limits.max_rows or columns > limits.max_columns:
        raise InputLimitError(
            "sheet-too-large",
            f"a {what} reaches row {rows:,}, column {columns:,}: beyond the limits of "
            f"{limits.max_rows:,} rows and {limits.max_columns:,} columns",
        )


def check_merges(merges: Iterable[tuple[int, int, int, int]], limits: InputLimits) -> None:
    """Merged ranges (first row, end row, first column, end column; ends excluded) within the
    row and column limits, and covering no more than ``max_cells`` cells together."""
    cells = 0
    for low_row, high_row, low_col, high_col in merges:
        check_extent(high_row, high_col, limits, "merged range")
        cells += max(high_row - low_row, 0) * max(high_col - low_col, 0)
        if cells > limits.max_cells:
            raise _merges_too_large(limits)


def _merges_too_large(limits: InputLimits) -> InputLimitError:
    return InputLimitError(
        "sheet-too-large",
        f"the merged ranges of a sheet cover more than {limits.max_cells:,} cells",
    )


def too_many_rows(limit: int) -> InputLimitError:
    return InputLimitError("too-many-rows", f"the sheet has more than {limit:,} rows")


# -- XML -------------------------------------------------------------------------------------


class _PrologEnd(Exception):
    pass


def refuse_entity_declarations(data: bytes | IO[bytes]) -> None:
    """Refuse an XML document that declares entities (internal or external) before any
    parser expands them; reads only the prolog, up to the first element."""
    chunks = _chunks(io.BytesIO(data) if isinstance(data, bytes) else data)
    parser = expat.ParserCreate()

    def entity(*_args: object) -> None:
        raise InputLimitError("xml-entities", "the XML declares entities, which are never read")

    def element(*_args: object) -> None:
        raise _PrologEnd()

    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = entity  # type: ignore[assignment]
    parser.StartElementHandler = element
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (_PrologEnd, expat.ExpatError):
        return  # the document starts, or is broken: the real parser reports that


# -- JSON ------------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, without parsing it."""
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    opened = brackets.replace(b"]", b"}").replace(b"[", b"{")
    depth = deepest = 0
    for piece in opened.split(b"}"):  # each piece: the openings before the next closing
        depth += len(piece)
        deepest = max(deepest, depth)
        depth -= 1
    return deepest


def check_json_depth(data: bytes, limits: InputLimits) -> None:
    if json_depth(data) > limits.max_depth:
        raise InputLimitError(
            "document-too-deep", f"the JSON is nested deeper than {limits.max_depth} levels"
        )

"""Read a CSV file exactly as Frictionless's CSV parser does, a chunk of rows at a time.

Frictionless hands rows out one by one through three generators; for a large file that costs
more than parsing it. This reader opens the file with the encoding Frictionless detected,
builds the same ``csv`` dialect (its sniffing of the first 100 lines, a single quote never
taken as the quote character), and cuts the same ``csv.reader`` into chunks with
``itertools.islice``, so row numbers are counted, not carried. It hashes the bytes as it
reads them (size, sha256, and md5 when the descriptor declares one). Decoding and parsing
failures end the stream as Frictionless's ``encoding-error`` and ``source-error``.

Faster still, :func:`arrow_segments` reads with Arrow's CSV reader, for the files where it reads
as ``csv.reader`` does (:func:`arrow_dialect` says which).
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

import pyarrow as pa
from frictionless import errors as fl_errors
from frictionless.formats.csv import CsvControl
from pyarrow import csv as arrow_csv

SAMPLE_LINES = 100  # the CSV parser's sample


class HashingReader(io.RawIOBase):
    """A raw binary reader that counts and hashes the bytes it passes on."""

    def __init__(self, path: Path, md5: bool):
        self.handle = path.open("rb")
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5() if md5 else None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.handle.readinto(buffer)
        if count:
            view = memoryview(buffer)[:count]
            self.size += count
            self.sha256.update(view)
            if self.md5 is not None:
                self.md5.update(view)
        return count or 0

    def close(self) -> None:
        self.handle.close()
        super().close()


def can_read(resource: Any) -> bool:
    """Whether this reader gives the same rows as Frictionless for the resource."""
    dialect = resource.dialect
    return (
        resource.format in ("csv", "tsv")
        and resource.scheme == "file"
        and not resource.compression
        and not resource.innerpath
        and not dialect.comment_char
        and not dialect.comment_rows
        and not dialect.skip_blank_rows
    )


def read_chunks(
    resource: Any, path: Path, chunk_rows: int, failures: list[Any], md5: bool = False
) -> Iterator[tuple[range, list[list[str]]]]:
    """(row numbers, rows) of the content rows; a failure ends the stream in ``failures``."""
    raw = HashingReader(path, md5)
    buffered = io.BufferedReader(raw, buffer_size=1 << 20)
    text = io.TextIOWrapper(buffered, encoding=resource.encoding, newline="")
    try:
        sample = list(islice(text, SAMPLE_LINES))
        reader = csv.reader(chain(sample, text), dialect=_dialect(resource, sample))
        first = resource.dialect.create_first_content_row()
        number = 1
        skipped = list(islice(reader, first - 1))
        number += len(skipped)
        while rows := list(islice(reader, chunk_rows)):
            yield range(number, number + len(rows)), rows
            number += len(rows)
    except UnicodeDecodeError as exception:
        failures.append(fl_errors.EncodingError(note=str(exception)))
    except csv.Error as exception:
        failures.append(fl_errors.SourceError(note=str(exception)))
    finally:
        stats = resource.stats
        stats.bytes = raw.size
        stats.sha256 = raw.sha256.hexdigest()
        stats.md5 = raw.md5.hexdigest() if raw.md5 is not None else None
        text.close()


def _dialect(resource: Any, sample: list[str]) -> Any:
    """The csv dialect Frictionless's CsvParser.read_cell_stream_create builds."""
    control = CsvControl.from_dialect(resource.dialect).to_copy()
    if resource.format == "tsv":
        control.set_not_defined("delimiter", "\t")
    delimiter = control.get_defined("delimiter", default=",\t;|")
    config: Any
    try:
        config = csv.Sniffer().sniff("".join(sample), delimiter)
    except csv.Error:
        config = csv.excel()
    if config.quotechar == "'":
        config.quotechar = '"'
    control.set_not_defined("delimiter", config.delimiter, distinct=True)
    control.set_not_defined("line_terminator", config.lineterminator, distinct=True)
    control.set_not_defined("escape_char", config.escapechar, distinct=True)
    control.set_not_defined("quote_char", config.quotechar, distinct=True)
    control.set_not_defined("skip_initial_space", config.skipinitialspace, distinct=True)
    return control.to_python()


class NotSimple(Exception):
    """A file Arrow's reader may read apart from Python's: the caller uses :func:`read_chunks`."""


MAX_SEGMENTS = 2_000  # runs of regular and irregular rows in one Arrow block
BLOCK_SIZE = 1 << 20  # bytes Arrow parses at a time


def arrow_dialect(resource: Any, path: Path) -> Any | None:
    """The csv dialect, when Arrow's CSV reader and ``csv.reader`` read the file alike.

    They do — checked on 200,000 random files of quotes, delimiters and line ends — for a
    one-character delimiter, the double quote doubled inside quoted values, no escape
    character, no skipped initial space: every row of the table's width is read alike, and a
    row of another width, which Arrow hands over as its text, reads alike when ``csv.reader``
    reads that text, unless it is the file's last row (an unclosed quote runs to the end of
    the file, and Arrow drops the last line end). The header must be the first row.
    """
    dialect = resource.dialect
    if not can_read(resource) or not dialect.header or dialect.header_rows != [1]:
        return None
    try:
        with path.open(encoding=resource.encoding, newline="") as handle:
            found = _dialect(resource, list(islice(handle, SAMPLE_LINES)))
    except (UnicodeDecodeError, LookupError):
        return None
    simple = (
        len(found.delimiter) == 1
        and found.quotechar == '"'
        and found.doublequote
        and not found.escapechar
        and not found.skipinitialspace
    )
    return found if simple else None


Segment = tuple[range, list[Any] | None, list[list[str]] | None]


def arrow_segments(
    resource: Any, path: Path, dialect: Any, width: int, md5: bool = False
) -> Iterator[Segment]:
    """The content rows, in order, as (row numbers, Arrow string columns, None) for runs of
    rows of the table's ``width`` (at least 1) and (row numbers, None, cells) for rows of
    another width, read again from their text by ``csv.reader``. A blank line comes as a row
    of empty cells, which reports the same. Raises :class:`NotSimple` when the file's last
    row or its header is irregular; the bytes are hashed in a thread beside the reader.
    """
    digests: dict[str, Any] = {}
    hasher = threading.Thread(target=_hash_file, args=(path, md5, digests), daemon=True)
    hasher.start()
    names = [f"f{i}" for i in range(width)]
    odd: list[tuple[int | None, str]] = []

    def invalid(row: Any) -> str:
        odd.append((row.number, row.text))
        return "skip"

    reader = arrow_csv.open_csv(
        path,
        read_options=arrow_csv.ReadOptions(
            column_names=names, encoding=resource.encoding, block_size=BLOCK_SIZE, use_threads=False
        ),
        parse_options=arrow_csv.ParseOptions(
            delimiter=dialect.delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=invalid,
        ),
        convert_options=arrow_csv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )
    pending: dict[int, str] = {}  # irregular rows handed over, by record number
    position = [1]  # the record number of the next row: the header is row 1
    last_irregular = False
    try:
        for batch in reader:
            _take(odd, pending)
            segments = list(_segments(batch, pending, position, width, dialect))
            if len(segments) > MAX_SEGMENTS:
                raise NotSimple("too many irregular rows")
            if segments:
                last_irregular = segments[-1][2] is not None
            yield from _content(segments)
        _take(odd, pending)
        if pending or last_irregular:  # the last row may hold an unclosed quote
            raise NotSimple("an irregular last row")
    finally:
        hasher.join()
        stats = resource.stats
        stats.bytes, stats.sha256, stats.md5 = digests["bytes"], digests["sha256"], digests["md5"]


def _take(odd: list[tuple[int | None, str]], pending: dict[int, str]) -> None:
    for number, text in odd:
        if number is None:
            raise NotSimple("Arrow did not number an irregular row")
        pending[number] = text
    odd.clear()


def _content(segments: list[Segment]) -> Iterator[Segment]:
    """The segments without the header row."""
    for numbers, columns, rows in segments:
        if numbers.start == 1:
            if rows is not None:
                raise NotSimple("an irregular header")
            assert columns is not None
            numbers, columns = numbers[1:], [c.slice(1) for c in columns]
        if len(numbers):
            yield numbers, columns, rows


def _irregular(pending: dict[int, str], position: list[int], dialect: Any) -> Iterator[Segment]:
    """The irregular rows from ``position`` on, read again by ``csv.reader``."""
    first = position[0]
    texts = []
    while position[0] in pending:
        texts.append(pending.pop(position[0]))
        position[0] += 1
    if texts:
        rows = [next(csv.reader(io.StringIO(t, newline=""), dialect), []) for t in texts]
        yield range(first, position[0]), None, rows


def _segments(
    batch: Any, pending: dict[int, str], position: list[int], width: int, dialect: Any
) -> Iterator[Segment]:
    """The batch's rows in file order, with the irregular rows that fall between them."""
    offset, size = 0, batch.num_rows
    while offset < size:
        yield from _irregular(pending, position, dialect)
        first = position[0]
        run = 0
        while offset + run < size and first + run not in pending:
            run += 1
        columns = [batch.column(i).slice(offset, run) for i in range(width)]
        yield range(first, first + run), columns, None
        offset += run
        position[0] = first + run
    yield from _irregular(pending, position, dialect)


def _hash_file(path: Path, md5: bool, into: dict[str, Any]) -> None:
    with HashingReader(path, md5) as raw:
        buffer = bytearray(1 << 20)
        while raw.readinto(buffer):
            pass
    into.update(
        bytes=raw.size,
        sha256=raw.sha256.hexdigest(),
        md5=raw.md5.hexdigest() if raw.md5 is not None else None,
    )

"""Read a CSV file exactly as Frictionless's CSV parser does, a chunk of rows at a time.

Frictionless hands rows out one by one through three generators; for a large file that costs
more than parsing it. This reader opens the file with the encoding Frictionless detected,
builds the same ``csv`` dialect (its sniffing of the first 100 lines, a single quote never
taken as the quote character), and cuts the same ``csv.reader`` into chunks with
``itertools.islice``, so row numbers are counted, not carried. It hashes the bytes as it
reads them (size, sha256, and md5 when the descriptor declares one). Decoding and parsing
failures end the stream as Frictionless's ``encoding-error`` and ``source-error``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from frictionless import errors as fl_errors
from frictionless.formats.csv import CsvControl

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

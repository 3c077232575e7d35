"""Tracing a leaked copy (流通溯源): which grant received it, from its contents alone.

Every keyed pseudonym carries a tag that verifies only under the key of the grant that made it
(:func:`catalog.masking.rules.token_verifies`), so the leaked file needs neither its delivery
identifier, nor its header, nor its column order: :func:`trace_file` reads every cell of a
CSV (plain or in a delivered zip), XLSX or JSON copy, keeps those shaped like a token and
counts, per candidate grant, the tokens that verify under its key.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import ijson
from openpyxl import load_workbook

from catalog.masking.rules import TOKEN_PATTERN, Rule, token_verifies
from catalog.masking.streams import open_text

HEAD_SNIFF = 16


@dataclass(frozen=True)
class Candidate:
    grant_id: str
    key: bytes
    rules: Mapping[str, Rule] = field(default_factory=dict)

    @property
    def pseudonymizes(self) -> bool:
        """False when the grant's rules made no pseudonym (it cannot be traced by them)."""
        return not self.rules or any(rule.kind == "pseudonym" for rule in self.rules.values())


@dataclass(frozen=True)
class GrantMatch:
    grant_id: str
    tokens: int


@dataclass(frozen=True)
class TraceResult:
    """Grants whose pseudonyms are in the file, most tokens first; ``tokens_seen`` in all."""

    matches: tuple[GrantMatch, ...]
    tokens_seen: int

    @property
    def grant_id(self) -> str | None:
        """The grant that received the copy, when the file names one."""
        return self.matches[0].grant_id if self.matches else None


def _csv_cells(stream: IO[bytes]) -> Iterator[Any]:
    text, _ = open_text(stream)
    try:
        for row in csv.reader(text):
            yield from row
    finally:
        text.detach()


def _xlsx_cells(stream: IO[bytes]) -> Iterator[Any]:
    book = load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield from row
    finally:
        book.close()


def _json_cells(stream: IO[bytes]) -> Iterator[Any]:
    for _, event, value in ijson.parse(stream):
        if event == "string":
            yield value


def _zip_cells(stream: IO[bytes]) -> Iterator[Any]:
    with zipfile.ZipFile(stream) as archive:
        names = archive.namelist()
        if "xl/workbook.xml" in names:
            stream.seek(0)
            yield from _xlsx_cells(stream)
            return
        for name in names:
            if name.lower().endswith(".csv"):
                with archive.open(name) as member:
                    yield from _csv_cells(member)
            elif name.lower().endswith(".json") and name != "datapackage.json":
                with archive.open(name) as member:
                    yield from _json_cells(member)


def file_cells(stream: IO[bytes]) -> Iterator[Any]:
    """Every cell of a CSV, XLSX, delivered zip or JSON file, told apart by its first bytes."""
    head = stream.read(HEAD_SNIFF)
    stream.seek(0)
    if head.startswith(b"PK"):
        yield from _zip_cells(stream)
    elif head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        yield from _json_cells(stream)
    else:
        yield from _csv_cells(stream)


def tokens_in(cells: Iterable[Any]) -> Iterator[str]:
    for cell in cells:
        if isinstance(cell, str):
            text = cell.strip()
            if TOKEN_PATTERN.fullmatch(text):
                yield text


def trace_tokens(tokens: Iterable[str], candidates: Iterable[Candidate]) -> TraceResult:
    """Count, per candidate, the distinct tokens that verify under its key.

    A token from another key verifies by chance once in 2**20, so a grant with one match in a
    file of thousands of tokens is noise; the caller sees every count.
    """
    pool = [candidate for candidate in candidates if candidate.pseudonymizes]
    counts = {candidate.grant_id: 0 for candidate in pool}
    seen: set[str] = set()
    for token in tokens:
        if token in seen:
            continue
        seen.add(token)
        for candidate in pool:
            if token_verifies(token, candidate.key):
                counts[candidate.grant_id] += 1
    matches = sorted(
        (GrantMatch(grant, count) for grant, count in counts.items() if count),
        key=lambda match: (-match.tokens, match.grant_id),
    )
    return TraceResult(tuple(matches), len(seen))


def trace_stream(stream: IO[bytes], candidates: Iterable[Candidate]) -> TraceResult:
    return trace_tokens(tokens_in(file_cells(stream)), candidates)


def trace_bytes(content: bytes, candidates: Iterable[Candidate]) -> TraceResult:
    return trace_stream(io.BytesIO(content), candidates)


def trace_file(path: str | Path, candidates: Iterable[Candidate]) -> TraceResult:
    """The grants whose keyed pseudonyms appear in the file at ``path``, most first."""
    with open(path, "rb") as stream:
        return trace_stream(stream, candidates)

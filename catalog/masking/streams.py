"""Streaming maskers: CSV (in a zip with a datapackage.json), XLSX and JSON.

Each reads the stored original from a binary stream, row by row, and writes the masked copy to
another binary stream; the original is never written to, and memory does not grow with the
file (XLSX goes through openpyxl's read-only and write-only modes). Each delivered copy
carries its delivery identifier where the format has room for one: the datapackage.json beside
the CSV, the XLSX document properties, the JSON envelope ``{"delivery": id, "data": [...]}``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import ijson
from openpyxl import Workbook, load_workbook

from catalog.masking.rules import Rule, compile_rule, plan_columns

HEAD_BYTES = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Delivery:
    """One delivered copy: its identifier, and the rules and key of the grant it serves."""

    delivery_id: str
    rules: Mapping[str, Rule]
    key: bytes
    only: frozenset[str] | None = None  # given: every other column or key is left out


class _Prefixed(io.RawIOBase):
    """A readable raw stream: ``head`` (already read) and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]):
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig`` with a BOM, ``utf-8`` when the head decodes so, else ``gb18030``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def open_text(source: IO[bytes]) -> tuple[io.TextIOWrapper, str]:
    """``source`` as text in the encoding its head shows, and that encoding."""
    head = source.read(HEAD_BYTES)
    encoding = detect_encoding(head)
    raw = io.BufferedReader(_Prefixed(head, source))
    return io.TextIOWrapper(raw, encoding=encoding, newline=""), encoding


def mask_csv(
    source: IO[bytes],
    target: IO[bytes],
    rules: Mapping[str, Rule],
    key: bytes,
    only: Collection[str] | None = None,
) -> list[str]:
    """Write the masked CSV (UTF-8) to ``target``; the delivered header is returned."""
    text, _ = open_text(source)
    out = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    try:
        reader = csv.reader(text)
        writer = csv.writer(out)
        header = next(reader, None)
        if header is None:
            return []
        plan = plan_columns(header, rules, key, only)
        writer.writerow(plan.header)
        for row in reader:
            writer.writerow(plan.row(row))
        out.flush()
        return list(plan.header)
    finally:
        out.detach()
        text.detach()


def datapackage(delivery_id: str, name: str, header: list[str]) -> dict[str, Any]:
    """The descriptor delivered beside a masked CSV, naming the delivery."""
    return {
        "id": delivery_id,
        "profile": "data-package",
        "gxdata": {"delivery": delivery_id},
        "resources": [
            {
                "name": name.rsplit(".", 1)[0].lower() or "data",
                "path": name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [{"name": field, "type": "string"} for field in header]},
            }
        ],
    }


def mask_csv_zip(
    source: IO[bytes], target: IO[bytes], delivery: Delivery, *, name: str = "data.csv"
) -> None:
    """A zip of the masked CSV and a datapackage.json carrying the delivery identifier."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as member:
            header = mask_csv(source, member, delivery.rules, delivery.key, delivery.only)
        descriptor = datapackage(delivery.delivery_id, name, header)
        archive.writestr("datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2))


def _seekable(source: IO[bytes]) -> IO[bytes]:
    if source.seekable():
        return source
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    shutil.copyfileobj(source, spool)
    spool.seek(0)
    return spool


def mask_xlsx(source: IO[bytes], target: IO[bytes], delivery: Delivery) -> None:
    """Each sheet masked by its first row's column names; the delivery in the properties."""
    book = load_workbook(_seekable(source), read_only=True, data_only=True)
    out = Workbook(write_only=True)
    try:
        for sheet in book.worksheets:
            written = out.create_sheet(title=sheet.title)
            rows = sheet.iter_rows(values_only=True)
            first = next(rows, None)
            if first is None:
                continue
            header = ["" if cell is None else str(cell) for cell in first]
            plan = plan_columns(header, delivery.rules, delivery.key, delivery.only)
            written.append(list(plan.header))
            for row in rows:
                written.append(plan.row(row))
        out.properties.identifier = delivery.delivery_id
        out.properties.keywords = f"gxdata-delivery:{delivery.delivery_id}"
        out.save(target)
    finally:
        book.close()


def _masked_objects(
    source: IO[bytes], rules: Mapping[str, Rule], key: bytes, only: Collection[str] | None = None
) -> Iterator[dict[str, Any]]:
    maskers = {name: compile_rule(rule, key) for name, rule in rules.items() if rule.kind != "drop"}
    dropped = {name for name, rule in rules.items() if rule.kind == "drop"}
    for item in ijson.items(source, "item", use_float=True):
        if not isinstance(item, dict):
            if only is None:  # only named keys go out: a bare value has none
                yield item
            continue
        yield {
            name: maskers[name](value) if name in maskers else value
            for name, value in item.items()
            if name not in dropped and (only is None or name in only)
        }


def mask_json(source: IO[bytes], target: IO[bytes], delivery: Delivery) -> None:
    """A JSON array of objects, masked by key, inside ``{"delivery": id, "data": [...]}``."""
    envelope = json.dumps({"delivery": delivery.delivery_id}, ensure_ascii=False)
    target.write(envelope[:-1].encode() + b', "data": [')
    separator = b"\n"
    for item in _masked_objects(source, delivery.rules, delivery.key, delivery.only):
        target.write(separator + json.dumps(item, ensure_ascii=False, default=str).encode())
        separator = b",\n"
    target.write(b"\n]}\n")


#: The masker of each deliverable format, and the file name its delivered copy ends with.
MASKERS: Mapping[str, tuple[Callable[[IO[bytes], IO[bytes], Delivery], None], str]] = {
    "csv": (mask_csv_zip, ".zip"),
    "xlsx": (mask_xlsx, ".xlsx"),
    "json": (mask_json, ".json"),
}

"""What a stored file really is, from its first bytes: a format notation of the vocabulary.

Binary signatures are certain (a ZIP holding ``xl/`` is XLSX whatever its name says); text is
judged by its first non-blank character and a parse of the head. ``certain`` tells a format
read from a signature or a successful parse from a guess (a delimiter the sniffer found),
and only a certain answer may correct a format the publisher gave.
"""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from catalog.input_limits import InputLimitError, InputLimits, check_json_depth

HEAD = 64 * 1024
JSON_PARSE_LIMIT = 20 * 1024 * 1024

SIGNATURES = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"Rar!", "RAR"),
    (b"\x1f\x8b", "GZIP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Office container: XLS, DOC, PPT
OFFICE_PARTS = (("xl/", "XLSX"), ("word/", "DOCX"), ("ppt/", "PPTX"))
OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.spreadsheet": "ODS",
    b"application/vnd.oasis.opendocument.text": "ODT",
}


@dataclass(frozen=True)
class Sniffed:
    format: str
    certain: bool
    evidence: str


def sniff(path: Path, declared: str | None = None) -> Sniffed | None:
    with path.open("rb") as handle:
        head = handle.read(HEAD)
    if not head:
        return None
    for signature, fmt in SIGNATURES:
        if head.startswith(signature):
            return Sniffed(fmt, True, f"signature {signature!r}")
    if head.startswith(OLE2):
        fmt = declared if declared in ("XLS", "DOC", "PPT") else "XLS"
        return Sniffed(fmt, declared in ("XLS", "DOC", "PPT"), "OLE2 compound document")
    if head.startswith(b"PK\x03\x04"):
        return _zip(path)
    return _text(path, head)


def _zip(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                kind = archive.read("mimetype").strip()
                if kind in OPEN_DOCUMENT:
                    return Sniffed(OPEN_DOCUMENT[kind], True, f"OpenDocument {kind.decode()}")
    except zipfile.BadZipFile:
        return Sniffed("ZIP", False, "ZIP signature, unreadable archive")
    if "[Content_Types].xml" in names:
        for prefix, fmt in OFFICE_PARTS:
            if any(name.startswith(prefix) for name in names):
                return Sniffed(fmt, True, f"Office Open XML part {prefix}")
    return Sniffed("ZIP", True, "ZIP archive")


def _text(path: Path, head: bytes) -> Sniffed | None:
    text = _decode(head)
    if text is None:
        return None
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        return _json(path, stripped)
    lowered = stripped[:512].lower()
    if stripped.startswith("<"):
        if "rdf:rdf" in lowered or "xmlns:rdf" in lowered:
            return Sniffed("RDF_XML", True, "an rdf:RDF element")
        if lowered.startswith(("<!doctype html", "<html")):
            return Sniffed("HTML", True, "an html element")
        if lowered.startswith("<?xml") or lowered.startswith("<"):
            return Sniffed("XML", True, "an XML element")
    if lowered.startswith(("@prefix", "@base", "prefix ")):
        return Sniffed("RDF_TURTLE", True, "a Turtle prefix directive")
    lines = stripped.splitlines()[:50]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",\t;|")
    except csv.Error:
        return Sniffed("TXT", False, "plain text without a delimiter")
    fmt = "TSV" if dialect.delimiter == "\t" else "CSV"
    return Sniffed(fmt, False, f"text delimited by {dialect.delimiter!r}")


def _json(path: Path, stripped: str) -> Sniffed:
    if path.stat().st_size > JSON_PARSE_LIMIT:
        return Sniffed("JSON", False, "starts like JSON (too large to parse here)")
    data = path.read_bytes()
    try:
        check_json_depth(data, InputLimits())  # json.loads would raise RecursionError
        document = json.loads(data.decode("utf-8-sig"))
    except InputLimitError:
        return Sniffed("JSON", False, "starts like JSON (nested too deeply to parse here)")
    except (ValueError, UnicodeDecodeError):
        return Sniffed("TXT", False, "starts like JSON but does not parse")
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        return Sniffed("GEOJSON", True, "a GeoJSON FeatureCollection")
    if isinstance(document, dict) and "@context" in document:
        return Sniffed("JSON_LD", True, "a JSON-LD @context")
    return Sniffed("JSON", True, "a JSON document")


def _decode(head: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start > len(head) - 4:
                return head[: error.start].decode(encoding)
    return None

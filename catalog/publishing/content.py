"""A file's type, decided by its content.

The name proposes a format (``.xlsx``); the first bytes must agree: the ZIP signature and an
``xl/`` part for XLSX, the OLE2 signature for XLS, ``%PDF`` for PDF, and so on (``puremagic``
reads the signatures). Text formats (CSV, JSON, XML, …) must carry no binary signature and
decode as UTF-8 or GB 18030. Anything else is refused with ``content-not-format``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import puremagic

from catalog.errors import InvalidValue
from vocab.formats import format_for

HEAD = 64 * 1024  # bytes read to decide
ZIP_MEMBERS = 10_000  # entries of a ZIP's directory read at most

# format notation -> (extensions puremagic may report, a ZIP part that must exist)
_BINARY: dict[str, tuple[frozenset[str], str | None]] = {
    "XLSX": (frozenset({".xlsx", ".zip", ".docx", ".pptx"}), "xl/"),
    "DOCX": (frozenset({".docx", ".zip", ".xlsx", ".pptx"}), "word/"),
    "PPTX": (frozenset({".pptx", ".zip", ".docx", ".xlsx"}), "ppt/"),
    "ODS": (frozenset({".ods", ".zip", ".odt"}), "content.xml"),
    "ZIP": (frozenset({".zip", ".xlsx", ".docx", ".pptx", ".ods", ".odt"}), None),
    "KMZ": (frozenset({".zip", ".kmz"}), None),
    "ODT": (frozenset({".odt", ".zip", ".ods"}), "content.xml"),
    "PPT": (frozenset({".ppt", ".doc", ".xls", ".msi", ".msg"}), None),
    "RAR": (frozenset({".rar"}), None),
    "GPKG": (frozenset({".gpkg", ".sqlite", ".db"}), None),
    "XLS": (frozenset({".xls", ".doc", ".ppt", ".msi", ".msg"}), None),
    "DOC": (frozenset({".doc", ".xls", ".ppt", ".msi", ".msg"}), None),
    "PDF": (frozenset({".pdf"}), None),
    "PNG": (frozenset({".png"}), None),
    "JPEG": (frozenset({".jpg", ".jpeg", ".jfif"}), None),
    "GIF": (frozenset({".gif"}), None),
    "TIFF": (frozenset({".tif", ".tiff"}), None),
    "PARQUET": (frozenset({".parquet"}), None),
    "GZIP": (frozenset({".gz", ".tgz"}), None),
    "SHP": (frozenset({".shp"}), None),
}
_TEXT = frozenset(
    {"CSV", "TSV", "JSON", "GEOJSON", "JSON_LD", "XML", "RDF_XML", "RDF_TURTLE", "RDF_N_TRIPLES",
     "RDF_N_QUADS", "N3", "TXT", "HTML", "KML", "GML"}
)  # fmt: skip


def detect_format(path: Path, file_name: str) -> str:
    """The format notation of the file at ``path`` named ``file_name``; ``InvalidValue``
    (``content-not-format`` / ``unknown-file-type``) when the content does not bear it out."""
    declared = format_for(PurePosixPath(file_name).suffix.lstrip(".") or file_name)
    with path.open("rb") as handle:
        head = handle.read(HEAD)
    found = _signatures(head)
    if declared is None:
        raise InvalidValue("the file's type is not one the portal takes", code="unknown-file-type")
    notation = declared.notation
    if notation in _BINARY:
        extensions, part = _BINARY[notation]
        if not found & extensions or (part and not _has_part(path, part)):
            raise _mismatch(notation)
        return notation
    if notation in _TEXT:
        if found or not _is_text(head):
            raise _mismatch(notation)
        return notation
    if not found:  # a format without a signature we know: the name decides, as on CKAN
        return notation
    raise _mismatch(notation)


def _signatures(head: bytes) -> frozenset[str]:
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return frozenset()
    return frozenset(match.extension.lower() for match in matches if match.extension)


def _has_part(path: Path, part: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            for count, name in enumerate(archive.namelist()):
                if count >= ZIP_MEMBERS:
                    return False
                if name.startswith(part) or name == part:
                    return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return False


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 4:  # a character cut by the end of the head
                return True
    return False


def _mismatch(notation: str) -> InvalidValue:
    return InvalidValue(
        f"the file's content is not {notation}", code="content-not-format", field="file"
    )

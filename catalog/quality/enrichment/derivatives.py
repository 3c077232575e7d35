"""Derived machine-readable distributions: spreadsheets as CSV and JSON, CSV as RDF.

| method | from | to |
|---|---|---|
| ``spreadsheet-csv`` | XLS, XLSX (first sheet) | UTF-8 CSV, header first |
| ``spreadsheet-json`` | XLS, XLSX (first sheet) | a JSON array of objects keyed by the header |
| ``csv-csvw`` | CSV (stored or derived) | Turtle after CSV on the Web (:mod:`.csvw`) |

A derivative is a new distribution of the same dataset, stored like an upload, with a
:class:`~catalog.quality.models.Derivation` naming its source (prov:wasDerivedFrom) and the
source's sha256 at the time. It is made again when the source's sha256 changes, removed when
its source is gone, and never replaces the source.
"""

from __future__ import annotations

import csv
import datetime
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import xlrd
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cells import safe_row
from catalog.db import utcnow
from catalog.errors import CatalogError
from catalog.input_limits import InputLimits, check_extent, check_workbook
from catalog.models import Dataset, Distribution
from catalog.quality.enrichment import csvw
from catalog.quality.enrichment.pipeline import EnrichContext, Inference, Recorded
from catalog.quality.models import Derivation
from catalog.quality.validate import is_stale, report_for, validate_distribution
from catalog.services.distributions import attach_distribution

SPREADSHEET_CSV = "spreadsheet-csv"
SPREADSHEET_JSON = "spreadsheet-json"
CSV_CSVW = "csv-csvw"


@dataclass(frozen=True)
class Method:
    name: str
    sources: frozenset[str]
    target: str  # format notation
    extension: str
    label: str  # how the description names the conversion


METHODS = (
    Method(SPREADSHEET_CSV, frozenset({"XLS", "XLSX"}), "CSV", "csv", "转换为 UTF-8 编码的 CSV"),
    Method(SPREADSHEET_JSON, frozenset({"XLS", "XLSX"}), "JSON", "json", "转换为 JSON 数组"),
    Method(CSV_CSVW, frozenset({"CSV"}), "RDF_TURTLE", "ttl", "按 W3C CSVW 约定转换为 RDF Turtle"),
)


def distribution_download_url(base_url: str, dataset_id: str, distribution: Distribution) -> str:
    """The portal's download address of a stored file (the route in portal/views/downloads)."""
    name = quote(distribution.file_name or distribution.title)
    return f"{base_url}/dataset/{dataset_id}/resource/{distribution.id}/download/{name}"


def derive(
    session: Session, dataset: Dataset, context: EnrichContext, recorded: Recorded
) -> list[Inference]:
    """Make, remake or remove derivatives; one record-only inference per derivative made."""
    found: list[Inference] = []
    derivations = _without_orphans(session, dataset)
    made = {(d.source_id, d.method): d for d in derivations.values() if d.source_id}
    for source, method in _due(dataset, context):
        existing = made.get((source.id, method.name))
        if existing is not None and existing.source_sha256 == source.sha256:
            continue
        derived = _make(session, dataset, source, method, context, existing)
        if derived is not None:
            made[(source.id, method.name)] = _derivations(session, dataset)[derived.id]
            found.append(
                Inference(
                    f"derived:{method.name}",
                    {"distribution": derived.id, "source_sha256": source.sha256},
                    source=f"distribution: {source.title}",
                    rule=f"derivation: {method.name}",
                    distribution=source,
                    record_only=True,
                )
            )
    return found


def _without_orphans(session: Session, dataset: Dataset) -> dict[str, Derivation]:
    """The dataset's derivations, after removing every derivative whose source is gone
    (and, in turn, the derivatives of those)."""
    while True:
        session.flush()
        derivations = _derivations(session, dataset)
        present = {d.id for d in dataset.distributions}
        orphans = [d for d in derivations.values() if d.source_id not in present]
        if not orphans:
            return derivations
        for derivation in orphans:
            dataset.distributions.remove(derivation.distribution)
            session.delete(derivation)


def _due(dataset: Dataset, context: EnrichContext) -> Iterator[tuple[Distribution, Method]]:
    """(source, method) pairs, derivatives of derivatives included (XLSX → CSV → Turtle)."""
    seen: set[str] = set()
    for _generation in range(2):
        for source in list(dataset.distributions):
            if source.id in seen or not source.stored_file:
                continue
            seen.add(source.id)
            if not context.store.exists(source.stored_file):
                continue
            for method in METHODS:
                if source.format in method.sources:
                    yield source, method


def derivations_of(session: Session, distribution_ids: list[str]) -> dict[str, Derivation]:
    """The derivation record of each derived distribution among ``distribution_ids``."""
    if not distribution_ids:
        return {}
    stmt = select(Derivation).where(Derivation.distribution_id.in_(distribution_ids))
    return {d.distribution_id: d for d in session.scalars(stmt)}


def _derivations(session: Session, dataset: Dataset) -> dict[str, Derivation]:
    return derivations_of(session, [d.id for d in dataset.distributions])


def _make(
    session: Session,
    dataset: Dataset,
    source: Distribution,
    method: Method,
    context: EnrichContext,
    existing: Derivation | None,
) -> Distribution | None:
    path = context.store.path(source.stored_file or "")
    with tempfile.TemporaryDirectory(prefix="gxdata-derive-") as folder:
        target = Path(folder) / f"derived.{method.extension}"
        try:
            if method.name == CSV_CSVW:
                if not _write_turtle(session, dataset, source, context, path, target):
                    return None
            else:
                _write_spreadsheet(method, source.format or "", path, target)
        except (OSError, ValueError, KeyError, xlrd.XLRDError, CatalogError):
            return None
        with target.open("rb") as handle:
            stored = context.store.put(handle, max_bytes=context.max_bytes)
    name = _derived_name(dataset, source, method)
    if existing is not None:
        derived = existing.distribution
        derived.stored_file = stored.key
        derived.sha256 = stored.sha256
        derived.byte_size = stored.size
        derived.modified = utcnow()
        existing.source_sha256 = source.sha256
        existing.created_at = utcnow()
        session.flush()
        return derived
    derived = attach_distribution(
        session,
        dataset,
        title=name,
        file_name=name,
        format=method.target,
        description=f"由“{source.title}”{method.label}，平台自动生成；原文件保持不变。",
        byte_size=stored.size,
        sha256=stored.sha256,
        issued=utcnow(),
        modified=utcnow(),
    )
    derived.stored_file = stored.key
    session.add(
        Derivation(
            distribution_id=derived.id,
            source_id=source.id,
            method=method.name,
            source_sha256=source.sha256,
        )
    )
    session.flush()
    return derived


def _derived_name(dataset: Dataset, source: Distribution, method: Method) -> str:
    """``名单.csv`` from ``名单.xlsx``; ``名单-xlsx.csv`` when the dataset has a 名单.csv."""
    stem = PurePosixPath(source.file_name or source.title).stem
    taken = {d.file_name or d.title for d in dataset.distributions}
    name = f"{stem}.{method.extension}"
    if name in taken:
        name = f"{stem}-{(source.format or 'file').lower()}.{method.extension}"
    return name


def _write_spreadsheet(method: Method, fmt: str, path: Path, target: Path) -> None:
    rows = _sheet_rows(path, fmt)
    header = next(rows, None)
    if header is None:
        raise ValueError("an empty sheet")
    if method.name == SPREADSHEET_CSV:
        # The CSV copy is data, but people open it in Excel, where a text cell such as
        # "=HYPERLINK(…)" taken from the source sheet would become a live formula again:
        # text cells are neutralised (plain numbers such as -3.5 stay as they are).
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(safe_row(_text(v) for v in header))
            writer.writerows(safe_row(_text(v) for v in row) for row in rows)
        return
    keys = _keys(header)
    with target.open("w", encoding="utf-8") as out:
        out.write("[")
        for i, row in enumerate(rows):
            record = {key: _json_value(row[n]) if n < len(row) else None for n, key in keys}
            out.write(("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False))
        out.write("\n]\n")


def _sheet_rows(path: Path, fmt: str) -> Iterator[list[Any]]:
    """The rows of the first sheet, trailing empty rows dropped; a workbook beyond the
    :class:`InputLimits` raises (an :class:`~catalog.input_limits.InputLimitError`, a
    ValueError: no derivative)."""
    from openpyxl import load_workbook  # noqa: PLC0415 - openpyxl (~20 MB) only where spreadsheets are read

    limits = InputLimits()
    if fmt == "XLS":
        book = xlrd.open_workbook(str(path), on_demand=True)
        sheet = book.sheet_by_index(0)
        check_extent(sheet.nrows, sheet.ncols, limits)
        raw: Iterator[list[Any]] = (
            [_xls_value(sheet.cell(r, c), book.datemode) for c in range(sheet.ncols)]
            for r in range(sheet.nrows)
        )
    else:
        check_workbook(path, limits)
        with path.open("rb") as handle:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            raw = iter([list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)])
            workbook.close()
    blank: list[list[Any]] = []
    for row in raw:
        if all(v is None or v == "" for v in row):
            blank.append(row)
            continue
        yield from blank
        blank = []
        yield row


def _xls_value(cell: Any, datemode: int) -> Any:
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, datemode)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float | bool | str) or value is None:
        return value
    return str(value)


def _text(value: Any) -> str:
    value = _json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _keys(header: list[Any]) -> list[tuple[int, str]]:
    """Object keys from the header: blank ones named by position, repeated ones numbered."""
    keys: list[tuple[int, str]] = []
    seen: set[str] = set()
    for n, value in enumerate(header):
        key = _text(value).strip() or f"column_{n + 1}"
        base, suffix = key, 2
        while key in seen:
            key, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(key)
        keys.append((n, key))
    return keys


def _write_turtle(
    session: Session,
    dataset: Dataset,
    source: Distribution,
    context: EnrichContext,
    path: Path,
    target: Path,
) -> bool:
    """Turtle from a CSV, read with the encoding and dialect its validation found."""
    report = report_for(session, source.id)
    if is_stale(report, source):
        report = validate_distribution(session, context.store, source, context.limits)
    if report is None or report.problem or not report.encoding:
        return False
    dialect = report.dialect or {}
    header_rows = dialect.get("headerRows") or [1]
    first = header_rows[-1] + 1 if dialect.get("header", True) else 1
    fields = (report.table_schema or {}).get("fields", [])
    url = distribution_download_url(context.base_url, dataset.id, source)
    with path.open(encoding=report.encoding, newline="") as handle:
        reader = csv.reader(
            handle,
            delimiter=dialect.get("delimiter", ","),
            quotechar=dialect.get("quoteChar", '"'),
        )
        rows = list(islice(reader, first - 1))
        header = [str(f.get("name", "")) for f in fields] or (rows[-1] if rows else [])
        numbered = ((number, cells) for number, cells in enumerate(reader, start=first))
        with target.open("w", encoding="utf-8") as out:
            csvw.write_turtle(out, url, header, fields, numbered)
    return True

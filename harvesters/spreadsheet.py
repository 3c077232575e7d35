"""Department catalog spreadsheets (政务数据资源目录): XLSX, XLS or CSV with Chinese headers.

Listing: every sheet is read (:mod:`harvesters.sheets`: merged cells filled, GBK/GB18030 or
UTF-8 CSV); its header row is found below any banner rows by the header vocabulary
(:mod:`vocab.catalog_headers`: 数据资源名称 / 数据目录名称, 提供部门 / 来源部门 …); each row
below it is a record. A sheet without such a header (instructions, a cover) is skipped and
named in the job's notes; a workbook where no sheet has one fails the job
(``no-catalog-header``). A workbook beyond the limits (archive size and ratio, XML entities,
dimensions and merged ranges, more rows than a job reads records) fails the job with the
limit's code before its rows are read, or as soon as the streaming rows pass the row limit or
the job's time limit (:mod:`harvesters.sheets`). The record's id is its resource code
(资源代码) when the sheet has one, else its department and title.

Mapping one row: the recognised columns become catalog fields (controlled values such as
开放类型 are checked later, against the vocabularies); 数据格式 (``CSV、XLSX``) becomes one
distribution per format, with the row's download or access address; every other column is
kept in ``extras["sheet_columns"]`` under its own header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from catalog.drafts import DatasetDraft, DistributionDraft
from catalog.harvest.prepare import RecordIssue
from harvesters.base import BaseHarvester, RecordError, SourceError
from harvesters.sheets import HEADER_SCAN, Header, SheetError, find_header, read_tables
from harvesters.spool import RemoteRecord
from vocab import catalog_headers, topics

TEXT_FIELDS = (
    "description", "identifier", "publisher_name", "topic", "industry", "open_type",
    "access_conditions", "share_type", "sensitivity", "service_item", "result_name",
    "source_system", "application_scenarios", "delivery_channel", "update_frequency",
    "contact_name", "contact_phone", "contact_email", "spatial", "licence", "version",
    "landing_page",
)  # fmt: skip
_LIST = re.compile(r"[,，、;；/|\s]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
YES = frozenset({"是", "yes", "y", "true", "1", "√"})
NO = frozenset({"否", "no", "n", "false", "0", "×"})


class SpreadsheetHarvester(BaseHarvester):
    kind = "spreadsheet"

    def list_records(self) -> Iterator[RemoteRecord]:
        fetched = self.fetcher.get(self.source.url)
        try:
            sheets = read_tables(
                fetched.content,
                fetched.url,
                self.input_limits(header_rows=HEADER_SCAN),
                self.parse_deadline(),
            )
        except SheetError as error:
            raise SourceError(error.code, error.message) from None
        found = False
        for sheet in sheets:
            header = find_header(sheet.rows, catalog_headers.field_for_header)
            if header is None or "title" not in header.columns.values():
                self.notes.append(f"sheet-without-header:{sheet.name}")
                continue
            found = True
            yield from self._rows(sheet.name, sheet.rows, header)
        if not found:
            raise SourceError(
                "no-catalog-header",
                "no sheet has a catalog header row (数据资源名称, 提供部门, 摘要 …)",
            )

    def _rows(self, sheet: str, rows: list[list[str]], header: Header) -> Iterator[RemoteRecord]:
        labels = set(header.labels.values())
        for number, row in enumerate(rows[header.row + 1 :], start=header.row + 2):
            values: dict[str, str] = {}
            others: dict[str, str] = {}
            for column, text in enumerate(row):
                if not text:
                    continue
                name = header.columns.get(column)
                if name:
                    values[name] = text
                elif column in header.labels:
                    others[header.labels[column]] = text
            if not values or set(values.values()) <= labels:  # blank, or the header repeated
                continue
            title = values.get("title", "")
            if not title and len(values) < 3:  # a footnote or a total line, not a record
                continue
            remote_id = values.get("identifier") or f"{values.get('publisher_name', '')}/{title}"
            payload = {"values": values, "others": others, "where": f"{sheet}!{number}"}
            yield RemoteRecord(remote_id[:500], payload, title or None)

    def map_record(self, record: RemoteRecord, warnings: list[RecordIssue]) -> DatasetDraft:
        values: dict[str, str] = record.payload["values"]
        where = record.payload["where"]
        title = values.get("title", "").strip()
        if not title:
            raise RecordError("missing-title", f"{where}: the row has no 数据资源名称", "title")
        texts: dict[str, Any] = {k: values[k] for k in TEXT_FIELDS if k in values}
        draft = DatasetDraft(title=title, **texts)
        draft.description = draft.description or ""
        draft.keywords = [k for k in _LIST.split(values.get("keywords", "")) if k]
        draft.category = topics.category_for_topic(draft.topic) if draft.topic else None
        draft.is_e_licence = _yes_no(values.get("is_e_licence"), warnings)
        draft.record_count = _count(values.get("record_count"), warnings)
        draft.issued = _moment(values.get("issued"), "issued", warnings)
        draft.modified = _moment(values.get("modified"), "modified", warnings)
        draft.distributions = _distributions(title, values)
        if record.payload["others"]:
            draft.extras = {"sheet_columns": record.payload["others"]}
        return draft


def _distributions(title: str, values: dict[str, str]) -> list[DistributionDraft]:
    formats = [f for f in _LIST.split(values.get("formats", "")) if f]
    download, access = values.get("download_url"), values.get("access_url")
    if not formats and (download or access):
        formats = [""]
    return [
        DistributionDraft(
            title=f"{title}（{fmt}）" if fmt else title,
            format=fmt or None,
            download_url=download if len(formats) == 1 else None,
            access_url=access or (download if len(formats) > 1 else None),
        )
        for fmt in formats
    ]


def _yes_no(value: str | None, warnings: list[RecordIssue]) -> bool | None:
    if not value:
        return None
    lowered = value.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    warnings.append(
        RecordIssue("invalid-boolean", f"{value!r} is neither 是 nor 否", "is_e_licence")
    )
    return None


def _count(value: str | None, warnings: list[RecordIssue]) -> int | None:
    if not value:
        return None
    digits = re.sub(r"[,，\s]|条|行|约|余", "", value)
    if digits.isdigit():
        return int(digits)
    warnings.append(RecordIssue("invalid-number", f"{value!r} is not a count", "record_count"))
    return None


def _moment(value: str | None, name: str, warnings: list[RecordIssue]) -> datetime | None:
    """A date as departments write it: 2021-04-21, 2021/4/21, 2021年4月21日, 2021.04 …"""
    if not value:
        return None
    found = _DATE.search(value)
    if found:
        year, month, day = int(found[1]), int(found[2]), int(found[3] or 1)
        clock = _TIME.search(value[found.end() :])
        parts: list[Any] = [int(p) for p in clock.groups("0")] if clock else [0, 0, 0]
        try:
            return datetime(year, month, day, *parts)
        except ValueError:
            pass
    warnings.append(RecordIssue("invalid-date", f"{name}: {value!r} is not a date", name))
    return None

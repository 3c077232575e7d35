"""Read the scraped 2021 catalog of data.gxzf.gov.cn (广西公共数据开放平台) into catalog entries.

The file is a stream of JSON objects, one per published file (``名单_0.csv``, ``名单_0.json``
…), each carrying its dataset's fields under ``info``. The scraper paired labels and values
blindly, so where a value was empty the rest shifted by one: ``{"所属行业": "发布时间",
"2021-04-21 09:51:58": "最后更新时间", …}``. :func:`repair_fields` reads the labels and values
again as one token stream, which restores every field that was there.

An entry (one dataset) is the set of files sharing a name stem and identical fields;
a file without the ``_N`` suffix is an attachment of the one entry with identical fields
(the ``文件数`` field confirms the grouping).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

LABELS = (
    "来源部门", "数据量", "文件数", "开放状态", "所属行业", "发布时间", "最后更新时间",
    "更新频率", "部门电话", "部门邮箱", "描述",
)  # fmt: skip
PLACEHOLDERS = frozenset({"", "暂无", "无", "null", "None"})
_SUFFIXED = re.compile(r"^(?P<stem>.+)_(?P<n>\d+)\.(?P<ext>[A-Za-z0-9]+)$")
_PLAIN = re.compile(r"^(?P<stem>.+)\.(?P<ext>[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class FileRecord:
    name: str
    topic: str
    fields: dict[str, str]
    repaired: bool


@dataclass
class CatalogEntry:
    title: str
    topic: str
    fields: dict[str, str]
    files: list[str] = field(default_factory=list)
    repaired_records: int = 0

    def value(self, label: str) -> str | None:
        """A field's value, or None for a missing value or a placeholder such as 暂无."""
        value = (self.fields.get(label) or "").strip()
        return None if value in PLACEHOLDERS else value

    def timestamp(self, label: str) -> datetime | None:
        value = self.value(label)
        if not value:
            return None
        try:
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None

    def integer(self, label: str) -> int | None:
        value = self.value(label)
        return int(value) if value and value.isdigit() else None


@dataclass
class ReadReport:
    records: int = 0
    repaired_records: int = 0
    unreadable: int = 0
    placeholder_values: int = 0


def read_records(text: str, report: ReadReport | None = None) -> Iterator[FileRecord]:
    """Every object in the stream; an unreadable stretch is skipped and counted."""
    report = report if report is not None else ReadReport()
    decoder = json.JSONDecoder(object_pairs_hook=list)
    position, length = 0, len(text)
    while position < length:
        start = text.find("{", position)
        if start < 0:
            break
        try:
            pairs, position = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            report.unreadable += 1
            position = start + 1
            continue
        record = _record(pairs)
        if record is None:
            report.unreadable += 1
            continue
        report.records += 1
        report.repaired_records += record.repaired
        report.placeholder_values += sum(v in PLACEHOLDERS for v in record.fields.values())
        yield record


def _record(pairs: object) -> FileRecord | None:
    if not isinstance(pairs, list):
        return None
    top = dict(p for p in pairs if isinstance(p, tuple) and len(p) == 2)
    name, info = top.get("name"), top.get("info")
    if not isinstance(name, str) or not isinstance(info, list):
        return None
    fields, repaired = repair_fields(info)
    return FileRecord(
        name=name.strip(), topic=str(top.get("topic") or ""), fields=fields, repaired=repaired
    )


def repair_fields(pairs: list[tuple[object, object]]) -> tuple[dict[str, str], bool]:
    """Re-pair labels and values; True when the scraped pairs were shifted."""
    tokens = [str(t) for pair in pairs for t in pair]
    fields: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in LABELS:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is not None and following not in LABELS:
                fields[token] = following
                i += 2
                continue
            fields[token] = ""
        i += 1
    shifted = any(str(k) not in LABELS or str(v) in LABELS for k, v in pairs)
    return fields, shifted


def group_entries(records: list[FileRecord]) -> list[CatalogEntry]:
    """Group file records into catalog entries, in the order they first appear."""
    entries: dict[tuple[str, str, tuple[tuple[str, str], ...]], CatalogEntry] = {}
    loose: list[FileRecord] = []
    for record in records:
        match = _SUFFIXED.match(record.name)
        if not match:
            loose.append(record)
            continue
        key = (match["stem"].strip(), record.topic, tuple(record.fields.items()))
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = CatalogEntry(match["stem"].strip(), record.topic, record.fields)
        entry.files.append(record.name)
        entry.repaired_records += record.repaired
    by_fields: dict[tuple[str, tuple[tuple[str, str], ...]], list[CatalogEntry]] = defaultdict(list)
    for (_stem, topic, items), entry in entries.items():
        by_fields[(topic, items)].append(entry)
    result = list(entries.values())
    for record in loose:
        candidates = by_fields.get((record.topic, tuple(record.fields.items())), [])
        if len(candidates) == 1:
            candidates[0].files.append(record.name)
            candidates[0].repaired_records += record.repaired
            continue
        match = _PLAIN.match(record.name)
        stem = match["stem"] if match else record.name
        entry = CatalogEntry(stem, record.topic, record.fields, [record.name], record.repaired)
        result.append(entry)
        by_fields[(record.topic, tuple(record.fields.items()))].append(entry)
    return result

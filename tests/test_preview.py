"""Previews of stored tables: encodings, dialects, spreadsheets, JSON and broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from catalog.demo.loader import DATA
from catalog.preview import preview_table


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_real_chinese_csv(tmp_path):
    preview = preview_table(DATA / "country-codes" / "data" / "UNSD-cn.csv", "CSV", 100)
    assert preview.error is None
    assert preview.headers[8] == "Country or Area"
    assert preview.rows[0][8] == "阿尔及利亚"
    assert len(preview.rows) == 100 and preview.truncated


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings(tmp_path, encoding):
    text = "名称;数量\n南宁市;1\n柳州市;2\n"
    preview = preview_table(_write(tmp_path, "x", text.encode(encoding)), "CSV")
    assert preview.headers == ["名称", "数量"]  # the semicolon dialect is sniffed too
    assert preview.rows == [["南宁市", "1"], ["柳州市", "2"]]


def test_ragged_rows_are_padded(tmp_path):
    preview = preview_table(_write(tmp_path, "x", b"a,b\n1\n1,2,3\n"), "CSV")
    assert preview.headers == ["a", "b", ""]
    assert preview.rows == [["1", "", ""], ["1", "2", "3"]]


def test_xlsx_without_extension(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["名称", "数量"])
    for n in range(150):
        sheet.append([f"单位{n}", n])
    path = tmp_path / "stored"
    with path.open("wb") as handle:
        book.save(handle)
    preview = preview_table(path, "XLSX", 100)
    assert preview.sheet == "名单" and preview.headers == ["名称", "数量"]
    assert len(preview.rows) == 100 and preview.rows[0] == ["单位0", "0"]


@pytest.mark.parametrize(
    ("document", "headers"),
    [
        ([{"名称": "甲", "数量": 1}, {"名称": "乙", "备注": {"x": 1}}], ["名称", "数量", "备注"]),
        ({"data": [{"a": 1}], "total": 1}, ["a"]),
        ([1, 2, 3], ["value"]),
    ],
)
def test_json_tables(tmp_path, document, headers):
    path = _write(tmp_path, "x", json.dumps(document, ensure_ascii=False).encode())
    assert preview_table(path, "JSON").headers == headers


@pytest.mark.parametrize(
    ("fmt", "data", "error"),
    [
        ("JSON", b'{"a": 1}', "not-a-table"),
        ("JSON", b"{not json", "unreadable-file"),
        ("XLSX", b"PK\x03\x04 not really a zip", "unreadable-file"),
        ("XLS", b"\x00\x01\x02", "unreadable-file"),
        ("CSV", b"", "not-a-table"),
        ("PDF", b"%PDF-1.4", "unsupported-format"),
    ],
)
def test_broken_files_give_a_typed_error(tmp_path, fmt, data, error):
    assert preview_table(_write(tmp_path, "x", data), fmt).error == error

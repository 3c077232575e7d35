"""Department catalog spreadsheets: a workbook built from the real 2021 Guangxi catalog (a
cover sheet, a merged banner, a two-row header, departments merged down their rows), the same
catalog as GBK and GB18030 CSV with other header synonyms, and real government workbooks
(ONS, UN) for merged header cells, several sheets and banner rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from catalog.demo import guangxi
from catalog.demo.loader import GUANGXI_FILE
from catalog.harvest.models import HarvestJob, HarvestJobRecord
from catalog.models import Dataset
from harvesters.sheets import find_header, read_tables
from vocab import catalog_headers

FIXTURES = Path(__file__).parent / "fixtures"
DEPARTMENTS = ("钦州市生态环境局", "玉林市水利局", "贵港市科学技术局")


@pytest.fixture(scope="module")
def entries() -> list[guangxi.CatalogEntry]:
    text = GUANGXI_FILE.read_text(encoding="utf-8")
    chosen: list[guangxi.CatalogEntry] = []
    for entry in guangxi.group_entries(list(guangxi.read_records(text))):
        if entry.value("来源部门") in DEPARTMENTS and entry.value("开放状态"):
            key = (entry.title, entry.value("来源部门"))
            if key not in {(e.title, e.value("来源部门")) for e in chosen}:
                chosen.append(entry)
    return sorted(chosen, key=lambda e: (DEPARTMENTS.index(e.value("来源部门")), e.title))


def _code(n: int) -> str:
    return f"45070{n:05d}"


def build_workbook(path: Path, entries: list[guangxi.CatalogEntry]) -> None:
    """A department catalog as departments send them."""
    book = Workbook()
    cover = book.active
    cover.title = "填表说明"
    cover.append(["本表依据《政务信息资源目录编制指南（试行）》编制。"])
    sheet = book.create_sheet("资源目录")
    sheet.append(["广西壮族自治区政务数据资源目录（2021年）"])
    sheet.merge_cells("A1:K1")
    sheet.append(["基本信息", None, None, None, "共享开放属性", None, "更新频率", "数据格式",
                  "数据量（条）", "发布时间", "备注"])  # fmt: skip
    sheet.append(["资源代码", "*数据资源名称\n（必填）", "提供部门", "摘要", "共享类型", "开放类型",
                  None, None, None, None, None])  # fmt: skip
    sheet.merge_cells("A2:D2")
    sheet.merge_cells("E2:F2")
    for column in "GHIJK":
        sheet.merge_cells(f"{column}2:{column}3")
    first_row = {}
    for n, entry in enumerate(entries):
        department = entry.value("来源部门")
        first = department not in first_row
        first_row.setdefault(department, sheet.max_row + 1)
        sheet.append([
            _code(n), entry.title, department if first else None, entry.value("描述"),
            "有条件共享", entry.value("开放状态"), entry.value("更新频率"), "CSV、XLSX",
            entry.value("数据量"), entry.value("发布时间"), f"第{n}项",
        ])  # fmt: skip
    rows = sorted(first_row.values()) + [sheet.max_row + 1]
    for start, end in zip(rows, rows[1:], strict=False):
        if end - 1 > start:
            sheet.merge_cells(f"C{start}:C{end - 1}")
    sheet.append([None, None, None, "注：开放类型依据《广西公共数据开放管理办法》填写。"])
    book.save(path)


def build_csv(entries: list[guangxi.CatalogEntry], encoding: str, extra: str = "") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["数据目录名称", "来源部门", "描述", "开放状态", "更新周期", "资源格式", "目录编码"]
    )
    for n, entry in enumerate(entries):
        values = ("来源部门", "描述", "开放状态", "更新频率")
        writer.writerow([entry.title + extra, *map(entry.value, values), "csv", _code(n)])
    return out.getvalue().encode(encoding)


def test_department_workbook_from_the_guangxi_catalog(
    entries, tmp_path, new_source, harvest, session
):
    path = tmp_path / "钦州市资源目录.xlsx"
    build_workbook(path, entries)
    new_source("workbook", "spreadsheet", str(path))
    report = harvest("workbook")
    assert report.status == "succeeded", report
    assert report.counts["added"] == len(entries) and report.counts["failed"] == 0
    assert "sheet-without-header:填表说明" in session.get(HarvestJob, report.job_id).notes
    datasets = {d.identifier: d for d in session.scalars(select(Dataset))}
    for n, entry in enumerate(entries):
        dataset = datasets[_code(n)]
        assert dataset.title == entry.title
        assert dataset.department.name == entry.value("来源部门")  # from the merged cells
        assert dataset.share_type == "conditional"
        assert dataset.open_type in ("unconditional", "conditional")
        assert dataset.record_count == entry.integer("数据量")
        assert dataset.issued == entry.timestamp("发布时间")
        assert [d.format for d in dataset.distributions] == ["CSV", "XLSX"]
        assert dataset.extras["sheet_columns"] == {"备注": f"第{n}项"}
    again = harvest("workbook")
    assert again.counts == {**again.counts, "unchanged": len(entries), "added": 0, "updated": 0}


@pytest.mark.parametrize(("encoding", "extra"), [("gbk", ""), ("gb18030", "𠮷")])
def test_chinese_csv_encodings(
    entries, encoding, extra, source_server, new_source, harvest, session
):
    url = source_server.file("/catalog.csv", build_csv(entries, encoding, extra), "text/csv")
    new_source("csv", "spreadsheet", url)
    report = harvest("csv")
    assert report.counts["added"] == len(entries), report
    titles = sorted(session.scalars(select(Dataset.title)))
    assert titles == sorted(e.title + extra for e in entries)
    assert {d.department.name for d in session.scalars(select(Dataset))} == set(DEPARTMENTS)


def test_a_workbook_without_catalog_header_fails_cleanly(new_source, harvest, session):
    new_source("ons", "spreadsheet", str(FIXTURES / "spreadsheets" / "ons-ott.xls"))
    report = harvest("ons")
    assert report.status == "failed" and report.error_code == "no-catalog-header"
    assert session.scalars(select(Dataset)).first() is None


def test_a_file_that_is_no_spreadsheet_fails_cleanly(source_server, new_source, harvest):
    url = source_server.file("/catalog.xlsx", b"PK\x03\x04 truncated zip", "application/zip")
    new_source("broken", "spreadsheet", url)
    report = harvest("broken")
    assert report.status == "failed" and report.error_code == "unreadable-spreadsheet"


def test_rows_without_title_are_reported_not_dropped(
    entries, tmp_path, new_source, harvest, session
):
    data = build_csv(entries[:3], "utf-8").decode().splitlines()
    data.append(",钦州市生态环境局,没有名称的一行,无条件开放,每年,csv,450799999")
    path = tmp_path / "catalog.csv"
    path.write_text("\n".join(data), encoding="utf-8-sig")
    new_source("csv", "spreadsheet", str(path))
    report = harvest("csv")
    assert report.counts == {**report.counts, "added": 3, "failed": 1}
    failed = session.scalars(
        select(HarvestJobRecord).where(HarvestJobRecord.outcome == "failed")
    ).one()
    assert failed.errors[0]["code"] == "missing-title" and "!5" in failed.errors[0]["message"]


def test_ons_workbook_sheets_and_merged_header_cells():
    sheets = read_tables((FIXTURES / "spreadsheets" / "ons-ott.xls").read_bytes())
    assert [s.name for s in sheets] == [
        "Index",
        "Table 1",
        "Table 2",
        "Table 3",
        "Table 4",
        "Table 5",
    ]
    table = sheets[1]
    assert table.rows[2][2:5] == ["All Visits"] * 3  # one merged cell over three columns
    assert table.rows[2][6:9] == ["Area of residence"] * 3


@pytest.mark.parametrize("name", ["merged-cells.xlsx", "merged-cells.xls"])
def test_frictionless_merged_cells(name):
    (sheet,) = read_tables((FIXTURES / "frictionless" / name).read_bytes())
    assert sheet.rows == [["data", "data"]] * 3


def test_header_of_two_rows_under_a_group_title():
    (sheet,) = read_tables((FIXTURES / "frictionless" / "multiline-headers.xlsx").read_bytes())
    names = {"region": "region", "from previous quarter": "previous", "from baseline (%)": "base"}
    header = find_header(sheet.rows, lambda text: names.get(text.lower()))
    assert header is not None and header.row == 3
    assert header.columns == {0: "region", 2: "previous", 3: "base"}


def test_un_workbook_header_below_banner_rows(shared_reference):
    sheets = read_tables((shared_reference / "xlsx-gov" / "un-wpp.xls").read_bytes())
    assert len(sheets) == 6
    names = {"index": "identifier", "major area, region, country or area": "title",
             "country code": "spatial"}  # fmt: skip
    header = find_header(sheets[0].rows, lambda text: names.get(text.lower()))
    assert header is not None and header.row == 16
    assert sheets[0].rows[header.row + 1][2] == "WORLD"
    assert find_header(sheets[0].rows, catalog_headers.field_for_header) is None

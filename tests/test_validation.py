"""Tables validated as Frictionless resources: the fast engine reports what Frictionless reports.

Every comparison runs both engines on the same real file and requires the same errors, in the
same order, with the same types, row numbers and field numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from catalog.quality.validation import validate_table
from catalog.quality.validation.encoding import charset_label, detect_encoding

FIXTURES = Path(__file__).with_name("fixtures") / "frictionless"


def _cases() -> list[tuple[str, Path, str, dict | None]]:
    cases = []
    for path in sorted(FIXTURES.rglob("*")):
        fmt = path.suffix.lstrip(".").upper()
        if fmt in ("CSV", "XLSX", "XLS", "ODS"):
            cases.append((str(path.relative_to(FIXTURES)), path, fmt, None))
    for name in ("capital.resource.yaml", "countries.yaml"):
        descriptor = yaml.safe_load((FIXTURES / name).read_text())
        cases.append((name, FIXTURES / descriptor["path"], "CSV", descriptor))
    for name in ("capital.package.yaml", "invalid/datapackage.json", "package/datapackage.json"):
        package = yaml.safe_load((FIXTURES / name).read_text())  # JSON is YAML too
        for resource in package["resources"]:
            folder = (FIXTURES / name).parent
            label = f"{name}#{resource['name']}"
            cases.append((label, folder / resource["path"], "CSV", resource))
    schema = json.loads((FIXTURES / "unique-field.json").read_text())
    cases.append(("unique-field.json", FIXTURES / "unique-field.csv", "CSV", {"schema": schema}))
    return cases


CASES = _cases()


def _both(path: Path, fmt: str, descriptor: dict | None = None, **options):
    fast = validate_table(path, fmt, descriptor=descriptor, engine="fast", **options)
    reference = validate_table(path, fmt, descriptor=descriptor, engine="frictionless", **options)
    return fast, reference


@pytest.mark.parametrize(
    ("label", "path", "fmt", "descriptor"), CASES, ids=[case[0] for case in CASES]
)
def test_same_errors_as_frictionless_on_its_fixtures(label, path, fmt, descriptor):
    fast, reference = _both(path, fmt, descriptor)
    assert fast.engine == "fast" and reference.engine == "frictionless"
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert [e.message for e in fast.errors] == [e.message for e in reference.errors]
    assert fast.valid == reference.valid


def test_the_fixtures_cover_every_kind_of_error():
    kinds: set[str] = set()
    invalid = 0
    for _label, path, fmt, descriptor in CASES:
        report = validate_table(path, fmt, descriptor=descriptor)
        kinds |= set(report.error_counts)
        invalid += not report.valid
    assert invalid >= 12
    assert {
        "blank-label",
        "duplicate-label",
        "blank-row",
        "missing-cell",
        "extra-cell",
        "type-error",
        "constraint-error",
        "primary-key",
        "unique-error",
        "source-error",
    } <= kinds


def test_capital_invalid_positions(tmp_path):
    report = validate_table(FIXTURES / "capital-invalid.csv", "CSV")
    assert [e.position for e in report.errors] == [
        ("duplicate-label", None, 3),
        ("missing-cell", 10, 3),
        ("blank-row", 11, None),
        ("type-error", 12, 1),
        ("extra-cell", 12, 4),
    ]
    assert report.error_counts == {
        "duplicate-label": 1,
        "missing-cell": 1,
        "blank-row": 1,
        "type-error": 1,
        "extra-cell": 1,
    }
    assert report.schema["fields"][0] == {"name": "id", "type": "integer"}
    assert report.schema_source == "inferred"
    assert report.stats["rows"] == 11


SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
        {"name": "amount", "type": "number"},
        {"name": "day", "type": "date"},
        {"name": "at", "type": "datetime"},
        {"name": "year", "type": "year"},
        {"name": "open", "type": "boolean"},
        {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z]{2}\\d+"}},
        {"name": "size", "type": "integer", "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["甲", "乙"]}},
        {"name": "when", "type": "yearmonth"},
    ],
    "primaryKey": ["id", "code"],
}
TRICKY = [
    ["1", "1.5", "2024-02-29", "2024-02-29T23:59:59", "2024", "true", "AB1", "5", "甲", "2024-02"],
    ["2", " 7 ", "2023-02-29", "2024-13-01T00:00:00", "024", "yes", "ab1", "-1", "丙", "2024-13"],
    ["３", "1_000", "2021-1-5", "2021-01-05 08:00:00+08:00", "２０２１", "True", "", "101", "", ""],
    ["4", "1e3", "2021-04-31", "2021-04-30T24:00:00", "0000", "1", "CD2", "０", "乙", "1-1"],
    ["1", "NaN", " 2021-01-01", "2021-01-01T00:00:00Z", "9999", "FALSE", "AB1", "1.0", "甲", "x"],
    ["", "", "", "", "", "", "", "", "", ""],
    ["6", "+.5", "0001-01-01", "2021-01-01T00:00:00.1234567", "1900", "0", "EF3", "50", "乙"],
    [
        "7",
        "1,5",
        "2000-02-29",
        "2021-06-01T12:00:00+0800",
        "19",
        "false",
        "GH4",
        "5",
        "甲",
        "2024-1",
        "x",
    ],
    [
        "   ",
        "-0",
        "1999-12-31",
        "2021-06-31T12:00:00",
        "2000",
        " true",
        "IJ5",
        "x",
        "乙",
        "2024-01",
    ],
]


def _write_csv(path: Path, rows: list[list[str]], header: list[str], encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_tricky_cells_are_judged_as_frictionless_judges_them(tmp_path):
    path = _write_csv(tmp_path / "tricky.csv", TRICKY, [f["name"] for f in SCHEMA["fields"]])
    fast, reference = _both(path, "CSV", {"schema": SCHEMA})
    positions = [e.position for e in fast.errors]
    assert positions == [e.position for e in reference.errors]
    assert {"type-error", "constraint-error", "unique-error", "primary-key", "blank-row"} <= {
        e.type for e in fast.errors
    }
    assert ("type-error", 3, 3) in positions  # 2023-02-29 is no date
    assert ("type-error", 4, 1) not in positions  # "３": int() reads full-width digits
    assert fast.schema_source == "package"


def test_many_rows_many_chunks_same_errors(tmp_path):
    rows = []
    for number in range(1, 40_001):
        row = [str(number), f"{number / 7:.3f}", "2021-03-04", "true", "南宁市"]
        if number % 997 == 0:
            row[1] = "暂无"
        if number % 1999 == 0:
            row = row[:3]
        if number % 4001 == 0:
            row = []
        rows.append(row)
    path = _write_csv(tmp_path / "many.csv", rows, ["编号", "数值", "日期", "开放", "城市"])
    fast, reference = _both(path, "CSV")
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert fast.stats["rows"] == 40_000
    assert fast.error_counts["type-error"] == len([n for n in range(1, 40_001) if n % 997 == 0])


def test_error_limit_lists_the_first_errors_and_counts_them_all(tmp_path):
    rows = [[str(n), "x" if n > 100 else "1"] for n in range(1, 1601)]
    path = _write_csv(tmp_path / "limit.csv", rows, ["id", "value"])
    fast, reference = _both(path, "CSV", limit_errors=1000)
    assert len(fast.errors) == len(reference.errors) == 1000
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert fast.partial and fast.error_counts == {"type-error": 1500}
    assert "reached error limit: 1000" in fast.warnings


@pytest.mark.parametrize(
    ("encoding", "expected", "charset"),
    [
        ("utf-8", "utf-8", "UTF-8"),
        ("utf-8-sig", "utf-8-sig", "UTF-8 (BOM)"),
        ("gbk", "gb18030", "GBK"),
        ("gb18030", "gb18030", "GB18030"),
    ],
)
def test_chinese_encodings_are_detected(tmp_path, encoding, expected, charset):
    text = "城市" if encoding != "gb18030" else "城市𠀀"  # 𠀀 is in GB18030, not in GBK
    rows = [[str(n), f"南宁市第{n}号站点", text] for n in range(1, 30)]
    path = _write_csv(tmp_path / "chinese.csv", rows, ["编号", "名称", "备注"], encoding=encoding)
    buffer = path.read_bytes()[:100_000]
    assert detect_encoding(buffer) == expected
    assert charset_label(buffer, expected) == charset
    fast, reference = _both(path, "CSV")
    assert fast.valid and reference.valid
    assert fast.encoding == reference.encoding == expected
    assert fast.stats["charset"] == charset
    assert [f["name"] for f in fast.schema["fields"]] == ["编号", "名称", "备注"]


def test_latin1_is_not_taken_for_chinese():
    buffer = (FIXTURES / "latin1.csv").read_bytes()
    assert detect_encoding(buffer) not in ("gb18030", "utf-8")


def test_a_bad_byte_after_the_sample_is_an_encoding_error(tmp_path):
    path = tmp_path / "late.csv"
    body = "".join(f"{n},南宁市\n" for n in range(1, 20_000)).encode("utf-8")
    path.write_bytes(b"id,city\n" + body + b"20000,\xff\xfe\n")
    fast, reference = _both(path, "CSV")
    assert [e.type for e in fast.errors] == [e.type for e in reference.errors] == ["encoding-error"]


def test_declared_hash_bytes_and_rows_are_checked(tmp_path):
    path = _write_csv(tmp_path / "t.csv", [["1", "a"], ["2", "b"]], ["id", "name"])
    descriptor = {"hash": "sha256:" + "0" * 64, "bytes": 3, "rows": 5}
    fast, reference = _both(path, "CSV", descriptor)
    assert [e.type for e in fast.errors] == [e.type for e in reference.errors]
    assert {"hash-count", "byte-count", "row-count"} <= {e.type for e in fast.errors}


def test_tsv_semicolons_and_quoted_newlines(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("编号\t名称\n1\t南宁\n2\t柳州\t多余\n", encoding="utf-8")
    fast, reference = _both(tsv, "TSV")
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert fast.dialect["delimiter"] == "\t"
    semi = tmp_path / "s.csv"
    semi.write_text('a;b\n1;"two\nlines"\nx;3\n', encoding="utf-8")
    fast, reference = _both(semi, "CSV")
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert fast.dialect["delimiter"] == ";"
    assert fast.stats["rows"] == 2


def test_json_array_and_spreadsheets(tmp_path):
    records = [{"编号": n, "城市": "南宁市", "人口": n * 10} for n in range(1, 50)]
    records[10]["人口"] = "暂无"
    path = tmp_path / "t.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    fast, reference = _both(path, "JSON")
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert fast.error_counts == {"type-error": 1}
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "城市", "人口"])
    for n in range(1, 150):
        sheet.append([n, "柳州市", "暂无" if n == 120 else n * 3])
    sheet.append([None, None, None])
    out = io.BytesIO()
    book.save(out)
    xlsx = tmp_path / "t.xlsx"
    xlsx.write_bytes(out.getvalue())
    fast, reference = _both(xlsx, "XLSX")
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert ("type-error", 121, 3) in [e.position for e in fast.errors]


def test_not_a_table_and_unknown_formats(tmp_path):
    assert validate_table(tmp_path / "x.pdf", "PDF").problem == "unsupported-format"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a spreadsheet")
    fast, reference = _both(broken, "XLSX")
    assert not fast.valid and [e.type for e in fast.errors] == [e.type for e in reference.errors]


def test_a_broken_schema_is_a_schema_error_for_both_engines(tmp_path):
    path = _write_csv(tmp_path / "dup.csv", [["1", "x", "2"], ["a", "y", "3"]], ["a", "b", "c"])
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "id", "type": "string"},
            {"name": "n", "type": "integer"},
        ]
    }
    fast, reference = _both(path, "CSV", {"schema": schema})
    assert [e.type for e in fast.errors] == [e.type for e in reference.errors] == ["schema-error"]
    assert not fast.valid


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_regular_files_are_read_by_arrow_with_the_same_results(tmp_path, encoding):
    rows = [
        [str(n), f"南宁市第{n}号站点", f"{n * 1.5}", "2024-02-29" if n % 50 else "2023-02-29"]
        for n in range(1, 400)
    ]
    rows[120][1] = 'say "hi", then\nleave'  # quotes, a delimiter and a line break inside
    rows[121] = ["", "", "", ""]  # a blank row, written as empty cells
    rows[300][2] = "暂无"
    path = tmp_path / "regular.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["编号", "站点", "数值", "日期"])
        writer.writerows(rows)
    fast, reference = _both(path, "CSV")
    assert fast.stats["reader"] == "arrow"
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert [e.cell for e in fast.errors] == [e.cell for e in reference.errors]
    assert {"type-error", "blank-row"} <= set(fast.error_counts)
    assert fast.stats["rows"] == reference.stats["rows"] == 399
    assert fast.stats["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_irregular_rows_are_read_again_from_their_text(tmp_path):
    rows = [[str(n), "柳州市", str(n)] for n in range(1, 40_000)]
    rows[20_000] = ["20001", "柳州市"]  # a short row
    rows[20_001] = ["20002", '"多余"', "1", "x"]  # a long one, with quotes
    rows[30_000] = ["30001", "柳州市", "暂无"]
    path = _write_csv(tmp_path / "odd.csv", rows, ["编号", "城市", "数量"])
    fast, reference = _both(path, "CSV")
    assert fast.stats["reader"] == "arrow"
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert [e.cell for e in fast.errors] == [e.cell for e in reference.errors]
    assert fast.error_counts == {"missing-cell": 1, "extra-cell": 1, "type-error": 1}


@pytest.mark.parametrize(
    "tail",
    ["40000,柳州市\n", '40000,"runs to the end\n\n', "编号,城市\n"],
    ids=["short-last-row", "unclosed-quote", "short-header"],
)
def test_what_arrow_may_read_apart_goes_to_the_csv_reader(tmp_path, tail):
    body = "".join(f"{n},柳州市,{n}\n" for n in range(1, 40_000))
    path = tmp_path / "tail.csv"
    if tail.startswith("编号"):
        path.write_text(tail + body, encoding="utf-8")
    else:
        path.write_text("编号,城市,数量\n" + body + tail, encoding="utf-8")
    fast, reference = _both(path, "CSV")
    assert fast.stats["reader"] == "csv"
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert [e.cell for e in fast.errors] == [e.cell for e in reference.errors]
    assert fast.errors


def test_irregular_rows_across_arrow_blocks(tmp_path):
    rows = []
    for n in range(1, 60_000):  # about 2.5 MB: several blocks of Arrow's reader
        row = [str(n), f"南宁市青秀区第{n}号公交站点", str(n % 97)]
        if n % 997 == 0:
            row = row[:2]
        elif n % 1499 == 0:
            row = [*row, "多余"]
        elif n % 2003 == 0:
            row[2] = "暂无"
        rows.append(row)
    path = _write_csv(tmp_path / "blocks.csv", rows, ["编号", "名称", "数量"])
    assert path.stat().st_size > 2 * 1024 * 1024
    fast, reference = _both(path, "CSV")
    assert fast.stats["reader"] == "arrow"
    assert [e.position for e in fast.errors] == [e.position for e in reference.errors]
    assert fast.stats["rows"] == 59_999

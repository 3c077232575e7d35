"""Validation speed and memory: the fast engine against Frictionless itself.

Generates, in a temporary folder, a CSV of about 100 MB with 10 typed columns (integers,
numbers, dates, datetimes, booleans, years and Chinese text), with a few errors planted
after the first 100 rows (a type error, a short row, a long row, a blank row every 10,000
rows), and an XLSX of 50,000 rows of the same table. Each validation runs in its own
process, so the peak resident memory printed is that run's alone (interpreter and imports
included; the baseline line shows how much of it they are).

Frictionless takes about a minute on the full CSV, so by default it validates the first
10 MB (the same rows) and the MB/s figure is from that; ``--full`` runs it on everything.
The two engines' errors are compared, type and row and field, on every file both read.

    .venv/bin/python benchmarks/validate.py [--mb 100] [--xlsx-rows 50000] [--full]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITIES = (
    "南宁市 柳州市 桂林市 梧州市 北海市 防城港市 钦州市 贵港市 玉林市 百色市 贺州市 河池市 "
    "来宾市 崇左市"
).split()
PLACES = "气象观测站 公交站点 农贸市场 医疗机构 学校 水质监测点 景区 加油站 图书馆 派出所".split()
NOTES = (
    "数据来源于各市上报，按月汇总",
    "含部分估算值，以正式公布为准",
    "本站点于2020年改造，观测项目增加",
    "无",
    '新增站点，"试运行"阶段',
)
HEADER = ["编号", "名称", "城市", "日期", "观测时间", "数值", "数量", "是否开放", "年份", "备注"]
ERROR_EVERY = 10_000


def rows(seed: int = 1):
    """The table's rows, with errors planted every ERROR_EVERY rows after row 100."""
    rnd = random.Random(seed)
    start = datetime.date(2015, 1, 1)
    number = 0
    while True:
        number += 1
        day = start + datetime.timedelta(days=rnd.randrange(3650))
        row: list[object] = [
            number,
            f"{rnd.choice(CITIES)}{rnd.choice(PLACES)}{rnd.randrange(1000)}号",
            rnd.choice(CITIES),
            day.isoformat(),
            f"{day.isoformat()}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}",
            round(rnd.uniform(-50, 5000), 2),
            rnd.randrange(100_000),
            rnd.choice((True, False)),
            day.year,
            rnd.choice(NOTES),
        ]
        if number > 100 and number % ERROR_EVERY == 0:
            row[5] = "暂无"  # a type error in a number column
        elif number > 100 and number % ERROR_EVERY == 1:
            row = row[:7]  # three missing cells
        elif number > 100 and number % ERROR_EVERY == 2:
            row = [*row, "多余"]  # an extra cell
        elif number > 100 and number % ERROR_EVERY == 3:
            row = []  # a blank row
        yield row


def write_csv(path: Path, size: int) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows():
            writer.writerow(["true" if v is True else "false" if v is False else v for v in row])
            count += 1
            if count % 1000 == 0 and handle.tell() >= size:
                break
    return count


def write_xlsx(path: Path, count: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append(HEADER)
    for row in islice(rows(), count):
        sheet.append(row)
    book.save(path)


def child(engine: str, path: str, fmt: str) -> None:
    """Run one validation and print its figures as JSON (called in a fresh process)."""
    sys.path.insert(0, str(ROOT))
    from catalog.quality.validation import validate_table

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = validate_table(Path(path), fmt, engine=engine)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak / 1024,
                "baseline_mb": baseline / 1024,
                "rows": report.stats.get("rows"),
                "errors": [list(e.position) for e in report.errors],
                "counts": report.error_counts,
            }
        )
    )


def run(engine: str, path: Path, fmt: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(path), fmt],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(label: str, path: Path, figures: dict) -> None:
    size = path.stat().st_size / 1e6
    print(
        f"  {label:<13} {figures['seconds']:7.2f} s  {size / figures['seconds']:7.1f} MB/s  "
        f"{figures['rows']:>9,} rows  peak {figures['peak_mb']:5.0f} MB "
        f"(after imports {figures['baseline_mb']:.0f} MB)  errors {figures['counts']}"
    )


def compare(fast: dict, reference: dict) -> None:
    same = fast["errors"] == reference["errors"]
    print(f"  same errors, types and positions, as Frictionless: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit("the engines disagree")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--full", action="store_true", help="Frictionless on the whole CSV too")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "table.csv"
        count = write_csv(big, int(args.mb * 1e6))
        print(f"CSV: {big.stat().st_size / 1e6:.1f} MB, {count:,} rows, 10 typed columns")
        fast = run("fast", big, "CSV")
        show("fast engine", big, fast)
        if args.full:
            reference = run("frictionless", big, "CSV")
            show("frictionless", big, reference)
            compare(fast, reference)
        else:
            small = Path(folder) / "table-10mb.csv"
            write_csv(small, 10_000_000)
            print(f"CSV, first {small.stat().st_size / 1e6:.1f} MB of the same rows:")
            fast_small = run("fast", small, "CSV")
            show("fast engine", small, fast_small)
            reference = run("frictionless", small, "CSV")
            show("frictionless", small, reference)
            compare(fast_small, reference)
        book = Path(folder) / "table.xlsx"
        write_xlsx(book, args.xlsx_rows)
        print(f"XLSX: {book.stat().st_size / 1e6:.1f} MB, {args.xlsx_rows:,} rows")
        fast = run("fast", book, "XLSX")
        show("fast engine", book, fast)
        reference = run("frictionless", book, "XLSX")
        show("frictionless", book, reference)
        compare(fast, reference)


if __name__ == "__main__":
    main()

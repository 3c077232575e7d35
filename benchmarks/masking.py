"""Masked streaming of a CSV against a plain copy of the same file: MB/s and peak memory.

Generates, in a temporary folder, a CSV of about 100 MB (``--mb``) of made-up people: a
resident ID number (valid check character), a name, a mobile number, an address in Guangxi,
a birth date and a note. Then, each in its own process so that the peak resident memory
printed is that run's alone (interpreter and imports included; the baseline column shows how
much of it they are):

- ``copy``: the file copied as it is, as a plain download would send it;
- ``masked``: the delivered zip (masked CSV + datapackage.json) with the ID pseudonymized,
  the name and mobile partly masked, the address generalized to its county and the birth date
  to its year, the note dropped.

``--also-mb 10`` runs the masked stream on a second, smaller file too, to show the peak does not
grow with the file.

    .venv/bin/python benchmarks/masking.py [--mb 100] [--also-mb 10]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STREETS = "民族大道 友爱路 中山路 解放路 滨江路 新民路 朝阳路 长湖路 人民路 建政路".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗韦覃蒙莫廖梁"
GIVEN = "明华丽强军芳秀英伟敏静磊洋艳勇杰娟涛超霞平刚桂"
RULES = {
    "身份证号": {"kind": "pseudonym"},
    "姓名": {"kind": "keep", "keep_first": 1, "keep_last": 0, "mask_char": "＊"},
    "手机号": {"kind": "keep", "keep_first": 3, "keep_last": 4, "mask_char": "*"},
    "住址": {"kind": "generalize", "to": "county"},
    "出生日期": {"kind": "generalize", "to": "year"},
    "备注": {"kind": "drop"},
}


def write_csv(path: Path, size_mb: float) -> int:
    """About ``size_mb`` MB of made-up people, in real counties; the number of data rows."""
    sys.path.insert(0, str(ROOT))
    from catalog.accounts.identity import resident_id_check_character
    from vocab import divisions

    places = [
        city.label("zh") + county.label("zh")
        for city in divisions.cities()
        for county in divisions.counties(city.notation)
    ]
    rng = random.Random(1)
    limit = int(size_mb * 1024 * 1024)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["身份证号", "姓名", "手机号", "住址", "出生日期", "备注"])
        while out.tell() < limit:
            for _ in range(1000):
                birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
                first17 = f"4501{rng.randrange(100):02d}{birth:%Y%m%d}{rng.randrange(1000):03d}"
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                mobile = rng.choice(("139", "186", "135", "177")) + f"{rng.randrange(10**8):08d}"
                street = f"{rng.choice(STREETS)}{rng.randrange(1, 500)}号"
                address = f"广西壮族自治区{rng.choice(places)}{street}"
                number = first17 + resident_id_check_character(first17)
                writer.writerow([number, name, mobile, address, f"{birth:%Y-%m-%d}", "无"])
            count += 1000
    return count


def child(mode: str, source: str, target: str) -> None:
    """One run, its figures printed as JSON (called in a fresh process)."""
    sys.path.insert(0, str(ROOT))
    from catalog.masking.rules import grant_key, rules_from_json
    from catalog.masking.streams import Delivery, mask_csv_zip

    delivery = Delivery("dlv-bench", rules_from_json(RULES), grant_key(b"secret", "grant-1"))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with open(source, "rb") as stream, open(target, "wb") as out:
        if mode == "copy":
            shutil.copyfileobj(stream, out)
        else:
            mask_csv_zip(stream, out, delivery)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "baseline_mb": baseline / 1024}))


def run(mode: str, source: Path, target: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(source), str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def show(label: str, source: Path, figures: dict) -> None:
    size = source.stat().st_size / 1024 / 1024
    print(
        f"{label:<22} {size:8.1f} MB {figures['seconds']:8.2f} s "
        f"{size / figures['seconds']:9.1f} MB/s  peak {figures['peak_mb']:7.1f} MB "
        f"(baseline {figures['baseline_mb']:.1f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="size of the CSV (MB)")
    parser.add_argument("--also-mb", type=float, default=0.0, help="a second, smaller CSV")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        sizes = [args.mb, *([args.also_mb] if args.also_mb else [])]
        for size in sizes:
            source = Path(folder) / f"people-{size:g}.csv"
            rows = write_csv(source, size)
            print(f"{source.name}: {rows} rows")
            show("plain copy", source, run("copy", source, Path(folder) / "copy.csv"))
            masked = Path(folder) / "masked.zip"
            show("masked zip delivery", source, run("masked", source, masked))
            print(f"{'':<22} delivered zip {masked.stat().st_size / 1024 / 1024:.1f} MB")


if __name__ == "__main__":
    main()

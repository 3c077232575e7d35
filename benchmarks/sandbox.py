"""An aggregate query over 1,000,000 generated rows in the query sandbox: seconds and peak memory.

Generates a CSV of made-up outpatient visits (a resident ID, a name, a county, an age, a fee),
loads it into a :class:`catalog.sandbox.engine.Sandbox` masked as a grant would deliver it (the
ID keeps its first 3 and last 4 characters, the name becomes a pseudonym), and times the load
and a grouped query (count, sum, average per county, small groups suppressed). The peak
resident memory printed is the whole process's (the generated file held in memory included).

    .venv/bin/python -m benchmarks.sandbox [--rows 1000000]
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.masking.rules import Rule, keep  # noqa: E402
from catalog.masking.streams import Delivery  # noqa: E402
from catalog.sandbox.engine import Limits, Sandbox  # noqa: E402

COUNTIES = (
    "青秀区 兴宁区 江南区 西乡塘区 良庆区 邕宁区 武鸣区 隆安县 马山县 上林县 宾阳县 横州市"
).split()
QUERY = (
    "SELECT 区县, count(*) AS 人次, sum(费用) AS 费用, avg(年龄) AS 平均年龄 "
    "FROM 门诊 WHERE 年龄 >= 18 GROUP BY 区县 ORDER BY 人次 DESC"
)


def generate(rows: int) -> bytes:
    rng = random.Random(13)
    lines = ["身份证号,姓名,区县,年龄,费用\n"]
    for index in range(rows):
        county = COUNTIES[min(int(rng.expovariate(0.4)), len(COUNTIES) - 1)]
        lines.append(f"450102{1950 + index % 60}0101{index % 10000:04d},病人{index},{county},"
                     f"{rng.randint(0, 95)},{rng.randint(10, 5000)}\n")  # fmt: skip
    return "".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    data = generate(args.rows)
    masking = Delivery("dlv-bench", {"身份证号": keep(3, 4), "姓名": Rule("pseudonym")}, b"k" * 32)
    with Sandbox(Limits(seconds=60, memory="1GB")) as sandbox:
        started = time.perf_counter()
        loaded = sandbox.load("门诊", io.BytesIO(data), "csv", masking)
        load_seconds = time.perf_counter() - started
        result = sandbox.query(QUERY)
        again = sandbox.query(QUERY)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {loaded.rows:,}, CSV {len(data) / 1e6:.0f} MB")
    print(f"load (parse, mask, insert, type): {load_seconds:.1f} s")
    print(f"aggregate query: {result.seconds:.3f} s (again {again.seconds:.3f} s), "
          f"{len(result.rows)} rows shown, {result.suppressed} suppressed")  # fmt: skip
    print(f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()

"""Benchmark of the DCAT-AP exports on a synthetic catalog of 100,000 datasets.

Builds (once, in a temporary folder, or ``--db``) a SQLite catalog of ``--size`` public
datasets with 3 distributions each, ~150 departments across the region's 14 cities, every
government field filled and realistic Chinese titles; then measures, each in its own process
so that the peak RSS is that of the measurement alone:

* the whole catalog as Turtle, N-Triples and JSON-LD (``exports.dcat.dump.catalog_document``,
  what ``gxdata export dcat`` and ``/catalog/dump.nt.gz`` run), written to a file;
* one catalog page (``/catalog.ttl?page=N`` through the Flask app: query, summary, write).

    .venv/bin/python -m benchmarks.dcat --size 100000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

CITIES = ["450100", "450200", "450300", "450400", "450500", "450600", "450700", "450800",
          "450900", "451000", "451100", "451200", "451300", "451400"]  # fmt: skip
SUBJECTS = {
    "交通运输局": ("transport", ["公交线路信息", "客运站基本信息", "公路里程统计"]),
    "生态环境局": ("energy-environment", ["空气质量监测数据", "排污许可", "地表水水质监测数据"]),
    "市场监督管理局": ("enterprise", ["企业登记信息", "行政处罚信息", "食品经营许可"]),
    "卫生健康委员会": ("health", ["医疗机构名录", "执业医师注册信息", "疫苗接种点"]),
    "统计局": ("statistics", ["国民经济主要指标", "人口抽样调查", "规模以上工业产值"]),
    "气象局": ("meteorology", ["气象观测数据", "降水量统计", "台风路径"]),
    "税务局": ("finance-tax", ["纳税信用A级纳税人名单", "发票领用信息"]),
    "自然资源局": ("geospatial", ["地名信息", "土地利用现状"]),
    "公安局": ("population", ["户籍人口统计", "出入境证件办理点"]),
    "发展和改革委员会": ("social-credit", ["信用承诺信息", "守信激励名单"]),
    "教育局": (None, ["学校名录", "招生计划"]),
}
FORMATS = [("CSV", "text/csv"), ("XLSX", None), ("JSON", "application/json")]
FREQUENCIES = ["annual", "monthly", "quarterly", "daily", "irregular"]


def build(db_url: str, size: int) -> None:
    """Insert ``size`` public datasets, 3 distributions each, with plain INSERTs."""
    from catalog import migrate
    from catalog.db import make_engine
    from catalog.models import Dataset, Department, Distribution

    engine = make_engine(db_url)
    migrate.upgrade(engine)
    rng = random.Random(7)
    departments = []
    for city_index, city in enumerate(CITIES):
        for offset, name in enumerate(SUBJECTS):
            departments.append(
                {"id": city_index * 100 + offset + 1, "slug": f"d-{city}-{offset}",
                 "name": f"{city}{name}", "division": city, "phone": "0771-5555555",
                 "email": f"open{offset}@{city}.gxzf.gov.cn", "created_at": datetime(2020, 1, 1)}
            )  # fmt: skip
    start = datetime(2019, 1, 1)
    with engine.begin() as connection:
        connection.execute(insert(Department), departments)
        datasets, distributions = [], []
        for n in range(size):
            department = departments[n % len(departments)]
            kind = department["name"][6:] if department["name"][6:] in SUBJECTS else "统计局"
            category, subjects = SUBJECTS.get(kind, SUBJECTS["统计局"])
            year = 2015 + n % 10
            issued = start + timedelta(minutes=n * 7)
            dataset_id = str(uuid.UUID(int=rng.getrandbits(128)))
            datasets.append({
                "id": dataset_id, "slug": f"ds-{n}", "department_id": department["id"],
                "title": f"{department['name']}{year}年{rng.choice(subjects)}",
                "description": f"{department['name']}发布的{year}年度数据，含统计口径说明。",
                "keywords": [rng.choice(subjects), str(year)], "category": category,
                "topic": kind, "open_type": "unconditional", "share_type": "unconditional",
                "sensitivity": "public", "service_item": "政务公开", "result_name": "数据表",
                "is_e_licence": False, "source_system": "政务数据共享平台",
                "application_scenarios": "城市治理；便民服务", "delivery_channel": "download",
                "update_frequency": rng.choice(FREQUENCIES), "spatial": department["division"],
                "temporal_start": date(year, 1, 1), "temporal_end": date(year, 12, 31),
                "licence": "CC-BY-4.0", "issued": issued, "modified": issued + timedelta(days=30),
                "record_count": rng.randint(10, 10**6), "contact_name": department["name"],
                "contact_phone": department["phone"], "contact_email": department["email"],
                "identifier": f"bench-{n}", "is_sample": False, "extras": {}, "state": "published",
                "created_at": issued, "metadata_modified": issued + timedelta(days=31),
            })  # fmt: skip
            for position, (fmt, media_type) in enumerate(FORMATS):
                distributions.append({
                    "id": str(uuid.UUID(int=rng.getrandbits(128))), "dataset_id": dataset_id,
                    "position": position, "title": f"数据文件_{position}.{fmt.lower()}",
                    "format": fmt, "media_type": media_type, "byte_size": rng.randint(1000, 10**7),
                    "sha256": f"{rng.getrandbits(256):064x}",
                    "download_url": f"https://data.gxzf.gov.cn/files/{n}/{position}.{fmt.lower()}",
                    "access_url": "https://data.gxzf.gov.cn/", "issued": issued,
                    "modified": issued, "download_count": 0, "created_at": issued,
                })  # fmt: skip
            if len(datasets) == 5000:
                connection.execute(insert(Dataset), datasets)
                connection.execute(insert(Distribution), distributions)
                datasets, distributions = [], []
        if datasets:
            connection.execute(insert(Dataset), datasets)
            connection.execute(insert(Distribution), distributions)
    engine.dispose()


def measure_dump(db_url: str, suffix: str, output: str) -> tuple[float, int]:
    from catalog.db import make_engine, make_session_factory
    from exports.dcat.dump import catalog_document
    from exports.formats import BY_SUFFIX

    factory = make_session_factory(make_engine(db_url))
    started = time.perf_counter()
    with factory() as session, open(output, "w", encoding="utf-8") as out:
        for piece in catalog_document(session, BY_SUFFIX[suffix], "https://data.gxzf.gov.cn"):
            out.write(piece)
    return time.perf_counter() - started, os.path.getsize(output)


def measure_page(db_url: str, instance: str, page: int) -> tuple[float, int]:
    from portal import create_app

    app = create_app({"INSTANCE_PATH": instance, "DATABASE_URL": db_url, "SECRET_KEY": "b",
                      "SPARQL_STORE": "", "BASE_URL": "https://data.gxzf.gov.cn"})  # fmt: skip
    client = app.test_client()
    client.get("/catalog.ttl?page=1")  # warm: vocabularies parsed, caches filled
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(f"/catalog.ttl?page={page}")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return sorted(timings)[len(timings) // 2], len(response.data)


def _child(args: argparse.Namespace) -> None:
    if args.measure == "page":
        seconds, size = measure_page(args.db, args.instance, args.page)
    else:
        seconds, size = measure_dump(args.db, args.measure, args.output)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {size} {peak_mb:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", help="SQLite file to build or reuse")
    parser.add_argument("--measure", choices=["ttl", "nt", "jsonld", "page"])
    parser.add_argument("--output")
    parser.add_argument("--instance")
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()
    if args.measure:
        _child(args)
        return
    work = Path(tempfile.mkdtemp(prefix="gxdata-bench-"))
    db = Path(args.db) if args.db else work / "catalog.db"
    db_url = f"sqlite:///{db}"
    if not db.exists():
        started = time.perf_counter()
        build(db_url, args.size)
        elapsed = time.perf_counter() - started
        print(f"built {args.size:,} datasets × 3 distributions in {elapsed:.0f} s")
    page = min(args.page, max(1, args.size // 100))
    print(f"{'measurement':<22}{'seconds':>9}{'MB out':>9}{'peak RSS MB':>13}{'datasets/s':>12}")
    for what in ("ttl", "nt", "jsonld", "page"):
        command = [sys.executable, "-m", "benchmarks.dcat", "--measure", what, "--db", db_url,
                   "--output", str(work / f"catalog.{what}"), "--instance", str(work / "instance"),
                   "--page", str(page)]  # fmt: skip
        seconds, size, peak = subprocess.run(
            command, check=True, capture_output=True, text=True
        ).stdout.split()[-3:]
        rate = f"{args.size / float(seconds):,.0f}" if what != "page" else ""
        label = f"catalog page {page}" if what == "page" else f"dump .{what}"
        print(f"{label:<22}{float(seconds):>9.2f}{int(size) / 2**20:>9.1f}{peak:>13}{rate:>12}")


if __name__ == "__main__":
    main()

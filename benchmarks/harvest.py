"""Benchmark of harvesting: 10,000 datasets from a CKAN-compatible server and from a
10,000-row department catalog spreadsheet.

A synthetic Guangxi catalog (the departments and subjects of ``benchmarks/search.py``; 1-3
resources per dataset) is served by the test suite's CKAN site (``tests/sources_server.py``,
``package_search`` paged by 1000 rows) from a child process, or written as an XLSX catalog
with a banner row and Chinese headers. Each source is harvested in its own process into a
fresh catalog as the portal runs it (``create_app``: the search index, the SPARQL store and
the quality job queue follow every commit), or with ``--catalog-only`` into a bare SQLite
catalog whose search index alone follows the commits. The tables are created beforehand in
another process, as ``gxdata db upgrade`` would. Runs: a first run, an unchanged re-run that
fetches, maps and hashes every record (``full``), and for CKAN an incremental re-run. Prints
datasets per second for each run and the peak memory (RSS) of the process that harvested,
which does nothing else; its libraries alone (the segmenter's and pypinyin's dictionaries,
SQLAlchemy, whoosh, rdflib …) take the "baseline" printed first. (The SPARQL store's worker
is a process of its own, as a database server would be.)

    .venv/bin/python -m benchmarks.harvest --datasets 10000
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.search import CITIES, DEPARTMENTS
from catalog import migrate
from catalog.db import make_engine, make_session_factory
from catalog.harvest.sources import add_source
from catalog.indexing import IndexSync
from catalog.search import open_engine
from harvesters.base import HarvestReport, HarvestSettings
from harvesters.run import run_source

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from sources_server import CkanSite, SourceServer  # noqa: E402

FORMATS = ["CSV", "XLSX", "JSON", "PDF", "XML"]
FREQUENCIES = ["每年", "每季度", "每月", "每天", "实时", "不定期"]


def synthetic_packages(count: int, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    departments = list(DEPARTMENTS.items())
    packages = []
    start = datetime(2021, 1, 1)
    for n in range(count):
        city = rng.choice(list(CITIES))
        department, (_category, subjects) = rng.choice(departments)
        subject = rng.choice(subjects)
        year = rng.randint(2015, 2024)
        ident = str(uuid.UUID(int=rng.getrandbits(128)))
        modified = (start + timedelta(minutes=n)).isoformat()
        resources = [
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "name": f"{subject}_{i}.{fmt.lower()}",
                "format": fmt,
                "url": f"https://data.example.gov.cn/files/{ident}/{i}.{fmt.lower()}",
                "size": rng.randint(1_000, 5_000_000),
                "created": modified,
            }
            for i, fmt in enumerate(rng.sample(FORMATS, rng.randint(1, 3)))
        ]
        packages.append(
            {
                "id": ident,
                "name": f"gx-{n:06d}",
                "title": f"{city}{subject}（{year}年）第{n}号",
                "notes": f"{city}{department}发布的{subject}，数据年份为{year}年，按月更新。",
                "organization": {"name": f"org-{abs(hash(city + department)) % 65536:x}",
                                 "title": f"{city}{department}"},
                "tags": [{"name": subject}, {"name": city}],
                "metadata_created": modified,
                "metadata_modified": modified,
                "extras": [{"key": "frequency", "value": rng.choice(FREQUENCIES)}],
                "license_id": "cc-by",
                "resources": resources,
            }
        )  # fmt: skip
    return packages


def serve_ckan(count: int, ready: Any, stop: Any) -> None:
    server = SourceServer()
    base = server.start()
    server.ckan("/ckan", CkanSite(packages=synthetic_packages(count)))
    ready.put(base + "/ckan")
    stop.wait()
    server.stop()


def write_spreadsheet(path: Path, count: int) -> None:
    from openpyxl import Workbook  # noqa: PLC0415 - in this process only, not the measured one

    book = Workbook(write_only=True)
    sheet = book.create_sheet("政务数据资源目录")
    sheet.append(["广西壮族自治区政务数据资源目录（基准测试）"])
    sheet.append(["资源代码", "数据资源名称", "提供部门", "摘要", "开放类型", "共享类型",
                  "更新频率", "数据格式", "关键字"])  # fmt: skip
    for n, package in enumerate(synthetic_packages(count)):
        sheet.append([
            f"45{n:08d}", package["title"], package["organization"]["title"], package["notes"],
            "无条件开放", "无条件共享", package["extras"][0]["value"],
            ",".join(r["format"] for r in package["resources"]), package["tags"][0]["name"],
        ])  # fmt: skip
    book.save(path)


def harvest_runs(
    kind: str, location: str, count: int, runs: list[tuple[str, dict]], portal: bool
) -> None:
    """Harvest ``location`` into a fresh catalog, once per run; in a process of its own.

    ``portal``: the catalog as the portal runs it (``create_app``), with everything that
    follows a commit: the search index, the SPARQL store, the quality job queue. Otherwise
    the catalog with its search index only."""
    with tempfile.TemporaryDirectory(prefix="gxdata-bench-") as tmp:
        if portal:
            # Imported here, not above: the catalog-only run must not load the portal's
            # libraries (pyoxigraph, Flask …), or its memory figure would include them.
            from portal import create_app  # noqa: PLC0415

            app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "WORKER_THREADS": 0})
            services = app.extensions["gxdata"]
            factory, close = services.session_factory, services.close
            _in_process(migrate_database, services.engine.url.render_as_string(False))
        else:
            engine = make_engine(f"sqlite:///{tmp}/gxdata.db")
            _in_process(migrate_database, f"sqlite:///{tmp}/gxdata.db")
            factory = make_session_factory(engine)
            search = open_engine("whoosh", f"{tmp}/index")
            sync = IndexSync(search, factory)

            def close() -> None:
                sync.detach()
                search.close()
                engine.dispose()

        print(f"  baseline (libraries loaded): {_peak_mb():.0f} MB")
        with factory() as session, session.begin():
            add_source(session, name=kind, kind=kind, url=location, allow_local=True)
        settings = HarvestSettings(allow_local=True)
        for label, options in runs:
            started = time.perf_counter()
            report = run_source(factory, kind, replace(settings, **options))
            _print_run(label, count, time.perf_counter() - started, report)
        print(f"  peak memory of the harvesting process: {_peak_mb():.0f} MB")
        close()


def migrate_database(url: str) -> None:
    """Create the tables, in a process of its own (as ``gxdata db upgrade`` would): alembic
    is no part of a harvest."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


def _print_run(label: str, count: int, seconds: float, report: HarvestReport) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if v)
    print(f"  {label:<46} {seconds:7.2f} s  {count / seconds:8.0f} datasets/s  ({counts})")
    if report.status != "succeeded":
        print(f"    job failed: {report.error_code}: {report.error_message}")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_process(target: Any, *args: Any) -> None:
    process = multiprocessing.Process(target=target, args=args)
    process.start()
    process.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument(
        "--catalog-only",
        action="store_true",
        help="write with the search index only, without the portal's other followers",
    )
    args = parser.parse_args()
    count, portal = args.datasets, not args.catalog_only
    multiprocessing.set_start_method("spawn")  # each child starts with nothing loaded
    ready: Any = multiprocessing.Queue()
    stop: Any = multiprocessing.Event()
    server = multiprocessing.Process(target=serve_ckan, args=(count, ready, stop), daemon=True)
    server.start()
    try:
        url = ready.get(timeout=300)
        print(f"CKAN site with {count:,} datasets, package_search by 1000 rows:")
        ckan_runs = [
            ("first run", {}),
            ("unchanged re-run (full: every record)", {"full": True}),
            ("unchanged re-run (incremental)", {}),
        ]
        _in_process(harvest_runs, "ckan", url, count, ckan_runs, portal)
    finally:
        stop.set()
        server.join(timeout=10)
    with tempfile.TemporaryDirectory(prefix="gxdata-bench-") as tmp:
        sheet = Path(tmp) / "catalog.xlsx"
        _in_process(write_spreadsheet, sheet, count)
        print(f"department catalog spreadsheet (XLSX) with {count:,} rows:")
        sheet_runs = [("first run", {}), ("unchanged re-run", {})]
        _in_process(harvest_runs, "spreadsheet", str(sheet), count, sheet_runs, portal)


if __name__ == "__main__":
    main()

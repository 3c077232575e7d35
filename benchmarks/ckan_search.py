"""Benchmark of CKAN's package_search (``/api/3/action/package_search``) through the Flask app.

For each size it builds a catalog in a temporary folder: ``demo`` is the demo catalog
(``gxdata demo``'s); a number is that many datasets from :func:`benchmarks.search.synthetic_catalog`
(the search benchmark's Guangxi titles, departments and facet values) stored as datasets with one
distribution per format, one in twenty of them not public (drafts and 不予开放), and indexed.
Then it times the requests CKAN harvesters and portals send: the default query, a full-text
``q`` (a narrow one and one that matches nearly everything), an ``fq``, four facets and
``sort=metadata_modified desc``. Each size runs in its own
process.

    .venv/bin/python -m benchmarks.ckan_search --sizes demo,10000 --repeat 50
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from benchmarks.search import _percentile, synthetic_catalog
from catalog import migrate
from catalog.demo.loader import load_demo
from catalog.indexing import rebuild_index
from catalog.models import CLOSED, DRAFT, PUBLISHED, Dataset, Department, Distribution
from catalog.search import SearchDocument
from portal import create_app

FACETS = json.dumps(["organization", "groups", "res_format", "tags"])
REQUESTS: dict[str, dict[str, str]] = {
    "default": {},
    "q=text": {"q": "公交"},
    "q=broad": {"q": "数据"},  # matches nearly every dataset: the ranked ids are all read
    "fq": {"fq": "res_format:CSV AND metadata_modified:[2019-01-01T00:00:00Z TO *]"},
    "4 facets": {"facet.field": FACETS},
    "sort modified": {"sort": "metadata_modified desc"},
}
BATCH = 5000


def _rows(docs: Iterable[SearchDocument]) -> Iterable[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Dataset and distribution rows of the search benchmark's documents."""
    created = datetime(2014, 6, 1)
    for n, doc in enumerate(docs):
        state = DRAFT if n % 40 == 0 else PUBLISHED
        open_type = CLOSED if n % 40 == 20 else doc.open_type
        dataset = {
            "id": doc.id, "slug": f"bench-{n}", "title": doc.title,
            "description": doc.description, "keywords": list(doc.keywords),
            "department_id": doc.department_slug, "category": doc.category,
            "spatial": doc.division, "open_type": open_type, "update_frequency": doc.frequency,
            "licence": "CC-BY-4.0" if n % 3 else None, "state": state, "extras": {},
            "is_sample": False, "is_e_licence": False, "modified": doc.modified,
            "created_at": created, "metadata_modified": doc.modified or created,
        }  # fmt: skip
        distributions = [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{doc.id}/{fmt}")), "dataset_id": doc.id,
             "position": position, "title": title, "format": fmt, "download_count": 0,
             "created_at": created}
            for position, (fmt, title) in enumerate(
                zip(doc.formats, doc.distribution_titles, strict=True)
            )
        ]  # fmt: skip
        yield dataset, distributions


def load_synthetic(session: Session, size: int) -> None:
    """``size`` datasets of :func:`benchmarks.search.synthetic_catalog`, inserted in batches."""
    docs = list(synthetic_catalog(size))
    slugs = {doc.department_slug: doc.department for doc in docs}
    departments = [{"id": n + 1, "slug": slug, "name": name, "created_at": datetime(2014, 1, 1)}
                   for n, (slug, name) in enumerate(sorted(slugs.items()))]  # fmt: skip
    number = {row["slug"]: row["id"] for row in departments}
    session.execute(insert(Department), departments)
    rows = list(_rows(docs))
    for dataset, _ in rows:
        dataset["department_id"] = number[dataset["department_id"]]
    for first in range(0, len(rows), BATCH):
        batch = rows[first : first + BATCH]
        session.execute(insert(Dataset), [dataset for dataset, _ in batch])
        session.execute(insert(Distribution), [file for _, files in batch for file in files])


def measure(size: str, repeat: int) -> dict[str, Any]:
    """Build one catalog and time each request ``repeat`` times (runs in a child process)."""
    folder = Path(tempfile.mkdtemp(prefix="gxdata-ckan-bench-"))
    try:
        app = create_app({
            "INSTANCE_PATH": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'gxdata.db'}",
            "SECRET_KEY": "bench", "SPARQL_STORE": "", "NETWORK": False,
            "BASE_URL": "https://data.gxzf.gov.cn",
        })  # fmt: skip
        services = app.extensions["gxdata"]
        migrate.upgrade(services.engine)
        with services.session_factory() as session:
            with session.begin():
                if size == "demo":
                    load_demo(session, services.files, app.config["MAX_UPLOAD_BYTES"])
                else:
                    load_synthetic(session, int(size))
            indexed = rebuild_index(session, services.search)
        client = app.test_client()
        row: dict[str, Any] = {"size": size, "indexed": indexed}
        for name, params in REQUESTS.items():
            first = client.get("/api/3/action/package_search", query_string=params)
            assert first.status_code == 200, (name, first.status_code, first.data[:300])
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get("/api/3/action/package_search", query_string=params)
                timings.append((time.perf_counter() - started) * 1000)
            row[name] = (statistics.median(timings), _percentile(timings, 0.95))
            row[name + " count"] = first.get_json()["result"]["count"]
        services.close()
        return row
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="demo,10000", help="'demo' or dataset counts")
    parser.add_argument("--repeat", type=int, default=50, help="requests per measurement")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    rows = []
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        with context.Pool(1) as pool:
            rows.append(pool.apply(measure, (size, args.repeat)))
    print(f"{'request':<16}" + "".join(f"{str(r['size']) + ' p50/p95 ms':>24}" for r in rows))
    for name in REQUESTS:
        cells = "".join(f"{r[name][0]:>12.1f} /{r[name][1]:>7.1f} ({r[name + ' count']:>5})"
                        for r in rows)  # fmt: skip
        print(f"{name:<16}{cells}")
    print(
        f"\n{args.repeat} requests each, after one warm-up; (n): the count answered. Public "
        "datasets indexed: " + ", ".join(f"{r['size']}: {r['indexed']}" for r in rows)
    )


if __name__ == "__main__":
    main()

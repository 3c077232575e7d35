"""Substring recall of the search on the demo catalog: does what a citizen types find it?

Loads the demo catalog into a temporary instance, indexes its public datasets (timing the
build and measuring the index), then draws random substrings of 1-6 characters from the
titles (seeded) and searches each as typed. It reports the share whose source dataset is
found at all and the share where it is on the first page (20 results, the portal's page
size), with the misses. Substrings without a letter or digit (say ``）【``) are drawn again:
there is nothing to search in them.

    .venv/bin/python -m benchmarks.search_substrings --count 1000 --seed 10
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from catalog import migrate
from catalog.demo.loader import load_demo
from catalog.indexing import public_documents
from catalog.search import SearchDocument, SearchEngine, SearchQuery, open_engine
from portal import create_app

PAGE_SIZE = 20  # the portal's search page (catalog.browse.build_query)
MAX_PER_PAGE = 100


def demo_documents() -> list[SearchDocument]:
    tmp = Path(tempfile.mkdtemp(prefix="gxdata-substrings-"))
    try:
        config = {
            "INSTANCE_PATH": str(tmp),
            "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
            "SECRET_KEY": "s",
            "SPARQL_STORE": "",
            "BASE_URL": "http://gxdata.test",
        }
        app = create_app(config)
        services = app.extensions["gxdata"]
        migrate.upgrade(services.engine)
        with services.session_factory() as session:
            with session.begin():
                load_demo(session, services.files, app.config["MAX_UPLOAD_BYTES"])
            documents = list(public_documents(session))
        services.engine.dispose()
        return documents
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def draw(titles: list[str], count: int, seed: int) -> list[tuple[int, str]]:
    """(title index, substring of 1-6 characters holding a letter or digit), ``count`` times."""
    rng = random.Random(seed)
    drawn: list[tuple[int, str]] = []
    while len(drawn) < count:
        index = rng.randrange(len(titles))
        title = titles[index]
        size = rng.randint(1, 6)
        start = rng.randrange(max(1, len(title) - size + 1))
        piece = title[start : start + size]
        if any(char.isalnum() for char in piece):
            drawn.append((index, piece))
    return drawn


def position(engine: SearchEngine, text: str, wanted: str) -> tuple[int | None, float]:
    """(0-based rank of ``wanted`` among the results or None, ms of the first page)."""
    started = time.perf_counter()
    result = engine.search(SearchQuery(text=text, per_page=PAGE_SIZE))
    elapsed = (time.perf_counter() - started) * 1000
    ids = [hit.id for hit in result.hits]
    if wanted in ids:
        return ids.index(wanted), elapsed
    for page in range(1, result.total // MAX_PER_PAGE + 2):
        more = engine.search(SearchQuery(text=text, page=page, per_page=MAX_PER_PAGE))
        found = [hit.id for hit in more.hits]
        if wanted in found:
            return (page - 1) * MAX_PER_PAGE + found.index(wanted), elapsed
    return None, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="substrings to draw")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    documents = demo_documents()
    directory = tempfile.mkdtemp(prefix="gxdata-substrings-index-")
    try:
        engine = open_engine("whoosh", os.path.join(directory, "index"))
        started = time.perf_counter()
        engine.rebuild(documents)
        build = time.perf_counter() - started
        size = sum(
            os.path.getsize(os.path.join(root, name))
            for root, _, names in os.walk(directory)
            for name in names
        )
        print(f"{len(documents)} public datasets indexed in {build:.1f} s, {size / 2**20:.1f} MB")
        drawn = draw([doc.title for doc in documents], args.count, args.seed)
        ranks, timings, misses = [], [], []
        for index, text in drawn:
            rank, elapsed = position(engine, text, documents[index].id)
            timings.append(elapsed)
            ranks.append(rank)
            if rank is None:
                misses.append(text)
        found = sum(rank is not None for rank in ranks)
        first_page = sum(rank is not None and rank < PAGE_SIZE for rank in ranks)
        print(f"{len(drawn)} substrings of 1-6 characters of titles (seed {args.seed}):")
        print(f"  source dataset found:         {found / len(drawn):.1%} ({found})")
        share = first_page / len(drawn)
        print(f"  on the first page ({PAGE_SIZE}):     {share:.1%} ({first_page})")
        print(f"  first page p50 / p95 ms:      {statistics.median(timings):.1f} / "
              f"{sorted(timings)[int(0.95 * (len(timings) - 1))]:.1f}")  # fmt: skip
        if misses:
            print(f"  missed ({len(misses)}): {' | '.join(misses[:30])}")
        engine.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()

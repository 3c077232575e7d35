"""Benchmark of the audit log: appending rows, ``gxdata audit verify``, a filtered page of the
audit log and the CSV export, on a SQLite log of ``--size`` rows (100,000 by default).

    .venv/bin/python -m benchmarks.audit --size 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from catalog import audit, audit_log, migrate
from catalog.db import make_engine, make_session_factory
from catalog.permissions import system_actor

ACTIONS = ("dataset.edit", "dataset.publish", "file.link", "role.grant", "harvest.run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'audit.db'}")
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        start, batch = datetime(2026, 1, 1), 1000
        started = time.perf_counter()
        for first in range(0, args.size, batch):
            with factory() as session, session.begin():
                for n in range(first, min(first + batch, args.size)):
                    _append(session, n, start)
        filled = time.perf_counter() - started
        print(f"fill {args.size} rows ({batch} a transaction): {filled:.1f} s")
        acts = 1000
        started = time.perf_counter()
        for n in range(args.size, args.size + acts):
            with factory() as session, session.begin():
                _append(session, n, start)
        each = (time.perf_counter() - started) / acts
        print(f"one act (its own transaction, at {args.size} rows): {each * 1000:.2f} ms")
        actor = system_actor()
        with factory() as session:
            started = time.perf_counter()
            result = audit.verify(session)
            print(f"verify: {result.checked} rows, ok={result.ok}, "
                  f"{time.perf_counter() - started:.2f} s")  # fmt: skip
            filters = audit_log.AuditFilter(action="dataset.edit", since=date(2026, 3, 1))
            started = time.perf_counter()
            page = audit_log.search(session, actor, filters, 1)
            print(f"filtered page 1 of {page.pages} ({page.total} rows): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
            started = time.perf_counter()
            last = audit_log.search(session, actor, audit_log.AuditFilter(), 10**9)
            print(f"unfiltered last page ({last.page}): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
            started = time.perf_counter()
            rows = sum(1 for _ in audit_log.csv_rows(session, actor, audit_log.AuditFilter()))
            print(f"CSV rows of the whole log: {rows - 1} in {time.perf_counter() - started:.2f} s")


def _append(session: Session, n: int, start: datetime) -> None:
    audit.record(
        session, actor=f"u-{n % 500:016x}", action=ACTIONS[n % len(ACTIONS)], role="publisher",
        object_type="dataset", object_id=n % 5000, change={"n": n}, summary=f"dataset-{n % 5000}",
        now=start + timedelta(minutes=5 * n),
    )  # fmt: skip


if __name__ == "__main__":
    main()

"""A job's records on disk between fetching and writing.

A job first fetches everything the source lists into a spool (a temporary file), and only
then writes to the catalog: a source that fails half-way through its pages (a 500, a timeout,
malformed JSON) fails the job before anything published has changed, and a large source is
never held in memory whole.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RemoteRecord:
    """One record as listed by a source: its id there, what a harvester needs to map it
    (a CKAN package dict, the N-Triples of a DCAT dataset, a spreadsheet row …) and a title
    for the job's log should mapping fail."""

    remote_id: str
    payload: Any
    title: str | None = None


class SpoolFull(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the source lists more than {limit:,} records")
        self.limit = limit


class Spool:
    def __init__(self, max_records: int):
        self.max_records = max_records
        self.count = 0
        self.ids: set[str] = set()
        self._file = tempfile.TemporaryFile(prefix="gxdata-harvest-")

    def add(self, record: RemoteRecord) -> None:
        if self.count >= self.max_records:
            raise SpoolFull(self.max_records)
        pickle.dump(record, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1
        self.ids.add(record.remote_id)

    def batches(self, size: int) -> Iterator[list[RemoteRecord]]:
        """The records in the order they were listed, ``size`` at a time."""
        self._file.flush()
        self._file.seek(0)
        batch: list[RemoteRecord] = []
        for _ in range(self.count):
            batch.append(pickle.load(self._file))  # noqa: S301 - our own file, written above
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

"""Compare a derived store with the database: which datasets are missing, extra or stale.

Each store can list its datasets with a digest of what it holds of each (the search index:
:attr:`catalog.search.base.SearchDocument.digest`; the SPARQL store: a digest of each dataset's
graph). The same digest computed from the database's public datasets tells what drifted;
:func:`repair` re-applies those datasets to the store (``gxdata check``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from catalog.indexing import public_documents
from catalog.search.base import SearchEngine
from catalog.watch import Follower, load_batches

SHOWN = 10  # ids printed of each kind of difference


@dataclass
class Drift:
    store: str
    expected: int  # public datasets in the database
    found: int  # datasets in the store
    missing: list[str] = field(default_factory=list)  # public, not in the store
    extra: list[str] = field(default_factory=list)  # in the store, not public
    stale: list[str] = field(default_factory=list)  # in both, with another digest

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.extra or self.stale)

    @property
    def ids(self) -> list[str]:
        return sorted({*self.missing, *self.extra, *self.stale})

    def lines(self) -> list[str]:
        head = f"{self.store}: {self.found} datasets, {self.expected} public in the database"
        lines = [head + ("" if self.drifted else ": in step")]
        for kind, ids in (("missing", self.missing), ("extra", self.extra), ("stale", self.stale)):
            if ids:
                more = f" … (+{len(ids) - SHOWN})" if len(ids) > SHOWN else ""
                lines.append(f"  {kind} {len(ids)}: {', '.join(ids[:SHOWN])}{more}")
        return lines


def compare(store: str, expected: Mapping[str, str], found: Mapping[str, str]) -> Drift:
    """The difference between the digests a store should hold and those it holds."""
    return Drift(
        store=store,
        expected=len(expected),
        found=len(found),
        missing=sorted(set(expected) - set(found)),
        extra=sorted(set(found) - set(expected)),
        stale=sorted(i for i in set(expected) & set(found) if expected[i] != found[i]),
    )


def index_drift(session: Session, engine: SearchEngine) -> Drift:
    expected = {doc.id: doc.digest for doc in public_documents(session)}
    return compare("search index", expected, engine.digests())


def repair(session: Session, follower: Follower, drift: Drift) -> int:
    """Re-apply the drifted datasets to the follower's store; returns how many."""
    for changed, public in load_batches(session, drift.ids):
        follower.follow(changed, public)
        session.expunge_all()
    return len(drift.ids)

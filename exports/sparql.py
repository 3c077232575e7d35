"""The SPARQL store: the whole catalog and the vocabularies in an embedded pyoxigraph store.

Each public dataset lives in its own named graph (its URI), so a change replaces exactly
that graph; the catalog record, services, vocabularies and the descriptions records point to
(concepts, departments) live in a shared graph. Queries see the union of all graphs.
:class:`StoreSync` keeps the store in step with the database the way the search index is
kept: after each commit the datasets it touched are re-published or removed.

Limits: a query runs in a worker thread and gets ``timeout`` seconds (pyoxigraph releases the
GIL while it evaluates); results stop at ``max_rows``. At most ``MAX_RUNNING`` queries run at
once: a query stopped at its time limit inside a blocking operator (ORDER BY, GROUP BY)
finishes its evaluation in the background and holds its slot until then.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from catalog import uris
from catalog.linked_data import CatalogFilter, catalog_summary, filtered_datasets, stream
from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets
from exports.dcat.catalog import catalog_header
from exports.dcat.context import PublishContext
from exports.dcat.write import dataset_chunk
from exports.rdf.terms import IRI, BNode, Chunk, Lit, Node
from exports.vocabularies import all_vocabulary_chunks

log = logging.getLogger(__name__)

MAX_RUNNING = 2
_DATASETS = "gxdata.sparql.datasets"


class QueryRejected(ValueError):
    """A query the endpoint does not run: malformed, an update, too slow, or too many at once."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass
class QueryOutcome:
    kind: str  # "select", "ask" or "graph"
    variables: list[str]
    rows: list[list[Any]]  # select: pyoxigraph terms or None; graph: (s, p, o) triples
    boolean: bool | None
    truncated: bool


class CatalogStore:
    def __init__(self, path: str | None, base_url: str) -> None:
        if path:
            Path(path).mkdir(parents=True, exist_ok=True)
        self.store = ox.Store(path) if path else ox.Store()
        self.base_url = base_url.rstrip("/")
        self.shared = ox.NamedNode(f"{self.base_url}/catalog#graph")
        self._slots = threading.BoundedSemaphore(MAX_RUNNING)
        self._write = threading.Lock()

    # -- loading --------------------------------------------------------------------------

    def rebuild(self, session: Session) -> int:
        """Clear the store and load the catalog and the vocabularies; returns the datasets."""
        with self._write:
            self.store.clear()
            ctx = PublishContext(self.base_url, in_catalog=True)
            shared: list[ox.Quad] = []
            for chunk in all_vocabulary_chunks(self.base_url):
                shared += self._quads(chunk, self.shared)
            shared += self._quads(catalog_header(catalog_summary(session), ctx), self.shared)
            self.store.bulk_extend(shared)
            count = 0
            batch: list[ox.Quad] = []
            for dataset in stream(session, filtered_datasets(session, None, CatalogFilter())):
                batch += self._dataset_quads(dataset, ctx)
                count += 1
                if len(batch) > 50_000:
                    self.store.bulk_extend(batch)
                    batch = []
            self.store.bulk_extend(batch)
            self.store.flush()
        return count

    def sync(self, session: Session, dataset_ids: Iterable[str]) -> None:
        """Re-publish these datasets (or remove them when they are no longer public).

        A dataset's graph is replaced whole; the descriptions it points to (a department, a
        concept) replace their earlier statements in the shared graph, once per call.
        """
        ids = sorted(set(dataset_ids))
        with self._write:
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                stmt = (
                    public_datasets()
                    .where(Dataset.id.in_(batch))
                    .options(selectinload(Dataset.distributions), selectinload(Dataset.department))
                )
                quads: list[ox.Quad] = []
                shared_subjects: set[str] = set()
                ctx = PublishContext(self.base_url, in_catalog=True)
                for dataset in session.scalars(stmt):
                    quads += self._dataset_quads(dataset, ctx, shared_subjects)
                for dataset_id in batch:
                    graph = ox.NamedNode(uris.dataset_uri(self.base_url, dataset_id))
                    if self.store.contains_named_graph(graph):
                        self.store.remove_graph(graph)
                for subject in shared_subjects:
                    pattern = self.store.quads_for_pattern(
                        ox.NamedNode(subject), None, None, self.shared
                    )
                    for quad in list(pattern):
                        self.store.remove(quad)
                self.store.extend(quads)

    def _dataset_quads(
        self, dataset: Dataset, ctx: PublishContext, shared_subjects: set[str] | None = None
    ) -> list[ox.Quad]:
        """The dataset's own triples in its graph; what they point to in the shared graph."""
        own = uris.dataset_uri(self.base_url, dataset.id)
        graph = ox.NamedNode(own)
        chunk = dataset_chunk(dataset, ctx)
        mine = [t for t in chunk if _belongs(t, own)]
        shared = [t for t in chunk if not _belongs(t, own)]
        if shared_subjects is not None:
            shared_subjects.update(s for s, _, _ in shared if isinstance(s, IRI))
        bnodes: dict[str, ox.BlankNode] = {}
        return self._quads(mine, graph, bnodes) + self._quads(shared, self.shared, bnodes)

    def _quads(
        self, chunk: Chunk, graph: ox.NamedNode, bnodes: dict[str, ox.BlankNode] | None = None
    ) -> list[ox.Quad]:
        bnodes = {} if bnodes is None else bnodes
        return [
            ox.Quad(_term(s, bnodes), ox.NamedNode(p), _term(o, bnodes), graph)  # type: ignore[arg-type]
            for s, p, o in chunk
        ]

    def __len__(self) -> int:
        return len(self.store)

    # -- querying --------------------------------------------------------------------------

    def query(self, text: str, timeout: float, max_rows: int) -> QueryOutcome:
        if not self._slots.acquire(timeout=1):
            raise QueryRejected("busy", "too many queries are running; try again shortly", 503)
        result: dict[str, Any] = {}
        deadline = time.monotonic() + timeout
        worker = threading.Thread(
            target=self._run, args=(text, deadline, max_rows, result), daemon=True
        )
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            result["abandoned"] = True
            raise QueryRejected(
                "query-timeout", f"the query did not finish within {timeout:g} seconds", 422
            )
        if "error" in result:
            raise result["error"]
        outcome: QueryOutcome = result["outcome"]
        return outcome

    def _run(self, text: str, deadline: float, max_rows: int, result: dict[str, Any]) -> None:
        try:
            result["outcome"] = self._evaluate(text, deadline, max_rows)
        except SyntaxError as error:
            result["error"] = QueryRejected(
                "malformed-query", f"the query is not SPARQL 1.1: {error}"
            )
        except QueryRejected as error:
            result["error"] = error
        except Exception as error:  # an evaluation error is the query's, not the server's
            result["error"] = QueryRejected("query-failed", f"the query failed: {error}")
        finally:
            self._slots.release()

    def _evaluate(self, text: str, deadline: float, max_rows: int) -> QueryOutcome:
        answer = self.store.query(text, use_default_graph_as_union=True)
        if isinstance(answer, ox.QueryBoolean):
            return QueryOutcome("ask", [], [], bool(answer), False)
        rows: list[list[Any]] = []
        truncated = False
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            for solution in _until(answer, deadline):
                if len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([solution[v] for v in variables])
            return QueryOutcome("select", variables, rows, None, truncated)
        for triple in _until(answer, deadline):
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append([triple.subject, triple.predicate, triple.object])
        return QueryOutcome("graph", [], rows, None, truncated)


def _until(results: Iterable[Any], deadline: float) -> Iterator[Any]:
    for item in results:
        if time.monotonic() > deadline:
            raise QueryRejected("query-timeout", "the query ran out of time", 422)
        yield item


def _belongs(triple: tuple[Node, Node, Node], own: str) -> bool:
    s, _, o = triple
    return (
        isinstance(s, BNode)
        or s == own
        or (isinstance(s, IRI) and s.startswith(own + "/"))
        or o == own
    )


def _term(node: Node, bnodes: dict[str, ox.BlankNode]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, Lit):
        if node.lang:
            return ox.Literal(node.value, language=node.lang)
        if node.datatype:
            return ox.Literal(node.value, datatype=ox.NamedNode(node.datatype))
        return ox.Literal(node.value)
    if isinstance(node, BNode):
        if node not in bnodes:
            bnodes[node] = ox.BlankNode()
        return bnodes[node]
    return ox.NamedNode(node)


class StoreSync:
    """Re-publish the datasets each committed transaction touched (as IndexSync does)."""

    def __init__(self, store: CatalogStore, session_factory: sessionmaker) -> None:
        self.store = store
        self.session_factory = session_factory
        event.listen(session_factory, "after_flush", self._after_flush)
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_soft_rollback", self._after_rollback)

    def detach(self) -> None:
        event.remove(self.session_factory, "after_flush", self._after_flush)
        event.remove(self.session_factory, "after_commit", self._after_commit)
        event.remove(self.session_factory, "after_soft_rollback", self._after_rollback)

    def _after_flush(self, session: Session, _context: object) -> None:
        touched: set[Any] = session.info.setdefault(_DATASETS, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Dataset):
                touched.add(obj.id)
            elif isinstance(obj, Distribution) and obj.dataset_id:
                touched.add(obj.dataset_id)
            elif isinstance(obj, Department) and obj.id is not None:
                touched.add(("department", obj.id))

    def _after_rollback(self, session: Session, _previous: object) -> None:
        session.info.pop(_DATASETS, None)

    def _after_commit(self, session: Session) -> None:
        touched = session.info.pop(_DATASETS, set())
        if not touched:
            return
        try:
            with self.session_factory() as reader:
                departments = [t[1] for t in touched if isinstance(t, tuple)]
                ids = {t for t in touched if isinstance(t, str)}
                if departments:
                    ids.update(
                        reader.scalars(
                            select(Dataset.id).where(Dataset.department_id.in_(departments))
                        )
                    )
                self.store.sync(reader, ids)
        except Exception:  # the database is the truth; `gxdata sparql rebuild` mends
            log.exception("SPARQL store update failed; run `gxdata sparql rebuild`")

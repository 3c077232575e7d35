"""The SPARQL store: the whole catalog and the vocabularies in an embedded pyoxigraph store.

Each public dataset lives in its own named graph (its URI), so a change replaces exactly
that graph; the catalog record, services, vocabularies and the descriptions records point to
(concepts, departments) live in a shared graph. Queries see the union of all graphs, unless
the request names its own (``default-graph-uri``, ``named-graph-uri``).
:class:`StoreSync` follows the change log as the search index does (:mod:`catalog.watch`):
the datasets each commit touched are re-published or removed, and the store keeps the
position it reached in ``gxdata-position.json`` inside its folder (so a deleted store, or
one restored from an old copy, knows it is behind). Only the process whose worker opened
the store writes it; another process (``gxdata harvest run`` beside a running server)
finds it busy and leaves the log to that process.

An on-disk store (the default, ``GXDATA_SPARQL_STORE``) is owned by a worker process
(:mod:`exports.sparql_worker`): a query past its time limit is stopped by killing the worker,
and its successor starts at once. A query waits for a starting worker only within its own
time limit (503 ``store-starting`` past it). Calls are served one at a time. An in-memory
store (an empty ``GXDATA_SPARQL_STORE``, for small catalogs and experiments) runs in the
portal's process: a query past its limit is answered with 422 at once, but pyoxigraph
finishes evaluating it in the background; while ``LocalBackend.MAX_RUNNING`` are, new
queries are answered 503.

Queries pass :func:`exports.sparql_federation.refuse_federation` (no ``SERVICE``), then wait
their turn at a :class:`exports.sparql_gate.QueryGate`; their time limit counts from then.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from sqlalchemy.orm import Session, sessionmaker

from catalog import uris
from catalog.drift import Drift, compare
from catalog.linked_data import CatalogFilter, catalog_summary, filtered_datasets, stream
from catalog.models import Dataset
from catalog.watch import Following, StoreBusy
from exports.dcat.catalog import catalog_header
from exports.dcat.context import PublishContext
from exports.dcat.write import dataset_chunk
from exports.rdf.terms import IRI, BNode, Chunk, Node
from exports.rdf.writers import nquads
from exports.sparql_federation import refuse_federation
from exports.sparql_gate import QueryGate
from exports.sparql_protocol import Answer, QueryDataset, QueryFailed
from exports.vocabularies import all_vocabulary_chunks

log = logging.getLogger(__name__)

LOAD_CHARS = 2_000_000  # N-Quads sent to the store in one load
READY_SECONDS = 60.0
POSITION_FILE = "gxdata-position.json"  # how far the store follows the change log
BUSY_SECONDS = 10.0  # after finding the store held by another process, retry after this


class Backend(Protocol):
    def call(self, op: str, *args: Any, timeout: float | None = None) -> Any: ...

    def close(self) -> None: ...


class LocalBackend:
    """An in-memory store in this process; queries run in a thread with a time limit."""

    MAX_RUNNING = 2

    def __init__(self) -> None:
        # Loaded here: only a process that holds a store needs pyoxigraph.
        import pyoxigraph as ox  # noqa: PLC0415

        from exports.sparql_worker import handle  # noqa: PLC0415

        self.store = ox.Store()
        self._handle = handle
        self._slots = threading.BoundedSemaphore(self.MAX_RUNNING)

    def call(self, op: str, *args: Any, timeout: float | None = None) -> Any:
        if op != "query" or timeout is None:
            return self._handle(self.store, (op, *args))
        if not self._slots.acquire(blocking=False):  # earlier queries still evaluate
            raise QueryFailed(
                "busy",
                "too many queries are running; try again shortly",
                503,
                retry_after=max(1, math.ceil(timeout)),
            )
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["answer"] = self._handle(self.store, (op, *args))
            except Exception as error:  # handed to the caller
                # without the frames, which hold pyoxigraph results bound to this thread
                result["error"] = error.with_traceback(None)
            finally:
                self._slots.release()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise QueryFailed("query-timeout", f"the query did not finish in {timeout:g} s", 422)
        if "error" in result:
            raise result["error"]
        return result["answer"]

    def close(self) -> None:
        pass


class WorkerBackend:
    """An on-disk store owned by a worker process that is killed when a query overruns."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Any = None
        self._starting: tuple[Any, Any, float] | None = None  # (process, pipe, since)
        self.isolated: bool | None = None  # the worker is off the network (known once started)

    def _spawn(self) -> None:
        """Start a worker; it is used once it says it is ready (:meth:`_ready`)."""
        from exports.sparql_worker import serve  # noqa: PLC0415 - pyoxigraph, in the worker

        Path(self.path).mkdir(parents=True, exist_ok=True)
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=serve, args=(self.path, child), daemon=True)
        process.start()
        child.close()
        self._starting = (process, parent, time.monotonic())

    def _ready(self, wait: float | None) -> bool:
        """Whether a worker is ready, waiting for one to start at most ``wait`` seconds
        (None: until it starts, within ``READY_SECONDS``). A worker still starting when the
        wait ends is kept for the next call, so a query's time limit bounds its start too."""
        if self._process is not None and self._process.is_alive():
            return True
        if self._process is not None:
            self._kill()  # it stopped: a new one starts below
        if self._starting is None:
            self._spawn()
        assert self._starting is not None
        process, parent, since = self._starting
        left = READY_SECONDS - (time.monotonic() - since)
        if not parent.poll(max(0.0, left if wait is None else min(wait, left))):
            if wait is not None and wait < left:
                return False
            self._starting = None
            process.kill()
            process.join(5)
            parent.close()
            raise RuntimeError("the SPARQL store worker did not start")
        self._starting = None
        try:
            reply = parent.recv()
        except EOFError as error:
            process.join(5)
            parent.close()
            raise RuntimeError("the SPARQL store worker stopped at start") from error
        if reply[0] == "busy":
            process.join(5)
            parent.close()
            raise StoreBusy(reply[1])
        self.isolated = reply[1:] == (True,)  # ("ready", isolated)
        if not self.isolated:
            log.warning("the SPARQL store worker could not leave the network (SERVICE is refused)")
        self._process, self._conn = process, parent
        return True

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._conn.close()
        self._process = self._conn = None

    def call(self, op: str, *args: Any, timeout: float | None = None) -> Any:
        """Run ``op``; a query (``timeout`` given) has ``timeout`` seconds from now, waiting
        for the store (a load, a restart) included."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            raise QueryFailed(
                "busy",
                "the SPARQL store is busy; try again shortly",
                503,
                retry_after=max(1, math.ceil(timeout or 1)),
            )
        try:
            if not self._ready(None if deadline is None else deadline - time.monotonic()):
                raise QueryFailed(
                    "store-starting",
                    "the SPARQL store is starting; try again shortly",
                    503,
                    retry_after=max(1, math.ceil(timeout or 1)),
                )
            if deadline is not None:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    raise QueryFailed(
                        "query-timeout", "the query ran out of time before it started", 422
                    )
                args = (*args[:2], timeout, *args[3:])  # the worker's own limit
            self._conn.send((op, *args))
            if not self._conn.poll(None if timeout is None else timeout + 0.5):
                self._kill()
                self._spawn()  # its successor starts now, ready sooner for the next query
                raise QueryFailed(
                    "query-timeout", f"the query did not finish in {timeout:g} s", 422
                )
            reply = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError) as error:
            self._kill()
            raise RuntimeError("the SPARQL store worker stopped") from error
        finally:
            self._lock.release()
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "failed":
            raise QueryFailed(reply[1], reply[2], reply[3])
        raise RuntimeError(f"SPARQL store: {reply[1]}")

    def close(self) -> None:
        with self._lock:
            self._kill()
            if self._starting is not None:
                process, parent, _ = self._starting
                self._starting = None
                process.kill()
                process.join(5)
                parent.close()


class CatalogStore:
    def __init__(self, path: str | None, base_url: str, gate: QueryGate | None = None) -> None:
        self.path = path or None  # "" (an empty GXDATA_SPARQL_STORE) is the in-memory store too
        self.backend: Backend = WorkerBackend(path) if path else LocalBackend()
        self.gate = gate or QueryGate()
        self.rebase(base_url)
        self._position: tuple[int, str] | None = None  # an in-memory store's

    def rebase(self, base_url: str) -> None:
        """Mint URIs under ``base_url`` (a store kept under another base is then rebuilt)."""
        self.base_url = base_url.rstrip("/")
        self.shared = uris.sparql_shared_graph_uri(self.base_url)

    def position(self) -> tuple[int, str] | None:
        """(last change log row applied, store id), or None: the store must be rebuilt.
        Opens the store (raises :class:`StoreBusy` when another process holds it)."""
        self.backend.call("ping")
        if self.path is None:
            return self._position
        try:
            kept = json.loads(Path(self.path, POSITION_FILE).read_text(encoding="utf-8"))
            change_id, store = kept["change_id"], kept["store"]
            if kept.get("base") != self.base_url:
                return None  # its URIs were minted under another base URL
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return (change_id, str(store)) if isinstance(change_id, int) else None

    def set_position(self, change_id: int, store: str | None = None) -> str:
        """Record that the log up to ``change_id`` is in the store (a new store id unless
        ``store`` is given); returns the store id."""
        store = store or uuid.uuid4().hex
        if self.path is None:
            self._position = (change_id, store)
            return store
        path = Path(self.path, POSITION_FILE)
        temporary = path.with_name(f"{POSITION_FILE}.{os.getpid()}.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"change_id": change_id, "store": store, "base": self.base_url}, handle)
        os.replace(temporary, path)
        return store

    def rebuild(self, session: Session) -> int:
        """Clear the store and load the catalog and the vocabularies; returns the datasets."""
        if self.path is not None and not Path(self.path).is_dir():
            self.backend.close()  # its folder was deleted: a new worker opens a new store
        self._position = None
        if self.path is not None:  # a rebuild cut short leaves a store with no position
            Path(self.path, POSITION_FILE).unlink(missing_ok=True)
        ctx = PublishContext(self.base_url, in_catalog=True)
        shared: Chunk = [t for chunk in all_vocabulary_chunks(self.base_url) for t in chunk]
        shared += catalog_header(catalog_summary(session), ctx)
        self.backend.call("clear")
        self.backend.call("load", nquads(shared, self.shared))
        count = 0
        datasets = stream(session, filtered_datasets(None, CatalogFilter()))
        for text, _subjects, datasets_in_text in self._texts(datasets, ctx):
            self.backend.call("load", text)
            count += datasets_in_text
        self.backend.call("flush")
        return count

    def sync(self, changed: Sequence[str], public: Sequence[Dataset]) -> None:
        """Re-publish ``public`` and remove the rest of ``changed`` (no longer public).

        A dataset's graph is replaced whole; the descriptions it points to (a department, a
        concept) replace their earlier statements in the shared graph.
        """
        ctx = PublishContext(self.base_url, in_catalog=True)
        graphs = [uris.dataset_uri(self.base_url, i) for i in changed]
        self.backend.call("remove_graphs", graphs)
        for text, subjects, _count in self._texts(public, ctx):
            if subjects:
                self.backend.call("remove_subjects", self.shared, sorted(subjects))
            self.backend.call("load", text)

    def _texts(
        self, datasets: Iterable[Dataset], ctx: PublishContext
    ) -> Iterator[tuple[str, set[str], int]]:
        """The datasets' N-Quads a few MB at a time, with the shared subjects each text
        describes (a shared description is written once per ``ctx``, so in one text only)
        and how many datasets it holds."""
        pieces: list[str] = []
        subjects: set[str] = set()
        size = 0
        for dataset in datasets:
            pieces.append(self._dataset_nquads(dataset, ctx, subjects))
            size += len(pieces[-1])
            if size >= LOAD_CHARS:
                yield "".join(pieces), subjects, len(pieces)
                pieces, subjects, size = [], set(), 0
        if pieces:
            yield "".join(pieces), subjects, len(pieces)

    def _dataset_nquads(self, dataset: Dataset, ctx: PublishContext, subjects: set[str]) -> str:
        """The dataset's own triples in its graph; what they point to in the shared graph."""
        own = uris.dataset_uri(self.base_url, dataset.id)
        chunk = dataset_chunk(dataset, ctx)
        mine: Chunk = []
        shared: Chunk = []
        for triple in chunk:
            (mine if _belongs(triple, own) else shared).append(triple)
        subjects.update(s for s, _, _ in shared if isinstance(s, IRI))
        return nquads(mine, own) + nquads(shared, self.shared)

    def query(
        self,
        text: str,
        timeout: float,
        max_rows: int,
        result_key: str,
        graph_key: str,
        client: str = "",
        dataset: QueryDataset | None = None,
    ) -> Answer:
        """Answer a read query within ``timeout`` seconds from now, waiting included, over
        the union of the graphs or the ``dataset`` the protocol request named.

        Raises :class:`QueryFailed`: 400 for a federated query (before anything runs), 429
        when ``client`` has too many queries in, 503 when the queue is full, the time passed
        in it or another process holds the store, 422 when the query ran out of time.
        """
        refuse_federation(text)
        deadline = time.monotonic() + timeout
        with self.gate.admitted(client, deadline, retry_after=timeout):
            left = deadline - time.monotonic()
            try:
                answer: Answer = self.backend.call(
                    "query", text, max_rows, left, result_key, graph_key, dataset, timeout=left
                )
            except StoreBusy:  # another process (a rebuild, a harvest) holds the store now
                raise QueryFailed(
                    "busy",
                    "the SPARQL store is being updated; try again shortly",
                    503,
                    retry_after=max(1, math.ceil(BUSY_SECONDS)),
                ) from None
        return answer

    def graph_digests(self) -> dict[str, str]:
        """Each dataset graph's id and digest (:func:`exports.sparql_worker.graph_digests`)."""
        prefix = uris.dataset_uri(self.base_url, "")
        found: dict[str, str] = self.backend.call("graph_digests", prefix)
        return {_dataset_id(iri, prefix): digest for iri, digest in found.items()}

    def expected_digests(self, datasets: Iterable[Dataset]) -> dict[str, str]:
        """The digest each of these datasets' graph has when published from the database."""
        expected = LocalBackend()
        for text, _subjects, _count in self._texts(
            datasets, PublishContext(self.base_url, in_catalog=True)
        ):
            expected.call("load", text)
        prefix = uris.dataset_uri(self.base_url, "")
        found: dict[str, str] = expected.call("graph_digests", prefix)
        return {_dataset_id(iri, prefix): digest for iri, digest in found.items()}

    def __len__(self) -> int:
        count: int = self.backend.call("len")
        return count

    def close(self) -> None:
        self.backend.close()


def _belongs(triple: tuple[Node, Node, Node], own: str) -> bool:
    s, _, o = triple
    return (
        isinstance(s, BNode)
        or s == own
        or (isinstance(s, IRI) and s.startswith(own + "/"))
        or o == own
    )


def sparql_drift(session: Session, store: CatalogStore) -> Drift:
    """The SPARQL store's dataset graphs against the public datasets of the database."""
    expected = store.expected_digests(stream(session, filtered_datasets(None, CatalogFilter())))
    return compare("SPARQL store", expected, store.graph_digests())


def _dataset_id(iri: str, prefix: str) -> str:
    return unquote(iri[len(prefix) :])


class StoreSync(Following):
    """Apply the change log to the SPARQL store (a log follower)."""

    name = "SPARQL store"

    def __init__(self, store: CatalogStore, session_factory: sessionmaker) -> None:
        self.store = store
        self._id: str | None = None
        self._busy_until = 0.0
        super().__init__(session_factory)

    def _before_read(self) -> None:
        self._busy_until = 0.0  # a reader does not wait out the back-off of commits

    @contextmanager
    def exclusive(self) -> Iterator[bool]:
        with self._lock:
            yield time.monotonic() >= self._busy_until

    def position(self) -> int | None:
        try:
            kept = self.store.position()
        except StoreBusy:
            self._busy_until = time.monotonic() + BUSY_SECONDS
            raise
        if kept is None:
            self._known = None
            return None
        self._known, self._id = kept
        return self._known

    def follow(self, changed: Sequence[str], public: Sequence[Dataset]) -> None:
        self.store.sync(changed, public)

    def set_position(self, change_id: int) -> None:
        self._id = self.store.set_position(change_id, self._id)
        self._known = change_id

    def rebuild(self, session: Session, change_id: int) -> int:
        self._known = None
        count = self.store.rebuild(session)
        self._id = self.store.set_position(change_id)
        self._known = change_id
        return count

    def label(self) -> str:
        return f"{self.name} {self._id or '?'} {self.store.path or 'memory'}"

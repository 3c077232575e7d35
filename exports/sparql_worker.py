"""The process that owns an on-disk SPARQL store, so that a runaway query can be stopped.

pyoxigraph cannot interrupt a query it is evaluating. The store therefore lives in this
worker process; the portal sends it loads, removals and queries over a pipe, and when a query
outlives its time limit the portal kills the worker and starts a new one, which reopens the
store from disk (RocksDB survives a killed process). Imports nothing of the project but
:mod:`exports.sparql_results`, so it starts in a fraction of a second.

On Linux the worker first moves into network and user namespaces of its own, where no
address can be reached: a federated query that got past
:func:`exports.sparql_federation.refuse_federation` would still fetch nothing. Where the
kernel refuses (user namespaces disabled), the worker says so in its first message.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from exports.sparql_results import QueryFailed, answer

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def serve(path: str, conn: Connection) -> None:
    isolated = isolate_network()
    try:
        store = ox.Store(path)
    except OSError as error:  # another process holds the store (its RocksDB lock)
        conn.send(("busy", str(error)))
        return
    conn.send(("ready", isolated))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", handle(store, request)))
        except QueryFailed as failed:
            conn.send(("failed", failed.code, str(failed), failed.status))
        except Exception as error:  # reported to the portal, which logs it
            conn.send(("error", repr(error)))


def handle(store: ox.Store, request: tuple[Any, ...]) -> Any:
    op, *args = request
    if op == "load":
        store.load(input=args[0], format=ox.RdfFormat.N_QUADS)
    elif op == "bulk_load":
        store.bulk_load(input=args[0], format=ox.RdfFormat.N_QUADS)
    elif op == "remove_graphs":
        for iri in args[0]:
            graph = ox.NamedNode(iri)
            if store.contains_named_graph(graph):
                store.remove_graph(graph)
    elif op == "remove_subjects":
        graph = ox.NamedNode(args[0])
        for subject in args[1]:
            for quad in list(store.quads_for_pattern(ox.NamedNode(subject), None, None, graph)):
                store.remove(quad)
    elif op == "clear":
        store.clear()
    elif op == "flush":
        store.flush()
    elif op == "len":
        return len(store)
    elif op == "ping":
        return None
    elif op == "graph_digests":
        return graph_digests(store, args[0])
    elif op == "query":
        text, max_rows, timeout, result_key, graph_key, *dataset = args
        deadline = time.monotonic() + timeout
        return answer(store, text, max_rows, deadline, result_key, graph_key, *dataset)
    else:
        raise ValueError(f"unknown operation {op!r}")
    return None


def isolate_network() -> bool:
    """Leave the host's network for an empty namespace (only a loopback that is down);
    True if done. Must run before the process starts threads."""
    if not sys.platform.startswith("linux"):
        return False
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) == 0:  # allowed to (CAP_SYS_ADMIN): no user namespace needed
        return True
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    try:  # keep our own uid and gid, so that the store's files stay ours
        for name, line in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1")):
            with open(f"/proc/self/{name}", "w") as out:
                out.write(line)
        with open("/proc/self/gid_map", "w") as out:
            out.write(f"{gid} {gid} 1")
    except OSError:
        pass  # the network is gone all the same; files are still opened as before
    return True


def graph_digests(store: ox.Store, prefix: str) -> dict[str, str]:
    """The digest of each named graph whose IRI starts with ``prefix``: a hash of its sorted
    statements about named subjects, blank nodes unnamed (the same content always gives the
    same digest; a blank node's own statements, such as a shared contact point written with
    whichever dataset came first, are left out)."""
    digests = {}
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix):
            lines = sorted(
                " ".join("_:b" if isinstance(t, ox.BlankNode) else str(t) for t in quad.triple)
                for quad in store.quads_for_pattern(None, None, None, graph)
                if not isinstance(quad.subject, ox.BlankNode)
            )
            digests[graph.value] = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]
    return digests

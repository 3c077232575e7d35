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
    store = ox.Store(path)
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
    elif op == "query":
        text, max_rows, timeout, result_key, graph_key = args
        return answer(store, text, max_rows, time.monotonic() + timeout, result_key, graph_key)
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

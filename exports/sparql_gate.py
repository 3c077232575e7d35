"""Admission to the SPARQL store: a bounded queue in front of the one query that runs.

A query holds one of the web server's threads while it waits and while it runs, so the
queries admitted at once are bounded (``running`` + ``queue``, kept below the server's
threads by :func:`portal.commands.server_threads`) and whatever cannot enter is answered at
once: 503 with ``Retry-After`` when the queue is full, 429 when the same client already has
``per_client`` queries waiting or running. A query's time limit counts from when it asked to
enter: one whose limit passes while it waits is answered 503 without running.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from exports.sparql_protocol import QueryFailed


@dataclass(frozen=True)
class GateLimits:
    running: int = 1  # queries the store evaluates at once (the worker serves one at a time)
    queue: int = 4  # queries waiting for it
    per_client: int = 2  # queries of one client waiting or running


class QueryGate:
    """Who may query the store now, in the order they asked, within :class:`GateLimits`."""

    def __init__(self, limits: GateLimits | None = None) -> None:
        self.limits = limits or GateLimits()
        self._changed = threading.Condition()
        self._running = 0
        self._waiting: deque[object] = deque()
        self._by_client: Counter[str] = Counter()

    @property
    def capacity(self) -> int:
        """How many queries (and so server threads) the store may hold at once."""
        return self.limits.running + self.limits.queue

    def state(self) -> tuple[int, int]:
        """(running, waiting), for tests and monitoring."""
        with self._changed:
            return self._running, len(self._waiting)

    @contextmanager
    def admitted(self, client: str, deadline: float, retry_after: float) -> Iterator[None]:
        """Wait for a turn (until ``deadline``, a :func:`time.monotonic` time), then run."""
        retry = max(1, math.ceil(retry_after))
        with self._changed:
            self._enter(client, retry)
            ticket = object()
            self._waiting.append(ticket)
            try:
                while self._waiting[0] is not ticket or self._running >= self.limits.running:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise QueryFailed(
                            "queue-timeout",
                            "the query waited for the store past its time limit",
                            503,
                            retry_after=retry,
                        )
                    self._changed.wait(left)
            except BaseException:
                self._waiting.remove(ticket)
                self._leave(client)
                raise
            self._waiting.popleft()
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._leave(client)

    def _enter(self, client: str, retry: int) -> None:
        if self._by_client[client] >= self.limits.per_client:
            raise QueryFailed(
                "too-many-queries",
                f"this client already has {self.limits.per_client} queries waiting or running",
                429,
                retry_after=retry,
            )
        if self._running + len(self._waiting) >= self.capacity:
            raise QueryFailed(
                "busy", "the SPARQL endpoint is busy; try again shortly", 503, retry_after=retry
            )
        self._by_client[client] += 1

    def _leave(self, client: str) -> None:
        self._by_client[client] -= 1
        if not self._by_client[client]:
            del self._by_client[client]
        self._changed.notify_all()

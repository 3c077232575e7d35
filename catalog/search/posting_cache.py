"""A bounded least-recently-used cache of posting arrays.

Index segments never change once written, so the postings of a term in a segment can be kept
as long as memory allows; the bound counts postings (about 12 bytes each).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

Postings = tuple[np.ndarray, np.ndarray]


class PostingCache:
    def __init__(self, max_postings: int) -> None:
        self.max_postings = max_postings
        self._entries: OrderedDict[Hashable, Postings] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], Postings]) -> Postings:
        """The cached postings for ``key``, loading (and keeping) them when missing."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        postings = load()
        self._put(key, postings)
        return postings

    def _put(self, key: Hashable, postings: Postings) -> None:
        size = len(postings[0])
        if size > self.max_postings:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = postings
            self._size += size
            while self._size > self.max_postings:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted[0])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

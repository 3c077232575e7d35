"""Facet values of every document as numpy arrays, for counting and filtering whole match sets.

A :class:`FacetTable` holds one row per (document, value) pair, so multi-valued fields (formats)
need nothing special: counting a match set is one ``bincount`` over the rows whose document is
in the set.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class FacetVocabulary:
    """Value <-> small integer id for one facet field; ids are never reused or renumbered."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.values: list[str] = []

    def id_of(self, value: str) -> int:
        """The id of ``value``, assigning the next free one to a new value."""
        value_id = self._ids.get(value)
        if value_id is None:
            value_id = self._ids[value] = len(self.values)
            self.values.append(value)
        return value_id

    def known_ids(self, values: Iterable[str]) -> list[int]:
        """Ids of those ``values`` that occur somewhere (unknown values match nothing)."""
        return [self._ids[value] for value in values if value in self._ids]


class FacetTable:
    """(document number, value id) rows of one facet field over a whole catalog view."""

    def __init__(self, docnums: np.ndarray, value_ids: np.ndarray, vocabulary: FacetVocabulary):
        self.docnums = docnums  # int64
        self.value_ids = value_ids  # int32
        self.vocabulary = vocabulary

    def mask(self, values: Iterable[str], size: int) -> np.ndarray:
        """True for the documents having at least one of ``values``."""
        selected = np.zeros(size, dtype=bool)
        wanted = self.vocabulary.known_ids(values)
        if wanted:
            selected[self.docnums[np.isin(self.value_ids, wanted)]] = True
        return selected

    def counts(self, matched: np.ndarray, limit: int) -> list[tuple[str, int]]:
        """(value, number of matched documents), by count descending then value."""
        rows = self.value_ids[matched[self.docnums]]
        counts = np.bincount(rows, minlength=len(self.vocabulary.values))
        present = np.flatnonzero(counts)
        values = self.vocabulary.values
        pairs = [(values[value_id], int(counts[value_id])) for value_id in present]
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        return pairs[:limit]

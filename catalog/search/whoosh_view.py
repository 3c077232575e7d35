"""One generation of the whoosh index seen as numpy arrays.

Segments are read once (:func:`read_segment`) and their arrays kept while the segment lives;
a :class:`CatalogView` stitches the segments of one searcher generation together with the
document-number offsets whoosh uses, plus that generation's deletions. All the engine's
per-query work (filters, text matching, scoring, facet counts, ordering) happens on these
arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from catalog.search import whoosh_arrays
from catalog.search.base import FACET_FIELDS
from catalog.search.bm25 import FieldPostings, FieldStats
from catalog.search.facet_table import FacetTable, FacetVocabulary
from catalog.search.posting_cache import PostingCache
from catalog.search.whoosh_schema import (
    MODIFIED_FIELD,
    MODIFIED_MISSING,
    TEXT_FIELDS,
    TITLE_SORT_FIELD,
)

# Titles sort on their first 96 UTF-8 bytes (32 Chinese characters): numpy sorts fixed-width
# byte strings in C, and longer common prefixes are rare enough in dataset titles.
TITLE_KEY_DTYPE = "S96"


@dataclass
class SegmentArrays:
    """What the engine needs of one segment, by local document number."""

    segment_id: str
    size: int
    facets: dict[str, tuple[np.ndarray, np.ndarray]]  # field -> (docnums, value ids)
    modified: np.ndarray  # int64 epoch seconds, MODIFIED_MISSING when unknown
    lengths: dict[str, np.ndarray]  # text field -> float32 length
    title_keys: np.ndarray | None = None  # TITLE_KEY_DTYPE, read on first title sort


def read_segment(reader: SegmentReader, vocabularies: dict[str, FacetVocabulary]) -> SegmentArrays:
    facets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in FACET_FIELDS:
        docnum_chunks, id_chunks = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int32)]
        for value in whoosh_arrays.field_terms(reader, name):
            docnums, _ = whoosh_arrays.postings(reader, name, value)
            docnum_chunks.append(docnums)
            value_id = vocabularies[name].id_of(value)
            id_chunks.append(np.full(len(docnums), value_id, dtype=np.int32))
        facets[name] = (np.concatenate(docnum_chunks), np.concatenate(id_chunks))
    return SegmentArrays(
        segment_id=reader.segment().segment_id(),
        size=reader.doc_count_all(),
        facets=facets,
        modified=whoosh_arrays.numeric_column(reader, MODIFIED_FIELD, MODIFIED_MISSING),
        lengths={name: whoosh_arrays.field_lengths(reader, name) for name in TEXT_FIELDS},
    )


@dataclass
class _Leaf:
    reader: SegmentReader
    offset: int
    arrays: SegmentArrays


@dataclass
class CatalogView:
    """The arrays of one searcher generation; document numbers are the searcher's."""

    searcher: Searcher
    leaves: list[_Leaf]
    vocabularies: dict[str, FacetVocabulary]
    postings_cache: PostingCache
    size: int = field(init=False)
    live: np.ndarray = field(init=False)  # False for deleted documents
    live_count: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sum(leaf.arrays.size for leaf in self.leaves)
        deleted = [whoosh_arrays.deleted_mask(leaf.reader) for leaf in self.leaves]
        self.live = ~self._concat(deleted, bool)
        self.live_count = int(self.live.sum())

    @staticmethod
    def _concat(chunks: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)

    @cached_property
    def facet_tables(self) -> dict[str, FacetTable]:
        tables = {}
        for name in FACET_FIELDS:
            docnums = [leaf.arrays.facets[name][0] + leaf.offset for leaf in self.leaves]
            value_ids = [leaf.arrays.facets[name][1] for leaf in self.leaves]
            tables[name] = FacetTable(
                self._concat(docnums, np.int64),
                self._concat(value_ids, np.int32),
                self.vocabularies[name],
            )
        return tables

    @cached_property
    def field_stats(self) -> dict[str, FieldStats]:
        stats = {}
        for name, boost in TEXT_FIELDS.items():
            lengths = self._concat([leaf.arrays.lengths[name] for leaf in self.leaves], np.float32)
            average = float(lengths[self.live].mean()) if self.live_count else 0.0
            stats[name] = FieldStats(lengths=lengths, average_length=average, boost=boost)
        return stats

    @cached_property
    def modified_order(self) -> np.ndarray:
        """Document numbers, newest first, undated last, ties by document number."""
        modified = self._concat([leaf.arrays.modified for leaf in self.leaves], np.int64)
        return np.lexsort((np.arange(self.size), -modified))

    @cached_property
    def title_order(self) -> np.ndarray:
        """Document numbers by casefolded title (code point order), ties by number."""
        keys = []
        for leaf in self.leaves:
            if leaf.arrays.title_keys is None:
                titles = whoosh_arrays.bytes_column(leaf.reader, TITLE_SORT_FIELD)
                leaf.arrays.title_keys = np.array(titles, dtype=TITLE_KEY_DTYPE)
            keys.append(leaf.arrays.title_keys)
        return np.argsort(self._concat(keys, np.bytes_), kind="stable")

    def ordered(self, matched: np.ndarray, sort: str) -> np.ndarray:
        """The matched document numbers in the order of a stored sort (modified or title)."""
        order = self.title_order if sort == "title" else self.modified_order
        return order[matched[order]]

    def term_postings(self, field_name: str, term: str) -> FieldPostings:
        """Postings of a term in a text field over the whole view."""
        docnums, frequencies = [], []
        for leaf in self.leaves:
            key = (leaf.arrays.segment_id, field_name, term)
            local, weights = self.postings_cache.get(
                key, partial(whoosh_arrays.postings, leaf.reader, field_name, term)
            )
            docnums.append(local + leaf.offset)
            frequencies.append(weights)
        return FieldPostings(
            docnums=self._concat(docnums, np.int64),
            frequencies=self._concat(frequencies, np.float32),
        )


def build_view(
    searcher: Searcher,
    segments: dict[str, SegmentArrays],
    vocabularies: dict[str, FacetVocabulary],
    postings_cache: PostingCache,
) -> CatalogView:
    """The view of ``searcher``; ``segments`` is the cache of segment arrays, updated in place
    (new segments read, vanished ones dropped)."""
    leaves: list[_Leaf] = []
    for reader, offset in searcher.reader().leaf_readers():
        if not isinstance(reader, SegmentReader) or not reader.doc_count_all():
            continue
        segment_id = reader.segment().segment_id()
        if segment_id not in segments:
            segments[segment_id] = read_segment(reader, vocabularies)
        leaves.append(_Leaf(reader=reader, offset=offset, arrays=segments[segment_id]))
    alive = {leaf.arrays.segment_id for leaf in leaves}
    for segment_id in list(segments):
        if segment_id not in alive:
            del segments[segment_id]
    return CatalogView(searcher, leaves, vocabularies, postings_cache)

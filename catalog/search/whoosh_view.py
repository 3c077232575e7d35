"""One generation of the whoosh index seen as numpy arrays.

A :class:`SegmentCache` keeps, per segment id, an open whoosh ``SegmentReader`` and the arrays
read from it (:func:`read_segment`). Segments never change once written (only their deletion
lists grow, and those come from each generation's table of contents), so a new generation
opens only its new segments. This matters: whoosh copies a compound segment's files into
memory when a reader opens them, and ``Searcher.refresh()`` would reuse readers with stale
deletions. A :class:`CatalogView` stitches one generation's segments together into one range
of document numbers; all per-query work (filters, text matching, scoring, facet counts,
ordering) happens on its arrays.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import Storage
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from catalog.search import whoosh_arrays
from catalog.search.base import FACET_FIELDS
from catalog.search.bm25 import FieldPostings, FieldStats
from catalog.search.facet_table import FacetTable, FacetVocabulary
from catalog.search.posting_cache import PostingCache
from catalog.search.whoosh_schema import (
    GRAM_FIELD,
    INDEX_NAME,
    LENGTH_FIELDS,
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
        lengths={name: whoosh_arrays.field_lengths(reader, name) for name in LENGTH_FIELDS},
    )


@dataclass
class _Leaf:
    reader: SegmentReader
    offset: int  # of the segment's first document in the view
    arrays: SegmentArrays
    segment: Segment  # as of the view's generation (with its deletions)


@dataclass
class CatalogView:
    """The arrays of one index generation, over document numbers 0..size-1."""

    generation: int
    leaves: list[_Leaf]
    vocabularies: dict[str, FacetVocabulary]
    postings_cache: PostingCache
    size: int = field(init=False)
    live: np.ndarray = field(init=False)  # False for deleted documents
    live_count: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sum(leaf.arrays.size for leaf in self.leaves)
        deleted = [whoosh_arrays.deleted_mask(leaf.segment) for leaf in self.leaves]
        self.live = ~self._concat(deleted, bool)
        self.live_count = int(self.live.sum())
        self._offsets = [leaf.offset for leaf in self.leaves]

    def stored_fields(self, docnum: int) -> dict[str, str]:
        """The stored fields (id, title, description) of a document."""
        leaf = self.leaves[bisect_right(self._offsets, docnum) - 1]
        return leaf.reader.stored_fields(docnum - leaf.offset)

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

    def _stats(self, name: str, boost: float) -> FieldStats:
        lengths = self._concat([leaf.arrays.lengths[name] for leaf in self.leaves], np.float32)
        average = float(lengths[self.live].mean()) if self.live_count else 0.0
        return FieldStats(lengths=lengths, average_length=average, boost=boost)

    @cached_property
    def field_stats(self) -> dict[str, FieldStats]:
        """The word fields' statistics, with their boosts."""
        return {name: self._stats(name, boost) for name, boost in TEXT_FIELDS.items()}

    @cached_property
    def gram_stats(self) -> dict[str, FieldStats]:
        """The n-gram field's statistics (boost 1: the engine weighs n-gram scores)."""
        return {GRAM_FIELD: self._stats(GRAM_FIELD, 1.0)}

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


class SegmentCache:
    """Open readers and arrays of the segments in use, kept across generations by segment id."""

    def __init__(self, vocabularies: dict[str, FacetVocabulary]) -> None:
        self.vocabularies = vocabularies
        self._open: dict[str, tuple[SegmentReader, SegmentArrays]] = {}

    def leaves(self, storage: Storage, toc: TOC) -> list[_Leaf]:
        """The leaves of generation ``toc``: new segments opened, vanished ones closed."""
        leaves: list[_Leaf] = []
        offset = 0
        for segment in toc.segments:
            if not segment.doc_count_all():
                continue
            segment_id = segment.segment_id()
            if segment_id not in self._open:
                reader = SegmentReader(storage, toc.schema, segment, generation=toc.generation)
                self._open[segment_id] = (reader, read_segment(reader, self.vocabularies))
            reader, arrays = self._open[segment_id]
            leaves.append(_Leaf(reader=reader, offset=offset, arrays=arrays, segment=segment))
            offset += arrays.size
        in_use = {leaf.arrays.segment_id for leaf in leaves}
        for segment_id in [known for known in self._open if known not in in_use]:
            self._open.pop(segment_id)[0].close()
        return leaves

    def close(self) -> None:
        for reader, _ in self._open.values():
            reader.close()
        self._open.clear()


def build_view(
    storage: Storage, segments: SegmentCache, postings_cache: PostingCache
) -> CatalogView:
    """The view of the latest generation of the index in ``storage``."""
    toc = TOC.read(storage, INDEX_NAME)
    return CatalogView(
        generation=toc.generation,
        leaves=segments.leaves(storage, toc),
        vocabularies=segments.vocabularies,
        postings_cache=postings_cache,
    )

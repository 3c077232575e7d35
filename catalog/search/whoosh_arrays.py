"""Reading one whoosh segment into numpy arrays.

whoosh's public API hands out postings and column values one document at a time, which costs
about a microsecond each in Python. For facet counts and scoring over whole match sets the
engine needs them as arrays, so this module reads whoosh's on-disk blocks directly where it
knows their layout (the ``whoosh3`` codec: pickled blocks of delta-encoded ids; fixed-width
numeric columns) and falls back to the public, slower API for anything else. This is the only
module that touches whoosh internals; ``tests/test_search.py`` checks both paths agree.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from whoosh.codec import whoosh3
from whoosh.codec.base import Segment
from whoosh.columns import FixedBytesColumn, NumericColumn
from whoosh.matching import Matcher
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
_FAST_PATHS = True  # tests switch this off to compare with the public API


def _block_arrays(matcher: whoosh3.W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """All (ids, weights) of an on-disk posting list, block by block."""
    id_chunks: list[np.ndarray] = []
    weight_chunks: list[np.ndarray] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        ids = np.cumsum(np.asarray(deltas, dtype=np.int64))
        id_chunks.append(ids)
        if weights is None:
            weight_chunks.append(np.ones(len(ids), dtype=np.float32))
        elif isinstance(weights, float):
            weight_chunks.append(np.full(len(ids), weights, dtype=np.float32))
        else:
            weight_chunks.append(np.asarray(weights, dtype=np.float32))
        matcher._next_block()
    if not id_chunks:
        return EMPTY_IDS, EMPTY_WEIGHTS
    return np.concatenate(id_chunks), np.concatenate(weight_chunks)


def _public_arrays(matcher: Matcher) -> tuple[np.ndarray, np.ndarray]:
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def postings(reader: SegmentReader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of ``term`` in ``field``; may include deleted
    documents (callers mask them).

    Document numbers are local to the segment. An unknown term gives empty arrays.
    """
    try:
        if _FAST_PATHS and reader.codec().__class__ is whoosh3.W3Codec:
            termbytes = reader.schema[field].to_bytes(term)
            fmt = reader.schema[field].format
            matcher = reader._terms.matcher(field, termbytes, fmt)
            if isinstance(matcher, whoosh3.W3LeafMatcher) and not matcher._byteids:
                return _block_arrays(matcher)
        else:
            matcher = reader.postings(field, term)
        return _public_arrays(matcher)
    except (TermNotFound, KeyError):
        return EMPTY_IDS, EMPTY_WEIGHTS


def field_terms(reader: SegmentReader, field: str) -> Iterator[str]:
    """Every term of ``field`` in the segment."""
    if field in reader.schema and reader.schema[field].indexed:
        for termbytes in reader.lexicon(field):
            yield termbytes.decode("utf-8")


def _numeric_fast(column_reader: object, dtype: str) -> np.ndarray | None:
    if not (_FAST_PATHS and isinstance(column_reader, NumericColumn.Reader)):
        return None
    width = column_reader._fixedlen
    raw = column_reader._dbfile.get(column_reader._basepos, column_reader._count * width)
    return np.frombuffer(raw, dtype=">" + dtype).astype(np.int64)


def numeric_column(reader: SegmentReader, field: str, default: int) -> np.ndarray:
    """An int64 array of a numeric column, one value per document of the segment."""
    size = reader.doc_count_all()
    if not reader.has_column(field):
        return np.full(size, default, dtype=np.int64)
    column_reader = reader.column_reader(field, translate=False)
    typecode = reader.schema[field].column_type._typecode
    values = _numeric_fast(column_reader, {"q": "i8", "i": "i4", "B": "u1"}.get(typecode, ""))
    if values is None:
        return np.fromiter(column_reader, dtype=np.int64, count=size)
    padded = np.full(size, default, dtype=np.int64)
    padded[: len(values)] = values
    return padded


def bytes_column(reader: SegmentReader, field: str) -> list[bytes]:
    """The values of a bytes column, one per document of the segment."""
    size = reader.doc_count_all()
    if not reader.has_column(field):
        return [b""] * size
    return list(reader.column_reader(field, translate=False))


def field_lengths(reader: SegmentReader, field: str) -> np.ndarray:
    """Number of terms of ``field`` per document (whoosh keeps them rounded to one byte)."""
    size = reader.doc_count_all()
    if _FAST_PATHS and reader.codec().__class__ is whoosh3.W3Codec:
        length_reader = reader._perdoc._cached_reader(
            whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN
        )
        if length_reader is None:
            return np.zeros(size, dtype=np.float32)
        if isinstance(length_reader, FixedBytesColumn.Reader):
            raw = length_reader._dbfile.get(length_reader._basepos, length_reader._count)
            codes = np.zeros(size, dtype=np.uint8)
            codes[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
            return _BYTE_TO_LENGTH[codes]
    lengths = [reader.doc_field_length(docnum, field) or 0 for docnum in range(size)]
    return np.asarray(lengths, dtype=np.float32)


def deleted_mask(segment: Segment) -> np.ndarray:
    """True for every deleted document of the segment (as of the segment object's generation)."""
    mask = np.zeros(segment.doc_count_all(), dtype=bool)
    if segment.has_deletions():
        deleted = np.fromiter(segment.deleted_docs(), dtype=np.int64)
        mask[deleted] = True
    return mask

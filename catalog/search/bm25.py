"""BM25F relevance over numpy arrays.

For each query term the per-field term frequencies are normalised by field length, weighted by
the field boost and summed into one pseudo frequency per document (BM25F, Robertson & Zaragoza
2009); the term then contributes ``idf * tf / (k1 + tf)``. Arrays are dense over the engine's
document numbers, so a whole match set is scored at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class FieldPostings:
    """The postings of one term in one field."""

    docnums: np.ndarray  # int64, document numbers
    frequencies: np.ndarray  # float32, term frequency in the field


@dataclass(frozen=True)
class FieldStats:
    lengths: np.ndarray  # float32 per document: number of terms in the field
    average_length: float
    boost: float


def pseudo_frequency(
    postings: Iterable[tuple[FieldPostings, FieldStats]], doc_count: int
) -> np.ndarray:
    """The boosted, length-normalised frequency of one term over all fields (0 = no match)."""
    combined = np.zeros(doc_count, dtype=np.float32)
    for posting, stats in postings:
        if not len(posting.docnums):
            continue
        lengths = stats.lengths[posting.docnums]
        average = stats.average_length or 1.0
        norm = 1.0 - B + B * lengths / average
        # a posting list names each document once, so plain fancy indexing adds correctly
        combined[posting.docnums] += stats.boost * posting.frequencies / norm
    return combined


def term_score(frequency: np.ndarray, live_count: int, document_frequency: int) -> np.ndarray:
    """The BM25F contribution of one term, from its pseudo frequency array."""
    idf = np.log1p((live_count - document_frequency + 0.5) / (document_frequency + 0.5))
    return (idf * frequency / (K1 + frequency)).astype(np.float32)

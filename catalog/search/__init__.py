"""Dataset search: the engine interface (:mod:`.base`) and :func:`open_engine`."""

from catalog.search.base import (
    FACET_FIELDS,
    NOTICES,
    SORTS,
    SearchDocument,
    SearchEngine,
    SearchHit,
    SearchIndexBusy,
    SearchIndexCorrupt,
    SearchIndexError,
    SearchIndexUnavailable,
    SearchQuery,
    SearchResult,
    SearchSchemaOutdated,
)
from catalog.search.factory import open_engine

__all__ = [
    "FACET_FIELDS",
    "NOTICES",
    "SORTS",
    "SearchDocument",
    "SearchEngine",
    "SearchHit",
    "SearchIndexBusy",
    "SearchIndexCorrupt",
    "SearchIndexError",
    "SearchIndexUnavailable",
    "SearchQuery",
    "SearchResult",
    "SearchSchemaOutdated",
    "open_engine",
]

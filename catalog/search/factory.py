"""Opening a search engine by kind: the one place that knows which engines exist."""

from __future__ import annotations

import os
from collections.abc import Callable

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from catalog.search.base import (
    SearchEngine,
    SearchIndexCorrupt,
    SearchIndexError,
    SearchSchemaOutdated,
)
from catalog.search.whoosh_engine import POSITION_FILE, WhooshEngine
from catalog.search.whoosh_schema import INDEX_NAME, build_schema, same_schema


def _has_table_of_contents(path: str) -> bool:
    """Whether ``path`` holds a whoosh TOC file of our index (without trying to read it)."""
    prefix = f"_{INDEX_NAME}_"
    return any(name.startswith(prefix) and name.endswith(".toc") for name in os.listdir(path))


def _whoosh_index(path: str, recreate: bool) -> whoosh_index.FileIndex:
    if os.path.exists(path) and not os.path.isdir(path):
        raise SearchIndexError(f"search index path {path!r} is not a directory")
    os.makedirs(path, exist_ok=True)
    storage = FileStorage(path)
    schema = build_schema()
    if recreate or not os.listdir(path):
        # a new index holds none of the change log: a position kept beside the old one
        # (whose generation the new one may reach again) must not say otherwise
        position = os.path.join(path, POSITION_FILE)
        if os.path.exists(position):
            os.remove(position)
        return storage.create_index(schema, indexname=INDEX_NAME)
    if not _has_table_of_contents(path):
        raise SearchIndexCorrupt(
            f"{path!r} is not empty but holds no search index; "
            "empty it or open with recreate=True, then rebuild"
        )
    try:
        existing = storage.open_index(indexname=INDEX_NAME)
        stored_schema = existing.schema
    except (AttributeError, ImportError) as error:  # the pickled schema names code now gone
        raise SearchSchemaOutdated(
            f"the search index in {path!r} was built by another version of the code; "
            "open with recreate=True and rebuild"
        ) from error
    except Exception as error:  # whoosh raises many kinds on damaged files
        raise SearchIndexCorrupt(
            f"the search index in {path!r} cannot be read ({error.__class__.__name__}); "
            "open with recreate=True and rebuild"
        ) from error
    if not same_schema(stored_schema, schema):
        raise SearchSchemaOutdated(
            f"the search index in {path!r} was built with another schema; "
            "open with recreate=True and rebuild"
        )
    return existing


def _open_whoosh(path: str, recreate: bool, **options: object) -> SearchEngine:
    try:
        index = _whoosh_index(path, recreate)
    except OSError as error:  # permissions, full disk, a file in the way
        raise SearchIndexError(f"cannot open the search index in {path!r}: {error}") from error
    return WhooshEngine(index, **options)  # type: ignore[arg-type]


ENGINES: dict[str, Callable[..., SearchEngine]] = {"whoosh": _open_whoosh}


def open_engine(kind: str, path: str, *, recreate: bool = False, **options: object) -> SearchEngine:
    """Open (or create) the search index of ``kind`` at ``path``.

    A missing or empty directory gets a new, empty index. ``recreate=True`` discards whatever
    index is there. Raises :class:`SearchIndexError` (or a subclass: corrupt index, outdated
    schema) instead of failing later; ``options`` go to the engine (``write_timeout``,
    ``cached_postings`` for whoosh).
    """
    opener = ENGINES.get(kind)
    if opener is None:
        raise SearchIndexError(f"unknown search engine kind {kind!r}; known: {sorted(ENGINES)}")
    return opener(path, recreate, **options)

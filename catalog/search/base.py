"""The search interface: what the portal asks of any search engine.

The portal builds :class:`SearchDocument` objects from its Dataset model and hands them to an
engine; the engine never sees SQLAlchemy. Engines implement :class:`SearchEngine`. Everything
here is plain data so that a second engine (for very large catalogs) can share it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import astuple, dataclass, field, replace
from datetime import datetime
from typing import Protocol

FACET_FIELDS: tuple[str, ...] = (
    "category",
    "department",
    "division",
    "format",
    "open_type",
    "frequency",
    "topic",
)
SORTS: tuple[str, ...] = ("relevance", "modified", "title")

MIN_PER_PAGE = 1
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 200  # longer text is cut (notice "query-too-long")
MAX_QUERY_TERMS = 16  # further words are dropped (notice "query-adjusted")

# Notice codes, most important first: when a query was adjusted in several ways, the result
# carries the first of these that applies.
NOTICES: tuple[str, ...] = (
    "query-unparsable",  # nothing searchable in the text: the result is empty
    "query-too-long",  # the text was cut to MAX_QUERY_CHARS
    "query-adjusted",  # some syntax was ignored (unbalanced quote, dangling operator, ...)
    "page-out-of-range",  # the page is past the last one (no hits) or was below 1
    "unknown-sort",  # the sort is not one of SORTS: relevance is used
    "unknown-filter",  # a filter names a field outside FACET_FIELDS: it is ignored
    "unknown-facet",  # a requested facet is outside FACET_FIELDS: it is not counted
    "per-page-out-of-range",  # per_page was clamped to MIN_PER_PAGE..MAX_PER_PAGE
)


def first_notice(codes: Iterable[str]) -> str | None:
    """The most important of the given notice codes, or None."""
    found = set(codes)
    return next((code for code in NOTICES if code in found), None)


@dataclass(frozen=True)
class SearchDocument:
    """One dataset as the search engine sees it."""

    id: str  # dataset UUID (string)
    title: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    department: str = ""  # department display name (searchable text)
    department_slug: str = ""  # facet value for "department"
    category: str | None = None  # facet value (a notation like "meteorology")
    division: str | None = None  # facet value (a division code like "450100")
    formats: tuple[str, ...] = ()  # facet values, multi-valued (e.g. "CSV", "XLS")
    open_type: str = ""  # facet value ("unconditional" / "conditional")
    frequency: str | None = None  # facet value ("annual", ...)
    topic: str | None = None  # facet value (a topic notation like "market-regulation")
    distribution_titles: tuple[str, ...] = ()
    # the government catalog's descriptive fields shown on the dataset page (related service
    # item, result name, source system, application scenarios)
    details: tuple[str, ...] = ()
    modified: datetime | None = None
    downloads: int = 0

    @property
    def digest(self) -> str:
        """A digest of everything indexed of the dataset (``gxdata check`` compares them)."""
        return hashlib.sha256(repr(astuple(self)).encode("utf-8")).hexdigest()[:32]


@dataclass
class SearchQuery:
    """What the user asked for. Engines never raise on odd values: they adjust and say so."""

    text: str = ""
    # facet field -> values (AND across fields, OR within a field)
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"  # relevance | modified (newest first) | title
    page: int = 1
    per_page: int = 20
    facets: tuple[str, ...] = FACET_FIELDS
    facet_limit: int = 50


@dataclass
class SearchHit:
    id: str
    score: float
    # field -> HTML-safe snippet with <mark>…</mark>, everything else escaped
    highlights: dict[str, str]


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    # facet field -> [(value, count)], sorted by count desc then value
    facets: dict[str, list[tuple[str, int]]]
    page: int
    per_page: int
    query: SearchQuery
    # a stable kebab-case code from NOTICES when the query was adjusted
    notice: str | None = None


class SearchEngine(Protocol):
    def add(self, docs: Iterable[SearchDocument]) -> None: ...  # upsert many (one writer)

    def remove(self, ids: Iterable[str]) -> None: ...

    def update(self, changed: Iterable[str], docs: Iterable[SearchDocument]) -> None: ...

    def rebuild(self, docs: Iterable[SearchDocument]) -> int: ...  # clear + add, returns count

    def search(self, query: SearchQuery) -> SearchResult: ...

    def count(self) -> int: ...

    def close(self) -> None: ...

    # following the change log (catalog.watch): the position is kept in the index itself

    @property
    def folder(self) -> str: ...

    def follow_lock(self) -> AbstractContextManager[bool]: ...  # False: another process has it

    def position(self) -> tuple[int, str] | None: ...  # (change id, store id); None: rebuild

    def set_position(self, change_id: int, store: str | None = None) -> str: ...

    def digests(self) -> dict[str, str]: ...  # document id -> SearchDocument.digest


def ids_in_order(engine: SearchEngine, query: SearchQuery, limit: int) -> list[str]:
    """The ids of every hit of ``query``, page after page in its order, at most ``limit``
    (for filters the database applies to what the full-text search found)."""
    query = replace(query, page=1, per_page=MAX_PER_PAGE, facets=())
    ids: list[str] = []
    while len(ids) < limit:
        result = engine.search(query)
        ids += [hit.id for hit in result.hits]
        if not result.hits or len(ids) >= result.total:
            break
        query = replace(query, page=query.page + 1)
    return ids[:limit]


class SearchIndexError(Exception):
    """The search index cannot be opened or written."""


class SearchIndexCorrupt(SearchIndexError):
    """The index directory exists but does not hold a readable index."""


class SearchSchemaOutdated(SearchIndexError):
    """The index on disk was built with another schema: recreate it and rebuild."""


class SearchIndexBusy(SearchIndexError):
    """Another writer held the index lock for longer than the timeout."""


class SearchIndexUnavailable(SearchIndexError):
    """The index vanished and is being rebuilt from the database: try again shortly."""

"""Search the catalog and return the matching datasets with facet labels resolved."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Dataset, Department
from catalog.queries import datasets_by_ids
from catalog.search.base import (
    FACET_FIELDS,
    SORTS,
    SearchEngine,
    SearchQuery,
    SearchResult,
    ids_in_order,
)

MAX_PAGE = 10_000
MAX_INPUT_CHARS = 10_000  # the engine cuts further and says so


@dataclass
class CatalogPage:
    result: SearchResult
    datasets: list[Dataset]
    departments: dict[str, Department]  # slug -> department, for the facet labels

    @property
    def pages(self) -> int:
        per_page = max(self.result.per_page, 1)
        return max(1, -(-self.result.total // per_page))


def build_query(
    text: str | None,
    filters: dict[str, list[str]],
    sort: str | None = None,
    page: int | str | None = 1,
    per_page: int | str | None = 20,
) -> SearchQuery:
    """A query from untrusted input: unknown facets dropped, numbers clamped."""
    clean = {
        name: [v for v in values if v][:20]
        for name, values in filters.items()
        if name in FACET_FIELDS and any(values)
    }
    return SearchQuery(
        text=(text or "").strip()[:MAX_INPUT_CHARS],
        filters=clean,
        sort=sort if sort in SORTS else ("relevance" if text else "modified"),
        page=min(max(_int(page, 1), 1), MAX_PAGE),
        per_page=min(max(_int(per_page, 20), 1), 100),
    )


def search_catalog(session: Session, engine: SearchEngine, query: SearchQuery) -> CatalogPage:
    result = engine.search(query)
    datasets = datasets_by_ids(session, [hit.id for hit in result.hits])
    slugs = [value for value, _ in result.facets.get("department", [])]
    slugs += query.filters.get("department", [])
    departments = (
        {d.slug: d for d in session.scalars(select(Department).where(Department.slug.in_(slugs)))}
        if slugs
        else {}
    )
    return CatalogPage(result=result, datasets=datasets, departments=departments)


def _int(value: int | str | None, default: int) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


MAX_RANKED = 100_000  # ids read from the engine for one full-text query


def ranked_ids(engine: SearchEngine, text: str) -> list[str]:
    """Ids of the public datasets matching ``text``, best first (for filters done in SQL)."""
    query = SearchQuery(text=text[:MAX_INPUT_CHARS], sort="relevance")
    return ids_in_order(engine, query, MAX_RANKED)

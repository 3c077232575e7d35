"""Turning a :class:`SearchQuery` into a plan every engine can follow without further checks.

Odd values are adjusted, never refused: per_page is clamped, an unknown sort falls back to
relevance, unknown filter and facet fields are ignored, the text is read by
:func:`catalog.search.query_text.parse_text`. Each adjustment adds a notice code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.search.base import (
    FACET_FIELDS,
    MAX_PER_PAGE,
    MIN_PER_PAGE,
    SORTS,
    SearchQuery,
)
from catalog.search.query_text import TextQuery, parse_text

MAX_FACET_LIMIT = 1000


@dataclass(frozen=True)
class QueryPlan:
    text: TextQuery
    filters: dict[str, frozenset[str]]  # facet field -> accepted values (never empty)
    sort: str  # one of SORTS; "relevance" only when the text has terms to score
    page: int  # >= 1
    per_page: int  # MIN_PER_PAGE..MAX_PER_PAGE
    facets: tuple[str, ...]  # known facet fields, in the order asked
    facet_limit: int
    notices: frozenset[str]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _clamp(value: object, low: int, high: int, default: int) -> tuple[int, bool]:
    """(clamped value, whether it had to change)."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return default, True
    clamped = min(max(number, low), high)
    return clamped, clamped != number


def _filters(raw: object, notices: set[str]) -> dict[str, frozenset[str]]:
    filters: dict[str, frozenset[str]] = {}
    if not isinstance(raw, dict):
        return filters
    for name, values in raw.items():
        if name not in FACET_FIELDS:
            notices.add("unknown-filter")
            continue
        if not isinstance(values, list | tuple | set | frozenset):
            values = [values]
        accepted = frozenset(str(value) for value in values if value not in (None, ""))
        if accepted:
            filters[name] = accepted
    return filters


def plan_query(query: SearchQuery, analyze: Callable[[str], list[str]]) -> QueryPlan:
    """Normalise ``query``; never raises, whatever the field values."""
    notices: set[str] = set()
    text = parse_text(query.text if isinstance(query.text, str) else "", analyze)
    notices |= text.notices

    sort = query.sort
    if sort not in SORTS:
        notices.add("unknown-sort")
        sort = "relevance"
    if sort == "relevance" and not text.groups:
        sort = "modified"  # nothing to score: newest first

    per_page, changed = _clamp(query.per_page, MIN_PER_PAGE, MAX_PER_PAGE, 20)
    if changed:
        notices.add("per-page-out-of-range")
    page, changed = _clamp(query.page, 1, 10**9, 1)
    if changed:
        notices.add("page-out-of-range")

    facets = tuple(name for name in dict.fromkeys(query.facets or ()) if name in FACET_FIELDS)
    if len(facets) != len(set(query.facets or ())):
        notices.add("unknown-facet")
    facet_limit, _ = _clamp(query.facet_limit, 1, MAX_FACET_LIMIT, 50)

    return QueryPlan(
        text=text,
        filters=_filters(query.filters, notices),
        sort=sort,
        page=page,
        per_page=per_page,
        facets=facets,
        facet_limit=facet_limit,
        notices=frozenset(notices),
    )

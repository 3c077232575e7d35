"""CKAN's package_search over the public datasets: Solr filter trees compiled to SQL.

:func:`catalog.search.solr_query.parse` reads an ``fq`` into a tree; :func:`compile_filter`
turns it into a condition on :func:`catalog.queries.public_datasets`, field by field as
:data:`FIELDS` says; :func:`search_public` adds the full-text matches (ids ranked by the search
engine), sorts (:func:`parse_sort`, ties broken by id so paging is stable), pages and counts
the facets (:data:`FACETS`). Without a full-text ``q`` all of it is SQL (COUNT, ORDER BY with
LIMIT/OFFSET, one GROUP BY per facet), so no request reads the catalog into Python. A field,
value or operator it cannot honour raises :class:`SolrQueryError`: a client is told, never
given a silently empty result.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from catalog.db import in_chunks
from catalog.licence_terms import ckan_licence_id, licence_is_open
from catalog.licensing import effective_licence_value
from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets
from catalog.search.solr_query import (
    And,
    Everything,
    Match,
    Node,
    Not,
    Or,
    Range,
    SolrQueryError,
)

MAX_DIGITS = 18  # an integer value: fits every database's BIGINT
TextIds = Callable[[str], Sequence[str]]  # full text -> matching dataset ids, best first

# -- dates: ISO 8601 and Solr's date math (NOW, NOW-1DAY, NOW/DAY, 2026-12-01T00:00:00Z+1MONTH)

_DATE = re.compile(
    r"(?P<base>NOW|\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})?)"
    r"(?P<math>(?:[+-]\d{1,6}[A-Z]+|/[A-Z]+)*)\Z"
)
_STEP = re.compile(r"([+-]\d+|/)([A-Z]+)")
_UNITS = {
    "YEAR": "years", "MONTH": "months", "DAY": "days", "DATE": "days", "HOUR": "hours",
    "MINUTE": "minutes", "SECOND": "seconds", "MILLI": "milliseconds",
    "MILLISECOND": "milliseconds",
}  # fmt: skip


def parse_date(text: str, now: datetime) -> datetime:
    """A naive UTC datetime from an ISO date or Solr date math; ``now`` is naive UTC."""
    match = _DATE.match(text.strip())
    if match is None:
        raise SolrQueryError(
            f"not a date: {text!r} (ISO 8601 such as 2026-12-01T00:00:00Z, or NOW)"
        )
    base = match["base"]
    if base == "NOW":
        value = now
    else:
        try:
            value = datetime.fromisoformat(base.replace("Z", "+00:00"))
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            raise SolrQueryError(f"not a date: {text!r}") from None
    for step, unit_name in _STEP.findall(match["math"]):
        unit = _UNITS.get(unit_name.removesuffix("S")) or _UNITS.get(unit_name)
        if unit is None:
            raise SolrQueryError(f"unknown date unit {unit_name!r} in {text!r}")
        value = _round(value, unit) if step == "/" else _add(value, unit, int(step))
    return value


def _add(value: datetime, unit: str, amount: int) -> datetime:
    try:
        if unit in ("years", "months"):
            months = value.month - 1 + amount * (12 if unit == "years" else 1)
            year, month = value.year + months // 12, months % 12 + 1
            day = min(value.day, calendar.monthrange(year, month)[1])
            return value.replace(year=year, month=month, day=day)
        return value + timedelta(**{unit: amount})
    except (ValueError, OverflowError):
        raise SolrQueryError("the date is out of range") from None


def _round(value: datetime, unit: str) -> datetime:
    """Solr's ``/UNIT``: down to the start of the unit."""
    if unit == "years":
        return datetime(value.year, 1, 1)
    if unit == "months":
        return datetime(value.year, value.month, 1)
    if unit == "days":
        return datetime(value.year, value.month, value.day)
    if unit == "hours":
        return value.replace(minute=0, second=0, microsecond=0)
    if unit == "minutes":
        return value.replace(second=0, microsecond=0)
    if unit == "seconds":
        return value.replace(microsecond=0)
    return value


# -- the fields ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    session: Session
    text_ids: TextIds
    now: datetime


Compile = Callable[[Context, Match | Range], ColumnElement[bool]]


def _like(prefix: str) -> str:
    return re.sub(r"([/%_])", r"/\1", prefix) + "%"


def _column(column: Any, kind: str = "string") -> Compile:
    """A field stored in one column: equality, prefix (strings), ranges, ``*``."""

    def value(ctx: Context, text: str) -> Any:
        if kind == "date":
            return parse_date(text, ctx.now)
        if kind == "int":
            if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= MAX_DIGITS):
                raise SolrQueryError(f"not an integer (at most {MAX_DIGITS} digits): {text!r}")
            return int(text)
        return text

    def compile_(ctx: Context, node: Match | Range) -> ColumnElement[bool]:
        if isinstance(node, Range):
            parts = []
            if node.low is not None:
                low = value(ctx, node.low)
                parts.append(column >= low if node.low_inclusive else column > low)
            if node.high is not None:
                high = value(ctx, node.high)
                parts.append(column <= high if node.high_inclusive else column < high)
            return and_(column.is_not(None), *parts)
        if node.prefix and node.value == "":
            return column.is_not(None)
        if node.prefix:
            if kind != "string":
                raise SolrQueryError(f"{node.field} takes no prefix (value*)")
            return column.like(_like(node.value), escape="/")
        return column == value(ctx, node.value)

    return compile_


def _values(compile_one: Callable[[Context, str], ColumnElement[bool]], any_value: Any) -> Compile:
    """A field matched value by value (no ranges, no prefixes)."""

    def compile_(ctx: Context, node: Match | Range) -> ColumnElement[bool]:
        if isinstance(node, Range):
            raise SolrQueryError(f"{node.field} takes no range")
        if node.prefix and node.value == "":
            return any_value if isinstance(any_value, ColumnElement) else any_value(ctx)
        if node.prefix:
            raise SolrQueryError(f"{node.field} takes no prefix (value*)")
        return compile_one(ctx, node.value)

    return compile_


def _constant(*values: str) -> Compile:
    """A field with one value here (type: dataset, state: active)."""
    return _values(lambda ctx, v: true() if v in values else false(), true())


def _text(ctx: Context, value: str) -> ColumnElement[bool]:
    return Dataset.id.in_(list(ctx.text_ids(value)))


def _tags(ctx: Context, value: str) -> ColumnElement[bool]:
    keyword = keyword_values(ctx.session)
    return select(keyword.c.value).where(keyword.c.value == value).exists()


def _any_tag(ctx: Context) -> ColumnElement[bool]:
    keyword = keyword_values(ctx.session)
    return select(keyword.c.value).where(keyword.c.value.is_not(None)).exists()


def _format(ctx: Context, value: str) -> ColumnElement[bool]:
    return Dataset.distributions.any(Distribution.format == value)


def _organization(ctx: Context, value: str) -> ColumnElement[bool]:
    return Dataset.department_id.in_(select(Department.id).where(Department.slug == value))


def _owner_org(ctx: Context, value: str) -> ColumnElement[bool]:
    if value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS:
        return Dataset.department_id == int(value)
    return _organization(ctx, value)  # a name, as some clients send


EFFECTIVE_LICENCE = effective_licence_value()  # what package_show calls license_id


def _stored_licences(ctx: Context) -> list[str]:
    """The effective licences of the public datasets, as stored (before the vocabulary)."""
    return list(
        ctx.session.scalars(public_datasets().with_only_columns(EFFECTIVE_LICENCE).distinct())
    )


def _licence_where(raws: Iterable[str]) -> ColumnElement[bool]:
    named = list(raws)
    return EFFECTIVE_LICENCE.in_(named) if named else false()


def _licence_id(ctx: Context, value: str) -> ColumnElement[bool]:
    return _licence_where(r for r in _stored_licences(ctx) if ckan_licence_id(r) == value)


def _isopen(ctx: Context, value: str) -> ColumnElement[bool]:
    if value.lower() not in ("true", "false"):
        raise SolrQueryError(f"isopen is true or false, not {value!r}")
    wanted = value.lower() == "true"
    return _licence_where(r for r in _stored_licences(ctx) if licence_is_open(r) == wanted)


NUM_RESOURCES = (
    select(func.count(Distribution.id))
    .where(Distribution.dataset_id == Dataset.id)
    .correlate(Dataset)
    .scalar_subquery()
)

# CKAN field -> how a clause on it becomes SQL
FIELDS: dict[str, Compile] = {
    "metadata_modified": _column(Dataset.metadata_modified, "date"),
    "metadata_created": _column(Dataset.created_at, "date"),
    "name": _column(Dataset.slug),
    "id": _column(Dataset.id),
    "title_string": _column(Dataset.title),
    "groups": _column(Dataset.category),
    "open_type": _column(Dataset.open_type),
    "division": _column(Dataset.spatial),
    "update_frequency": _column(Dataset.update_frequency),
    "num_resources": _column(NUM_RESOURCES, "int"),
    "tags": _values(_tags, _any_tag),
    "res_format": _values(_format, Dataset.distributions.any(Distribution.format.is_not(None))),
    "organization": _values(_organization, Dataset.department_id.is_not(None)),
    "owner_org": _values(_owner_org, Dataset.department_id.is_not(None)),
    "license_id": _values(_licence_id, true()),
    "isopen": _values(_isopen, true()),
    "type": _constant("dataset"),
    "dataset_type": _constant("dataset"),
    "state": _constant("active"),
    "capacity": _constant("public"),
    "private": _constant("false"),
    **{
        name: _values(_text, true())
        for name in ("text", "title", "notes", "res_name", "res_description", "author")
    },
}


def compile_filter(ctx: Context, node: Node) -> ColumnElement[bool]:
    if isinstance(node, Everything):
        return true()
    if isinstance(node, Not):
        return not_(compile_filter(ctx, node.child))
    if isinstance(node, And):
        return and_(*(compile_filter(ctx, child) for child in node.children))
    if isinstance(node, Or):
        return or_(*(compile_filter(ctx, child) for child in node.children))
    compile_ = FIELDS.get(node.field)
    if compile_ is None:
        known = ", ".join(sorted(FIELDS))
        raise SolrQueryError(f"cannot filter on {node.field!r}; filter fields: {known}")
    return compile_(ctx, node)


# -- sorting -------------------------------------------------------------------------------

# CKAN sort field -> the row key it sorts by (see _Row)
SORTS: dict[str, str] = {
    "id": "id",
    "name": "name",
    "title_string": "title",
    "title": "title",
    "metadata_modified": "modified",
    "metadata_created": "created",
    "score": "score",
    "rank": "score",
}
DEFAULT_SORT = "score desc, metadata_modified desc"
MAX_SORT_KEYS = 8


def parse_sort(raw: object) -> tuple[tuple[str, bool], ...]:
    """(row key, descending) pairs from CKAN's ``"field asc, field desc"``."""
    text = str(raw or "").strip() or DEFAULT_SORT
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if (
            words[0] not in SORTS
            or len(words) > 2
            or len(words) == 2
            and words[1].lower() not in ("asc", "desc")
        ):
            raise SolrQueryError(
                f"cannot sort by {part.strip()!r}; sort fields: {', '.join(SORTS)} (asc or desc)"
            )
        keys.append((SORTS[words[0]], len(words) == 2 and words[1].lower() == "desc"))
    if len(keys) > MAX_SORT_KEYS:
        raise SolrQueryError(f"at most {MAX_SORT_KEYS} sort fields")
    return tuple(keys)


# -- search --------------------------------------------------------------------------------

# CKAN facet field -> the row key counted (res_format and tags: several values per dataset)
FACETS = (
    "organization", "groups", "res_format", "tags", "license_id", "open_type", "division",
    "update_frequency",
)  # fmt: skip


@dataclass(frozen=True)
class CkanPage:
    total: int
    ids: list[str]  # the page, in order
    facets: dict[str, list[tuple[str, int]]]  # CKAN facet field -> (value, count), most first
    departments: dict[str, Department]  # slug -> department, for facet labels


# sort key (see parse_sort) -> the column ORDER BY uses; "score" is the engine's rank
ORDER_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "id": Dataset.id,
    "name": Dataset.slug,
    "title": Dataset.title,
    "modified": Dataset.metadata_modified,
    "created": Dataset.created_at,
}


def search_public(
    session: Session,
    where: ColumnElement[bool],
    ranking: Sequence[str] | None,
    sort: Sequence[tuple[str, bool]],
    start: int,
    rows: int,
    facet_fields: Sequence[str] = (),
    facet_limit: int = 50,
    facet_mincount: int = 1,
) -> CkanPage:
    """The public datasets matching ``where`` (and, when ``ranking`` is given, among its ids,
    ranked by it), sorted, from ``start``; facets counted over every match.

    Without ``ranking`` the database does everything (count, ORDER BY … LIMIT/OFFSET, facets
    with GROUP BY), so the cost follows the page, not the catalog. With it, the matches are
    the ranked ids the database keeps (read in chunks of :data:`catalog.db.IN_LIST`)."""
    if ranking is None:
        total = session.scalar(public_datasets().where(where).with_only_columns(func.count()))
        ids = _sorted_page(session, where, sort, start, rows)
        scopes = [where] if total else []
    else:
        matches = _ranked_matches(session, where, ranking, sort)
        total, ids = len(matches), matches[start : start + rows]
        scopes = [Dataset.id.in_(chunk) for chunk in in_chunks(matches)]
    facets, departments = _facets(session, scopes, facet_fields, facet_limit, facet_mincount)
    return CkanPage(total or 0, ids, facets, departments)


def _sorted_page(
    session: Session,
    where: ColumnElement[bool],
    sort: Sequence[tuple[str, bool]],
    start: int,
    rows: int,
) -> list[str]:
    """One page of the matching ids in SQL order, ties broken by id (no rank: score is 0)."""
    if rows <= 0:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    columns = [
        (_in_code_point_order(ORDER_COLUMNS[k], postgres), d) for k, d in sort if k != "score"
    ]
    order = [column.desc() if descending else column.asc() for column, descending in columns]
    stmt = (
        public_datasets()
        .where(where)
        .with_only_columns(Dataset.id)
        .order_by(*order, _in_code_point_order(Dataset.id, postgres))
        .offset(start)
        .limit(rows)
    )
    return list(session.scalars(stmt))


def _in_code_point_order(column: InstrumentedAttribute[Any], postgres: bool) -> Any:
    """Text sorted by code point, as Python sorts it (the ranked path) and SQLite does: on
    PostgreSQL a locale collation would order titles otherwise."""
    if postgres and column.type.python_type is str:
        return column.collate("C")
    return column


def _ranked_matches(
    session: Session,
    where: ColumnElement[bool],
    ranking: Sequence[str],
    sort: Sequence[tuple[str, bool]],
) -> list[str]:
    """The ranked ids that are public and match ``where``, sorted (ties by id)."""
    keys = list(ORDER_COLUMNS)
    matches: list[tuple[Any, ...]] = []
    for chunk in in_chunks(dict.fromkeys(ranking)):
        stmt = (
            public_datasets()
            .where(where, Dataset.id.in_(chunk))
            .with_only_columns(*ORDER_COLUMNS.values())
        )
        matches += [tuple(row) for row in session.execute(stmt)]
    rank = {ident: -n for n, ident in enumerate(ranking)}
    matches.sort(key=lambda row: row[0])
    for key, descending in reversed(sort):
        if key == "score":
            matches.sort(key=lambda row: rank.get(row[0], 0), reverse=descending)
        else:
            index = keys.index(key)
            matches.sort(key=lambda row: row[index], reverse=descending)
    return [row[0] for row in matches]


# -- facets --------------------------------------------------------------------------------

_SCALAR_FACETS: dict[str, InstrumentedAttribute[Any]] = {
    "groups": Dataset.category,
    "open_type": Dataset.open_type,
    "division": Dataset.spatial,
    "update_frequency": Dataset.update_frequency,
}


def keyword_values(session: Session) -> Any:
    """The elements of ``Dataset.keywords`` as a table (one row per keyword, column
    ``value``), correlated to the dataset of the enclosing query: SQLite's ``json_each``,
    PostgreSQL's ``json_array_elements_text`` (an absent or non-array value is no keyword)."""
    if session.get_bind().dialect.name == "postgresql":
        array = case(
            (func.json_typeof(Dataset.keywords) == "array", Dataset.keywords),
            else_=literal_column("'[]'::json"),
        )
        elements = func.json_array_elements_text(array)
    else:
        elements = func.json_each(Dataset.keywords)
    return elements.table_valued("value", joins_implicitly=True).alias("keyword")


def _facet_rows(session: Session, name: str, scope: ColumnElement[bool]) -> Select[Any, int]:
    """(value, datasets) of one facet over the public datasets matching ``scope``."""
    public = public_datasets().where(scope)
    if name in _SCALAR_FACETS:
        column = _SCALAR_FACETS[name]
        return public.with_only_columns(column, func.count()).group_by(column)
    if name == "organization":
        return (
            public.join(Department, Department.id == Dataset.department_id)
            .with_only_columns(Department.slug, func.count())
            .group_by(Department.slug)
        )
    if name == "license_id":
        licences = public.with_only_columns(EFFECTIVE_LICENCE.label("licence")).subquery()
        return select(licences.c.licence, func.count()).group_by(licences.c.licence)
    if name == "tags":  # each keyword once per dataset
        keyword = keyword_values(session)
        return (
            public.with_only_columns(keyword.c.value, func.count(Dataset.id.distinct()))
            .where(keyword.c.value != "")
            .group_by(keyword.c.value)
        )
    return (  # res_format: each format once per dataset
        select(Distribution.format, func.count(Distribution.dataset_id.distinct()))
        .where(
            Distribution.dataset_id.in_(public.with_only_columns(Dataset.id)),
            Distribution.format != "",
        )
        .group_by(Distribution.format)
    )


def _facets(
    session: Session,
    scopes: Sequence[ColumnElement[bool]],
    names: Sequence[str],
    limit: int,
    mincount: int,
) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Department]]:
    """Facet counts over the public datasets matching any of ``scopes`` (disjoint: their
    counts add up), one GROUP BY per facet and scope."""
    wanted = [name for name in names if name in FACETS]
    counters: dict[str, Counter[str]] = {name: Counter() for name in wanted}
    for name in wanted:
        for scope in scopes:
            for value, count in session.execute(_facet_rows(session, name, scope)):
                if value:
                    key = ckan_licence_id(value) if name == "license_id" else str(value)
                    counters[name][key] += count
    facets = {
        name: [
            item
            for item in sorted(counters[name].items(), key=lambda kv: (-kv[1], kv[0]))
            if item[1] >= mincount
        ][: limit if limit >= 0 else None]
        for name in wanted
    }
    for name in names:
        facets.setdefault(name, [])
    slugs = [value for value, _ in facets.get("organization", [])]
    departments = {
        department.slug: department
        for department in session.scalars(select(Department).where(Department.slug.in_(slugs)))
    }
    return facets, departments

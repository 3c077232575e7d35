"""The catalog as the linked-data exports read it: summary, filtered pages, streamed batches.

Pages are ordered by dataset id, so a page's content moves only when datasets are added or
removed, never when one is edited. Filters: ``modified_since`` (metadata changed at or after
a time, for incremental harvesting), the search facets (in SQL: category, department,
division, format, open type, frequency) and ``q`` (the search engine's matches, at most
:data:`MAX_TEXT_MATCHES`). Streams read batches of :data:`BATCH` datasets by keyset, each
with its distributions and department, and let the previous batch go: memory does not grow
with the catalog. A batch's harvest provenance (record and source: the sub-catalog of each
harvested dataset) is read with it, in one query each, never one per dataset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from catalog import uris
from catalog.db import integer_id
from catalog.harvest.models import HarvestRecord, HarvestSource
from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets
from catalog.search.base import FACET_FIELDS, SearchEngine, SearchQuery, ids_in_order

PER_PAGE = 100
BATCH = 500
MAX_TEXT_MATCHES = 10_000
# What the exports read of each dataset, loaded with a page or batch.
LOAD_OPTIONS = (
    selectinload(Dataset.distributions),
    selectinload(Dataset.department),
    selectinload(Dataset.harvest_record).selectinload(HarvestRecord.source),
    selectinload(Dataset.approved_reuses),  # dct:isReferencedBy
)


@dataclass(frozen=True)
class CatalogSummary:
    departments: Sequence[Department]  # those with public datasets, by slug
    issued: datetime | None  # the first publication of a record
    modified: datetime | None  # the latest change of any record
    total: int
    sources: Sequence[HarvestSource] = ()  # harvest sources with public datasets, by id


@dataclass(frozen=True)
class CatalogFilter:
    modified_since: datetime | None = None
    text: str = ""
    facets: dict[str, list[str]] = field(default_factory=dict)
    source: int | None = None  # the harvest source's sub-catalog

    @property
    def empty(self) -> bool:
        return self.modified_since is None and not self.text and not self.facets and not self.source


@dataclass(frozen=True)
class PageLinks:
    """One page of the catalog: its address and its neighbours, under the base URL."""

    this: str
    first: str
    last: str
    next: str | None
    previous: str | None
    per_page: int
    page: int
    pages: int


class FilterError(ValueError):
    """A catalog filter the portal cannot read (``modified_since=yesterday``)."""


def parse_filter(args: Mapping[str, Sequence[str]]) -> CatalogFilter:
    """The filter of a request's query arguments; unknown arguments are ignored."""
    since = (args.get("modified_since") or [""])[0].strip()
    modified_since = None
    if since:
        try:
            modified_since = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as error:
            raise FilterError(
                f"modified_since must be an ISO 8601 date or time: {since!r}"
            ) from error
        if modified_since.tzinfo is not None:  # stored times are naive UTC
            try:
                modified_since = modified_since.astimezone(UTC).replace(tzinfo=None)
            except OverflowError as error:  # 0001-01-01T00:00+14:00 is before year 1 in UTC
                raise FilterError(f"modified_since is out of range: {since!r}") from error
    facets = {
        name: [v for v in args.get(name, []) if v][:20] for name in FACET_FIELDS if args.get(name)
    }
    text = (args.get("q") or [""])[0].strip()[:200]
    source_arg = (args.get("source") or [""])[0].strip()
    source = integer_id(source_arg) if source_arg else None
    if source_arg and source is None:
        raise FilterError(f"source must be a harvest source's number: {source_arg!r}")
    return CatalogFilter(modified_since, text, {k: v for k, v in facets.items() if v}, source)


def parse_page(value: str | None) -> int:
    try:
        page = int(value or 1)
    except ValueError as error:
        raise FilterError(f"page must be a whole number: {value!r}") from error
    if page < 1:
        raise FilterError("page must be 1 or more")
    return page


def page_links(
    base_url: str, suffix: str, flt: CatalogFilter, page: int, total: int, per_page: int = PER_PAGE
) -> PageLinks:
    """Addresses of this page and its neighbours: the base URL, the format, the filters."""
    pages = max(1, -(-total // per_page))
    params: list[tuple[str, str]] = []
    if flt.modified_since is not None:
        params.append(("modified_since", flt.modified_since.isoformat()))
    if flt.text:
        params.append(("q", flt.text))
    params += [(name, v) for name, values in sorted(flt.facets.items()) for v in values]
    if flt.source is not None:
        params.append(("source", str(flt.source)))

    def link(number: int) -> str:
        return uris.catalog_page_url(base_url, suffix, urlencode([*params, ("page", str(number))]))

    return PageLinks(
        this=link(page),
        first=link(1),
        last=link(pages),
        next=link(page + 1) if page < pages else None,
        previous=link(min(page - 1, pages)) if page > 1 else None,
        per_page=per_page,
        page=page,
        pages=pages,
    )


def catalog_summary(session: Session) -> CatalogSummary:
    """The catalog record's facts, each read along an index (fast at any catalog size).

    The dates span every record: the catalog changes when a dataset is withdrawn too, and
    ``min``/``max`` over an indexed column cost one index lookup, where a filter on the public
    state would make the database sort the table.
    """
    public = public_datasets()
    issued = session.scalar(select(func.min(Dataset.issued)))
    modified = session.scalar(select(func.max(Dataset.metadata_modified)))
    has_public = exists(public.with_only_columns(Dataset.id)).where(
        Dataset.department_id == Department.id
    )
    departments = session.scalars(select(Department).where(has_public).order_by(Department.slug))
    total = count(session, public)
    return CatalogSummary(list(departments), issued, modified, total, harvest_sources(session))


def latest_change(session: Session, department_id: int | None = None) -> datetime | None:
    """The latest ``metadata_modified`` of any record (of a department's, if given): the
    ``Last-Modified`` of pages and documents that list records."""
    stmt = select(func.max(Dataset.metadata_modified))
    if department_id is not None:
        stmt = stmt.where(Dataset.department_id == department_id)
    return session.scalar(stmt)


def harvest_sources(session: Session) -> list[HarvestSource]:
    """The harvest sources that hold at least one public dataset (each a sub-catalog)."""
    stmt = _sub_catalog_sources().options(selectinload(HarvestSource.department))
    return list(session.scalars(stmt))


def _sub_catalog_sources() -> Select[HarvestSource]:
    has_public = exists(
        public_datasets()
        .with_only_columns(Dataset.id)
        .join(HarvestRecord, HarvestRecord.dataset_id == Dataset.id)
        .where(HarvestRecord.source_id == HarvestSource.id)
    )
    return select(HarvestSource).where(has_public).order_by(HarvestSource.id)


def filtered_datasets(engine: SearchEngine | None, flt: CatalogFilter) -> Select[Dataset]:
    """Public datasets passing the filter (no order, no loading options)."""
    stmt = public_datasets()
    if flt.modified_since is not None:
        stmt = stmt.where(Dataset.metadata_modified >= flt.modified_since)
    facets = flt.facets
    if facets.get("category"):
        stmt = stmt.where(Dataset.category.in_(facets["category"]))
    if facets.get("open_type"):
        stmt = stmt.where(Dataset.open_type.in_(facets["open_type"]))
    if facets.get("frequency"):
        stmt = stmt.where(Dataset.update_frequency.in_(facets["frequency"]))
    if facets.get("department") or facets.get("division"):
        stmt = stmt.join(Department, Department.id == Dataset.department_id, isouter=True)
        if facets.get("department"):
            stmt = stmt.where(Department.slug.in_(facets["department"]))
        if facets.get("division"):
            division = func.coalesce(Dataset.spatial, Department.division)
            stmt = stmt.where(division.in_(facets["division"]))
    if facets.get("format"):
        stmt = stmt.where(
            exists().where(
                Distribution.dataset_id == Dataset.id, Distribution.format.in_(facets["format"])
            )
        )
    if flt.source is not None:
        stmt = stmt.where(
            exists().where(
                HarvestRecord.dataset_id == Dataset.id, HarvestRecord.source_id == flt.source
            )
        )
    if flt.text and engine is not None:
        stmt = stmt.where(Dataset.id.in_(matching_ids(engine, flt.text)))
    return stmt


def get_source(session: Session, source_id: str) -> HarvestSource | None:
    """A harvest source that is a sub-catalog (it holds public datasets), by its number."""
    number = integer_id(source_id)
    if number is None:
        return None
    return session.scalar(_sub_catalog_sources().where(HarvestSource.id == number))


def matching_ids(engine: SearchEngine, text: str) -> list[str]:
    """The ids the search engine finds for ``text`` (at most MAX_TEXT_MATCHES)."""
    return ids_in_order(engine, SearchQuery(text=text, sort="modified"), MAX_TEXT_MATCHES)


def count(session: Session, stmt: Select[Dataset]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def page_of(
    session: Session, stmt: Select[Dataset], page: int, per_page: int = PER_PAGE
) -> list[Dataset]:
    """Page ``page`` (from 1) of the datasets, ordered by id, with what the exports read."""
    stmt = (
        stmt.order_by(Dataset.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(*LOAD_OPTIONS)
    )
    return list(session.scalars(stmt))


def stream(session: Session, stmt: Select[Dataset], batch: int = BATCH) -> Iterator[Dataset]:
    """Every dataset of ``stmt`` by id, read ``batch`` at a time; earlier batches are released."""
    last = ""
    while True:
        rows = list(
            session.scalars(
                stmt.where(Dataset.id > last)
                .order_by(Dataset.id)
                .limit(batch)
                .options(*LOAD_OPTIONS)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()  # nothing refers to the batch any more: let it go

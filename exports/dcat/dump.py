"""The whole catalog (or a filtered part) as one streamed document: the dump and the CLI."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from catalog.linked_data import CatalogFilter, catalog_summary, filtered_datasets, stream
from catalog.search.base import SearchEngine
from exports.dcat.catalog import catalog_chunks
from exports.dcat.context import PublishContext
from exports.dcat.quality import QualityProvider
from exports.formats import RdfFormat


def catalog_document(
    session: Session,
    fmt: RdfFormat,
    base_url: str,
    engine: SearchEngine | None = None,
    flt: CatalogFilter | None = None,
    quality: QualityProvider | None = None,
) -> Iterator[str]:
    """Text pieces of the catalog with every dataset; memory stays that of one batch."""
    if not fmt.streams:
        raise ValueError(f"{fmt.label} cannot be streamed; use ttl, nt or jsonld")
    summary = catalog_summary(session)
    datasets = stream(session, filtered_datasets(engine, flt or CatalogFilter()))
    ctx = PublishContext(base_url, quality=quality)
    yield from fmt.write(catalog_chunks(summary, datasets, ctx), base_url)

"""What search engines and feed readers are given: the public dataset pages for the sitemap and
the newest changes for the Atom feed. Both read :func:`catalog.queries.public_datasets`, so a
withdrawn, unpublished or 不予开放 dataset is in neither."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Dataset
from catalog.queries import public_datasets

SITEMAP_URLS = 50_000  # the sitemaps.org limit of URLs in one sitemap file
FEED_ENTRIES = 50


def public_dataset_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(public_datasets().subquery())) or 0


def sitemap_page(
    session: Session, page: int, size: int | None = None
) -> list[tuple[str, datetime]]:
    """(slug, metadata_modified) of the public datasets on sitemap ``page`` (from 0), in a
    stable order so that the pages of a sitemap index never overlap."""
    size = size or SITEMAP_URLS
    public = public_datasets().subquery()
    stmt = (
        select(public.c.slug, public.c.metadata_modified)
        .order_by(public.c.id)
        .offset(page * size)
        .limit(size)
    )
    return [(slug, modified) for slug, modified in session.execute(stmt).all()]


def sitemap_page_modified(session: Session, page: int, size: int | None = None) -> datetime | None:
    rows = sitemap_page(session, page, size)
    return max((modified for _slug, modified in rows), default=None)


def recently_changed(session: Session, limit: int = FEED_ENTRIES) -> list[Dataset]:
    """The public datasets whose record changed last (new ones included), newest first."""
    stmt = (
        public_datasets()
        .order_by(Dataset.metadata_modified.desc(), Dataset.id)
        .limit(limit)
        .options(selectinload(Dataset.department))
    )
    return list(session.scalars(stmt))

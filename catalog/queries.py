"""Read-side queries of the public catalog.

Only published datasets whose open type is not 不予开放 are public; every public page and
API goes through :func:`public_datasets` so that rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.db import integer_id
from catalog.models import CLOSED, PUBLISHED, Dataset, Department, Distribution


def public_datasets() -> Select[Dataset]:
    return select(Dataset).where(Dataset.state == PUBLISHED, Dataset.open_type != CLOSED)


def get_public_dataset(session: Session, id_or_slug: str) -> Dataset | None:
    stmt = (
        public_datasets()
        .where(or_(Dataset.id == id_or_slug, Dataset.slug == id_or_slug))
        .options(selectinload(Dataset.distributions), selectinload(Dataset.department))
    )
    return session.scalar(stmt)


def get_public_distribution(session: Session, distribution_id: str) -> Distribution | None:
    distribution = session.get(Distribution, distribution_id)
    if distribution is None or not distribution.dataset.is_public:
        return None
    return distribution


def datasets_by_ids(session: Session, ids: Sequence[str]) -> list[Dataset]:
    """Public datasets with these ids, in the order given (search hits keep their rank)."""
    if not ids:
        return []
    stmt = (
        public_datasets()
        .where(Dataset.id.in_(list(ids)))
        .options(selectinload(Dataset.distributions), selectinload(Dataset.department))
    )
    found = {d.id: d for d in session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


def newest_datasets(session: Session, limit: int = 8) -> list[Dataset]:
    stmt = (
        public_datasets()
        .order_by(Dataset.modified.desc().nulls_last(), Dataset.title)
        .limit(limit)
        .options(selectinload(Dataset.department), selectinload(Dataset.distributions))
    )
    return list(session.scalars(stmt))


def most_downloaded_datasets(session: Session, limit: int = 8) -> list[Dataset]:
    downloads = (
        select(Distribution.dataset_id, func.sum(Distribution.download_count).label("n"))
        .group_by(Distribution.dataset_id)
        .subquery()
    )
    stmt = (
        public_datasets()
        .join(downloads, downloads.c.dataset_id == Dataset.id)
        .where(downloads.c.n > 0)
        .order_by(downloads.c.n.desc(), Dataset.title)
        .limit(limit)
        .options(selectinload(Dataset.department), selectinload(Dataset.distributions))
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class CatalogTotals:
    datasets: int
    distributions: int
    departments: int
    downloads: int


def catalog_totals(session: Session) -> CatalogTotals:
    public = public_datasets().subquery()
    datasets = session.scalar(select(func.count()).select_from(public)) or 0
    dist = session.execute(
        select(
            func.count(Distribution.id), func.coalesce(func.sum(Distribution.download_count), 0)
        ).join(public, public.c.id == Distribution.dataset_id)
    ).one()
    departments = session.scalar(select(func.count(func.distinct(public.c.department_id)))) or 0
    return CatalogTotals(datasets, int(dist[0]), int(departments), int(dist[1]))


def category_counts(session: Session) -> dict[str, int]:
    public = public_datasets().subquery()
    rows = session.execute(
        select(public.c.category, func.count()).group_by(public.c.category)
    ).all()
    return {category: n for category, n in rows if category}


def departments_with_counts(session: Session) -> list[tuple[Department, int]]:
    public = public_datasets().subquery()
    counts = (
        select(public.c.department_id, func.count().label("n"))
        .group_by(public.c.department_id)
        .subquery()
    )
    stmt = (
        select(Department, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.department_id == Department.id)
        .order_by(func.coalesce(counts.c.n, 0).desc(), Department.name)
    )
    return [(dept, int(n)) for dept, n in session.execute(stmt).all()]


def get_department(session: Session, slug_or_id: str) -> Department | None:
    stmt = select(Department).where(Department.slug == slug_or_id)
    department = session.scalar(stmt)
    number = integer_id(slug_or_id) if department is None else None
    if number is not None:
        department = session.get(Department, number)
    return department


def public_keywords(session: Session) -> list[str]:
    keywords: set[str] = set()
    for row in session.scalars(
        select(Dataset.keywords).where(Dataset.state == PUBLISHED, Dataset.open_type != CLOSED)
    ):
        keywords.update(row or [])
    return sorted(keywords)


def public_distributions() -> Select[Distribution]:
    """Distributions of public datasets (what of each the public sees: catalog.access)."""
    public = public_datasets().with_only_columns(Dataset.id)
    return select(Distribution).where(Distribution.dataset_id.in_(public))


def format_counts(session: Session) -> list[tuple[str, int]]:
    """Formats of the public distributions, most used first."""
    public = public_datasets().with_only_columns(Dataset.id)
    rows = session.execute(
        select(Distribution.format, func.count())
        .where(Distribution.dataset_id.in_(public), Distribution.format.is_not(None))
        .group_by(Distribution.format)
    ).all()
    return sorted(((f, int(n)) for f, n in rows if f), key=lambda item: (-item[1], item[0]))

"""Create, update, publish and withdraw datasets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import conditions
from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.models import ARCHIVED, DRAFT, PUBLISHED, WITHDRAWN, Dataset, Department
from catalog.slugs import SLUG_PATTERN, slugify, unique_slug
from vocab import (
    categories,
    delivery_channels,
    divisions,
    frequencies,
    open_types,
    sensitivity,
    share_types,
)
from vocab.skos import ConceptScheme

# Fields whose values come from a controlled vocabulary: a notation or a label is accepted
# and the notation is stored.
CONTROLLED_FIELDS: dict[str, Callable[[], ConceptScheme]] = {
    "category": categories.scheme,
    "open_type": open_types.scheme,
    "share_type": share_types.scheme,
    "sensitivity": sensitivity.scheme,
    "delivery_channel": delivery_channels.scheme,
    "update_frequency": frequencies.scheme,
    "spatial": divisions.scheme,
}

EDITABLE_FIELDS = frozenset(
    {
        "title", "description", "department", "keywords", "category", "topic", "industry",
        "open_type", "access_conditions", "conditions", "share_type", "sensitivity", "service_item",
        "result_name", "is_e_licence", "source_system", "application_scenarios",
        "delivery_channel", "update_frequency", "spatial", "temporal_start", "temporal_end",
        "licence", "issued", "modified", "record_count", "contact_name", "contact_phone",
        "contact_email", "landing_page", "version", "identifier", "is_sample", "extras",
    }
)  # fmt: skip


def create_dataset(
    session: Session,
    *,
    title: str,
    department: Department | None,
    slug: str | None = None,
    id: str | None = None,
    taken: Callable[[str], bool] | None = None,
    flush: bool = True,
    **fields: Any,
) -> Dataset:
    """Add a draft dataset. Controlled values are checked against the vocabularies.

    ``taken`` tells whether a slug is in use (by default one SELECT per candidate); a bulk
    caller passes a cheaper check and ``flush=False`` to flush many datasets at once.
    """
    dataset = Dataset(title="", state=DRAFT, keywords=[], extras={})
    if id:
        dataset.id = id
    _apply(dataset, {"title": title, **fields})
    if slug is not None and not SLUG_PATTERN.match(slug):
        raise InvalidValue(f"not a valid slug: {slug!r}", code="invalid-slug", field="slug")
    dataset.department = department  # linked only once every value was accepted
    with session.no_autoflush:  # the half-built dataset must not be flushed by the check
        dataset.slug = unique_slug(
            slug or slugify(dataset.title), taken or (lambda s: _slug_taken(session, s))
        )
    session.add(dataset)
    if flush:
        session.flush()
    return dataset


def update_dataset(
    session: Session, dataset: Dataset, flush: bool = True, **fields: Any
) -> Dataset:
    _apply(dataset, fields)
    dataset.metadata_modified = utcnow()
    if flush:
        session.flush()
    return dataset


def publish_dataset(session: Session, dataset: Dataset, flush: bool = True) -> Dataset:
    dataset.state = PUBLISHED
    if dataset.issued is None:
        dataset.issued = utcnow()
    dataset.metadata_modified = utcnow()
    if flush:
        session.flush()
    return dataset


def archive_dataset(session: Session, dataset: Dataset, flush: bool = True) -> Dataset:
    """Hide a harvested dataset that left its source; archiving twice changes nothing."""
    if dataset.state != ARCHIVED:
        dataset.state = ARCHIVED
        dataset.metadata_modified = utcnow()
        if flush:
            session.flush()
    return dataset


def withdraw_dataset(session: Session, dataset: Dataset) -> Dataset:
    """Hide a dataset from the public catalog; it is kept, never deleted."""
    dataset.state = WITHDRAWN
    dataset.metadata_modified = utcnow()
    session.flush()
    return dataset


def _apply(dataset: Dataset, fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise InvalidValue(f"unknown dataset fields: {sorted(unknown)}", code="unknown-field")
    for name, value in fields.items():
        if name in CONTROLLED_FIELDS and value is not None:
            value = _controlled(name, value)
        elif name == "title":
            value = (value or "").strip()
            if not value:
                raise InvalidValue("a dataset needs a title", code="missing-title", field="title")
        elif name == "keywords":
            value = _keywords(value)
        elif name == "conditions":
            value = conditions.to_stored(value)
        setattr(dataset, name, value)


def _controlled(name: str, value: str) -> str:
    concept = CONTROLLED_FIELDS[name]().lookup(str(value))
    if concept is None:
        raise InvalidValue(
            f"{value!r} is not a known {name}", code=f"unknown-{name.replace('_', '-')}", field=name
        )
    return concept.notation


def _keywords(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").split(",")
    seen: dict[str, None] = {}
    for keyword in value:
        keyword = str(keyword).strip()
        if keyword:
            seen.setdefault(keyword[:100], None)
    return list(seen)


def _slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Dataset.id).where(Dataset.slug == slug)) is not None


__all__ = [
    "create_dataset",
    "update_dataset",
    "publish_dataset",
    "withdraw_dataset",
    "archive_dataset",
    "CONTROLLED_FIELDS",
    "PUBLISHED",
    "WITHDRAWN",
    "ARCHIVED",
]

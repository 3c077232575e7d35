"""Create and find departments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import InvalidValue
from catalog.models import Department
from catalog.slugs import slugify, unique_slug
from vocab import divisions

DEPARTMENT_FIELDS = frozenset(
    {"name_en", "description", "parent", "division", "phone", "email", "address", "homepage"}
)


def create_department(session: Session, name: str, **fields: Any) -> Department:
    name = (name or "").strip()
    if not name:
        raise InvalidValue("a department needs a name", code="missing-name", field="name")
    unknown = set(fields) - DEPARTMENT_FIELDS
    if unknown:
        raise InvalidValue(f"unknown department fields: {sorted(unknown)}", code="unknown-field")
    if "division" not in fields:
        found = divisions.division_for_text(name)
        fields["division"] = found.notation if found else None
    slug = unique_slug(slugify(name), lambda s: _slug_taken(session, s))
    department = Department(name=name, slug=slug, **fields)
    session.add(department)
    session.flush()
    return department


def get_or_create_department(session: Session, name: str, **fields: Any) -> Department:
    """The department called ``name``; created with ``fields`` when it does not exist yet."""
    existing = session.scalar(select(Department).where(Department.name == name.strip()))
    if existing is not None:
        return existing
    return create_department(session, name, **fields)


def _slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Department.id).where(Department.slug == slug)) is not None

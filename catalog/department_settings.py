"""What the platform administrator sets for a department: whether its publications need a
reviewer's approval, and the licence of its datasets that name none. Checked
(``departments.manage``) and recorded in the audit log; never commits."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from catalog.accounts.models import ADMIN
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.errors import NotFound
from catalog.licensing import set_department_licence
from catalog.models import Department
from catalog.permissions import Actor
from catalog.publishing.acts import CLI, ensure
from catalog.queries import get_department


def set_requires_review(
    session: Session, actor: Actor, slug: str, required: bool, origin: Origin = CLI
) -> Department:
    ensure(session, actor, "departments.manage", None)
    department = get_department(session, slug)
    if department is None:
        raise NotFound(f"no department {slug!r}", code="unknown-department", field="slug")
    department.requires_review = required
    session.flush()
    _record(session, actor, "department.review", department, origin, {"requires_review": required})
    return department


def set_default_licence(
    session: Session, actor: Actor, slug: str, licence: str | None, origin: Origin = CLI
) -> Department:
    """Set (``None``: clear, the platform's terms apply) the department's default licence."""
    ensure(session, actor, "departments.manage", None)
    department = set_department_licence(session, slug, licence)
    session.flush()
    change = {"default_licence": department.default_licence}
    _record(session, actor, "department.licence", department, origin, change)
    return department


def _record(
    session: Session,
    actor: Actor,
    action: str,
    department: Department,
    origin: Origin,
    change: Mapping[str, object],
) -> None:
    summary = ", ".join(f"{key}={value}" for key, value in change.items())
    record_act(
        session, actor, origin, action, role=ADMIN, object_type="department",
        object_id=department.slug, change=change, summary=summary,
    )  # fmt: skip

"""What a department's staff do to its catalog, checked and recorded.

Every act takes the session (never commits), the :class:`~catalog.permissions.Actor` and an
:class:`Origin` (request id, client address); it asks :func:`catalog.permissions.can` for the
dataset's department, refuses a harvested dataset (its source owns it), changes the catalog
through :mod:`catalog.services`, and appends one audit row. The search index, the SPARQL store,
validation and enrichment follow through the change log, as they follow a harvest.

Publication: a department with ``requires_review`` sends a publisher's dataset to ``pending``;
a reviewer of the department approves it (published) or returns it (draft). Elsewhere a
publisher publishes at once.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.accounts.models import RoleGrant, User
from catalog.accounts.users import grant_role
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.errors import CatalogError, InvalidValue, NotFound
from catalog.models import DRAFT, PENDING, PUBLISHED, WITHDRAWN, Dataset, Department, Distribution
from catalog.permissions import Actor, acting_departments, can
from catalog.publishing.content import detect_format
from catalog.services import datasets as dataset_services
from catalog.services import distributions as distribution_services
from catalog.storage import FileStore, StoredFile


class Forbidden(CatalogError):
    """The actor may not take this act (on this department)."""

    code = "forbidden"


class HarvestedReadOnly(CatalogError):
    """A harvested dataset is its source's: edit it there."""

    code = "harvested-read-only"


CLI = Origin()


def ensure(session: Session, actor: Actor, action: str, department_id: int | None) -> None:
    if not can(session, actor, action, department_id):
        raise Forbidden(f"not allowed: {action}")


def create_dataset(
    session: Session,
    actor: Actor,
    department: Department,
    fields: dict[str, Any],
    origin: Origin = CLI,
    *,
    slug: str | None = None,
    dataset_id: str | None = None,
) -> Dataset:
    """A new draft of ``department`` (``dataset_id``: keep the id another catalog gave it)."""
    ensure(session, actor, "dataset.create", department.id)
    fields = dict(fields)
    title = fields.pop("title", "")
    dataset = dataset_services.create_dataset(
        session, title=title, department=department, slug=slug, id=dataset_id, **fields
    )
    _record(session, actor, "dataset.create", dataset, origin, {"fields": sorted(fields)})
    return dataset


def edit_dataset(
    session: Session, actor: Actor, dataset: Dataset, fields: dict[str, Any], origin: Origin = CLI
) -> Dataset:
    """Change fields of a dataset of the actor's departments (moving it needs both ends)."""
    _editable(session, actor, dataset, "dataset.edit")
    department = fields.get("department")
    if department is not None and department is not dataset.department:
        ensure(session, actor, "dataset.edit", getattr(department, "id", None))
    dataset_services.update_dataset(session, dataset, **fields)
    _record(session, actor, "dataset.edit", dataset, origin, {"fields": sorted(fields)})
    return dataset


def publish_dataset(
    session: Session, actor: Actor, dataset: Dataset, origin: Origin = CLI
) -> Dataset:
    """Publish, or send for review where the department requires it."""
    _editable(session, actor, dataset, "dataset.publish")
    department = dataset.department
    reviewed = department is not None and department.requires_review
    if reviewed and not can(session, actor, "dataset.review", dataset.department_id):
        dataset.state = PENDING
        session.flush()
        _record(session, actor, "dataset.submit", dataset, origin)
        return dataset
    dataset_services.publish_dataset(session, dataset)
    _record(session, actor, "dataset.publish", dataset, origin)
    return dataset


def review_dataset(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    approve: bool,
    origin: Origin = CLI,
    reason: str | None = None,
) -> Dataset:
    """A reviewer approves a pending dataset (published) or returns it (draft)."""
    ensure(session, actor, "dataset.review", dataset.department_id)
    if dataset.state != PENDING:
        raise InvalidValue("the dataset is not waiting for review", code="not-pending")
    if approve:
        dataset_services.publish_dataset(session, dataset)
    else:
        dataset.state = DRAFT
        session.flush()
    action = "dataset.approve" if approve else "dataset.return"
    _record(session, actor, action, dataset, origin, {"reason": reason} if reason else None)
    return dataset


def withdraw_dataset(
    session: Session, actor: Actor, dataset: Dataset, origin: Origin = CLI
) -> Dataset:
    """Hide a dataset from the public catalog (kept, never deleted)."""
    _editable(session, actor, dataset, "dataset.withdraw")
    if dataset.state != WITHDRAWN:
        dataset_services.withdraw_dataset(session, dataset)
    _record(session, actor, "dataset.withdraw", dataset, origin)
    return dataset


def add_upload(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    store: FileStore,
    *,
    stream: BinaryIO,
    file_name: str,
    max_bytes: int,
    origin: Origin = CLI,
    **fields: Any,
) -> Distribution:
    """Store an uploaded file after checking that its content is what its name says."""
    _editable(session, actor, dataset, "dataset.edit")
    name, stored, fields["format"] = _store(store, stream, file_name, max_bytes)
    distribution = distribution_services.attach_distribution(
        session,
        dataset,
        title=fields.pop("title", None) or name,
        file_name=name,
        byte_size=stored.size,
        sha256=stored.sha256,
        **fields,
    )
    distribution.stored_file = stored.key
    session.flush()
    _record_upload(session, actor, distribution, stored, origin)
    return distribution


def replace_file(
    session: Session,
    actor: Actor,
    distribution: Distribution,
    store: FileStore,
    *,
    stream: BinaryIO,
    file_name: str,
    max_bytes: int,
    origin: Origin = CLI,
) -> Distribution:
    """Put a new uploaded file in place of a distribution's file (or link); its id stays."""
    dataset = distribution.dataset
    _editable(session, actor, dataset, "dataset.edit")
    name, stored, file_format = _store(store, stream, file_name, max_bytes)
    distribution.file_name = name
    distribution.stored_file = stored.key
    distribution.byte_size = stored.size
    distribution.sha256 = stored.sha256
    distribution.format = file_format
    distribution.media_type = None
    distribution.download_url = None
    dataset.metadata_modified = utcnow()
    session.flush()
    _record_upload(session, actor, distribution, stored, origin)
    return distribution


def _record_upload(
    session: Session, actor: Actor, distribution: Distribution, stored: StoredFile, origin: Origin
) -> None:
    _record(
        session, actor, "file.upload", distribution.dataset, origin,
        {"distribution": distribution.id, "sha256": stored.sha256, "size": stored.size},
    )  # fmt: skip


def _store(
    store: FileStore, stream: BinaryIO, file_name: str, max_bytes: int
) -> tuple[str, StoredFile, str | None]:
    """The file's own name, the stored file and its format as its content says."""
    name = PurePosixPath(file_name.replace("\\", "/")).name.strip()
    if not name:
        raise InvalidValue("a file needs a name", code="missing-file-name", field="file")
    stored = store.put(stream, max_bytes=max_bytes)
    return name, stored, detect_format(Path(store.path(stored.key)), name)


def add_link(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    *,
    title: str,
    origin: Origin = CLI,
    require_url: bool = True,
    **fields: Any,
) -> Distribution:
    """A distribution that points elsewhere (``download_url`` or ``access_url``); without
    ``require_url``, one whose address could not be taken is kept described, as a harvest
    keeps it."""
    _editable(session, actor, dataset, "dataset.edit")
    if require_url and not fields.get("download_url") and not fields.get("access_url"):
        raise InvalidValue("a link needs a URL", code="missing-url", field="download_url")
    distribution = distribution_services.attach_distribution(
        session, dataset, title=title, **fields
    )
    _record(session, actor, "file.link", dataset, origin, {"distribution": distribution.id})
    return distribution


def edit_distribution(
    session: Session,
    actor: Actor,
    distribution: Distribution,
    fields: dict[str, Any],
    origin: Origin = CLI,
) -> Distribution:
    """Change a distribution's description; its stored file and counter stay."""
    dataset = distribution.dataset
    _editable(session, actor, dataset, "dataset.edit")
    current = {
        name: getattr(distribution, name)
        for name in distribution_services.DISTRIBUTION_FIELDS - {"file_name"}
    }
    current.update(fields)
    title = current.pop("title", None) or distribution.title
    distribution_services.update_distribution(session, distribution, title=title, **current)
    _record(
        session, actor, "file.edit", dataset, origin,
        {"distribution": distribution.id, "fields": sorted(fields)},
    )  # fmt: skip
    return distribution


def remove_distribution(
    session: Session, actor: Actor, distribution: Distribution, origin: Origin = CLI
) -> None:
    dataset = distribution.dataset
    _editable(session, actor, dataset, "dataset.edit")
    dataset.distributions.remove(distribution)
    for position, kept in enumerate(dataset.distributions):
        kept.position = position
    session.flush()
    _record(session, actor, "file.remove", dataset, origin, {"distribution": distribution.id})


def replace_distributions(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    wanted: list[tuple[str | None, dict[str, Any]]],
    origin: Origin = CLI,
) -> list[Distribution]:
    """Make the dataset's distributions ``wanted`` (id or None, values), as CKAN's
    package_update does: a known id is edited in place (its file stays), a new one is a link,
    the others are removed."""
    _editable(session, actor, dataset, "dataset.edit")
    by_id = {d.id: d for d in dataset.distributions}
    kept: list[Distribution] = []
    for distribution_id, values in wanted:
        values = dict(values)
        existing = by_id.pop(distribution_id, None) if distribution_id else None
        if existing is not None:
            kept.append(edit_distribution(session, actor, existing, values, origin))
        else:
            title = values.pop("title", None) or values.get("download_url") or ""
            kept.append(
                add_link(
                    session, actor, dataset, title=title, origin=origin, require_url=False,
                    **values,
                )
            )  # fmt: skip
    for gone in by_id.values():
        remove_distribution(session, actor, gone, origin)
    for position, distribution in enumerate(kept):
        distribution.position = position
    session.flush()
    return kept


def add_member(
    session: Session,
    actor: Actor,
    user: User,
    role: str,
    department: Department,
    origin: Origin = CLI,
) -> RoleGrant:
    """Give ``user`` a department role (an administrator's act)."""
    ensure(session, actor, "department.members", department.id)
    grant = grant_role(session, user, role, department)
    audit.record(
        session,
        actor=actor.pseudonym,
        role="admin",
        action="role.grant",
        object_type="user",
        object_id=user.pseudonym,
        change={"role": role, "department": department.slug},
        summary=department.slug,
        request_id=origin.request_id,
        client_addr=origin.client_addr,
    )
    return grant


def visible_dataset(session: Session, actor: Actor, id_or_slug: str) -> Dataset | None:
    """The dataset of this id or slug if ``actor`` may see it: public, or of a department
    where the actor reads drafts."""
    dataset = session.scalar(
        select(Dataset).where(or_(Dataset.id == id_or_slug, Dataset.slug == id_or_slug))
    )
    if dataset is None or dataset.is_public:
        return dataset
    if can(session, actor, "dataset.read-draft", dataset.department_id):
        return dataset
    return None


WORKSPACE_PAGE = 100  # datasets listed per page of a workspace


def workspace(
    session: Session, actor: Actor, *, state: str | None = None, offset: int = 0
) -> list[Dataset]:
    """The datasets of the departments ``actor`` may read drafts of (every state), newest
    change first; ``state`` narrows to one state."""
    departments = acting_departments(session, actor, "dataset.read-draft")
    if not departments:
        return []
    query = select(Dataset).where(Dataset.department_id.in_(departments))
    if state is not None:
        query = query.where(Dataset.state == state)
    query = query.order_by(Dataset.metadata_modified.desc(), Dataset.id)
    return list(session.scalars(query.offset(max(0, offset)).limit(WORKSPACE_PAGE)))


def review_queue(session: Session, actor: Actor) -> list[Dataset]:
    """The pending datasets of the departments ``actor`` reviews, oldest submission first."""
    departments = acting_departments(session, actor, "dataset.review")
    if not departments:
        return []
    query = (
        select(Dataset)
        .where(Dataset.department_id.in_(departments), Dataset.state == PENDING)
        .order_by(Dataset.metadata_modified, Dataset.id)
    )
    return list(session.scalars(query))


def publishing_departments(session: Session, actor: Actor) -> list[Department]:
    """The departments ``actor`` may create datasets for, by name."""
    ids = acting_departments(session, actor, "dataset.create")
    if not ids:
        return []
    query = select(Department).where(Department.id.in_(ids)).order_by(Department.name)
    return list(session.scalars(query))


def staff_dataset(session: Session, actor: Actor, dataset_id: str) -> Dataset:
    """A dataset in any state, for staff who may read its department's drafts."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise NotFound("no such dataset")
    ensure(session, actor, "dataset.read-draft", dataset.department_id)
    return dataset


def staff_distribution(
    session: Session, actor: Actor, dataset_id: str, distribution_id: str
) -> Distribution:
    dataset = staff_dataset(session, actor, dataset_id)
    for distribution in dataset.distributions:
        if distribution.id == distribution_id:
            return distribution
    raise NotFound("no such file")


def submitter(session: Session, dataset: Dataset) -> User | None:
    """Who last sent ``dataset`` for review (from the audit log), if the account is live."""
    pseudonym = session.scalar(
        select(audit.AuditEntry.actor)
        .where(
            audit.AuditEntry.action == "dataset.submit",
            audit.AuditEntry.object_type == "dataset",
            audit.AuditEntry.object_id == dataset.id,
        )
        .order_by(audit.AuditEntry.seq.desc())
        .limit(1)
    )
    if pseudonym is None:
        return None
    user = session.scalar(select(User).where(User.pseudonym == pseudonym))
    return user if user is not None and user.active else None


def is_harvested(dataset: Dataset) -> bool:
    return dataset.harvest_record is not None


def _editable(session: Session, actor: Actor, dataset: Dataset, action: str) -> None:
    ensure(session, actor, action, dataset.department_id)
    if is_harvested(dataset):
        raise HarvestedReadOnly("a harvested dataset is edited at its source")
    if dataset.state not in (DRAFT, PENDING, PUBLISHED, WITHDRAWN):
        raise InvalidValue("this dataset cannot be changed", code="not-editable")


def _record(
    session: Session,
    actor: Actor,
    action: str,
    dataset: Dataset,
    origin: Origin,
    change: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor.pseudonym,
        role=_role_for(action),
        action=action,
        object_type="dataset",
        object_id=dataset.id,
        change={"state": dataset.state, **(change or {})},
        summary=dataset.slug,
        request_id=origin.request_id,
        client_addr=origin.client_addr,
    )


def _role_for(action: str) -> str:
    return "reviewer" if action in ("dataset.approve", "dataset.return") else "publisher"


__all__ = [
    "CLI",
    "Forbidden",
    "HarvestedReadOnly",
    "Origin",
    "add_link",
    "add_member",
    "add_upload",
    "create_dataset",
    "edit_dataset",
    "edit_distribution",
    "ensure",
    "is_harvested",
    "publish_dataset",
    "publishing_departments",
    "remove_distribution",
    "replace_distributions",
    "replace_file",
    "review_dataset",
    "visible_dataset",
    "review_queue",
    "submitter",
    "staff_dataset",
    "staff_distribution",
    "withdraw_dataset",
    "workspace",
]

"""What both write APIs (CKAN's actions in :mod:`portal.api.ckan_write`, REST in
:mod:`portal.api.v1_write`) share: finding a department by name or id, the one department
an actor publishes for, and storing an uploaded file through the publishing acts."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from catalog.models import Dataset, Department, Distribution
from catalog.permissions import Actor, acting_departments
from catalog.publishing import acts
from portal.auth import origin
from portal.db import services


def find_department(db: Session, key: str) -> Department | None:
    """The department of this slug, or of this numeric id."""
    found = db.scalar(select(Department).where(Department.slug == key))
    if found is None and key.isascii() and key.isdigit() and len(key) < 10:
        found = db.get(Department, int(key))
    return found


def only_department(db: Session, actor: Actor) -> Department | None:
    """The actor's department when it creates datasets for exactly one, else None."""
    mine = acting_departments(db, actor, "dataset.create")
    return db.get(Department, next(iter(mine))) if len(mine) == 1 else None


def store_upload(
    db: Session, actor: Actor, dataset: Dataset, upload: FileStorage, **fields: Any
) -> Distribution:
    """A new distribution of ``dataset`` holding the uploaded file (typed by its content)."""
    return acts.add_upload(
        db, actor, dataset, services().files,
        stream=upload.stream, file_name=upload.filename or "",
        max_bytes=current_app.config["MAX_UPLOAD_BYTES"], origin=origin(), **fields,
    )  # fmt: skip


def replace_upload(
    db: Session, actor: Actor, distribution: Distribution, upload: FileStorage
) -> Distribution:
    """Put the uploaded file in place of the distribution's file or link."""
    return acts.replace_file(
        db, actor, distribution, services().files,
        stream=upload.stream, file_name=upload.filename or "",
        max_bytes=current_app.config["MAX_UPLOAD_BYTES"], origin=origin(),
    )  # fmt: skip

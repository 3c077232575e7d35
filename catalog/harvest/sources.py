"""Harvest sources: add, find, list, and which are due. Service functions: they take a
session and never commit.

A source's name is part of its addresses (``/admin/harvest/<name>``) and of the command
line, so it is a word: 1 to 64 letters (Chinese ones too), digits, ``-`` or ``_``, starting
with a letter or digit (``nanning``, ``qinzhou-catalog``, ``柳州``); no ``/``, ``.``, space or
markup."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.db import integer_id
from catalog.errors import InvalidValue, NotFound
from catalog.harvest.models import (
    FREQUENCIES,
    KINDS,
    RUNNING,
    HarvestJob,
    HarvestRecord,
    HarvestSource,
)
from catalog.queries import get_department
from vocab import open_types

NAME = re.compile(r"[^\W_][\w-]{0,63}")
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "monthly": timedelta(days=30)}


def add_source(
    session: Session,
    *,
    name: str,
    kind: str,
    url: str,
    department: str | None = None,
    frequency: str = "manual",
    config: Mapping[str, Any] | None = None,
    allow_local: bool = False,
) -> HarvestSource:
    """Register a source. ``url`` must be http(s); a local path only with ``allow_local``
    (the command line allows it, the web pages do not). ``department`` is a slug: the
    publisher of records that name none."""
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise InvalidValue(
            "a source name is 1 to 64 letters, digits, '-' or '_', starting with a letter or digit",
            code="invalid-name",
            field="name",
        )
    if session.scalar(select(HarvestSource.id).where(HarvestSource.name == name)) is not None:
        raise InvalidValue(f"a source is already called {name!r}", code="name-taken", field="name")
    if kind not in KINDS:
        raise InvalidValue(
            f"the source type must be one of {', '.join(KINDS)}", code="unknown-kind"
        )
    if frequency not in FREQUENCIES:
        raise InvalidValue(
            f"the frequency must be one of {', '.join(FREQUENCIES)}", code="unknown-frequency"
        )
    url = (url or "").strip()
    if not _acceptable_location(url, allow_local):
        raise InvalidValue("the source must be an http(s) URL", code="invalid-url", field="url")
    department_row = None
    if department:
        department_row = get_department(session, department)
        if department_row is None:
            raise NotFound(f"no department {department!r}", code="unknown-department")
    config = dict(config or {})
    if config.get("open_type") is not None:
        # the open type of the source's records that state none: an explicit decision
        concept = open_types.open_type(str(config["open_type"]))
        if concept is None:
            raise InvalidValue(
                f"{config['open_type']!r} is not an open type", code="unknown-open-type"
            )
        config["open_type"] = concept.notation
    source = HarvestSource(
        name=name,
        kind=kind,
        url=url,
        department=department_row,
        frequency=frequency,
        config=config,
    )
    session.add(source)
    session.flush()
    return source


def get_source(session: Session, name_or_id: str | int) -> HarvestSource | None:
    found = session.scalar(select(HarvestSource).where(HarvestSource.name == str(name_or_id)))
    number = integer_id(name_or_id) if found is None else None
    if number is not None:
        found = session.get(HarvestSource, number)
    return found


@dataclass(frozen=True)
class SourceRow:
    source: HarvestSource
    last_job: HarvestJob | None
    datasets: int


def list_sources(session: Session) -> list[SourceRow]:
    """Every source with its latest job and how many datasets it provides."""
    sources = session.scalars(
        select(HarvestSource)
        .options(selectinload(HarvestSource.department))
        .order_by(HarvestSource.name)
    ).all()
    latest = _latest_jobs(session)
    counts = _dataset_counts(session)
    return [SourceRow(s, latest.get(s.id), counts.get(s.id, 0)) for s in sources]


def due_sources(session: Session, now: datetime) -> list[HarvestSource]:
    """Sources with a frequency whose last job started a period ago or more (or never ran),
    and that are not running now."""
    latest = _latest_jobs(session)
    due = []
    for source in session.scalars(select(HarvestSource).order_by(HarvestSource.id)):
        period = PERIODS.get(source.frequency)
        if period is None:
            continue
        job = latest.get(source.id)
        if job is None or (job.status != RUNNING and job.started_at + period <= now):
            due.append(source)
    return due


def _latest_jobs(session: Session) -> dict[int, HarvestJob]:
    newest = (
        select(HarvestJob.source_id, func.max(HarvestJob.id).label("job_id"))
        .group_by(HarvestJob.source_id)
        .subquery()
    )
    jobs = session.scalars(select(HarvestJob).join(newest, newest.c.job_id == HarvestJob.id))
    return {job.source_id: job for job in jobs}


def _dataset_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(HarvestRecord.source_id, func.count())
        .where(HarvestRecord.dataset_id.is_not(None), HarvestRecord.archived_at.is_(None))
        .group_by(HarvestRecord.source_id)
    )
    return {source_id: n for source_id, n in rows}


def _acceptable_location(url: str, allow_local: bool) -> bool:
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")):
        return len(url) > len("https://") and " " not in url
    if "://" in url or lowered.startswith(("file:", "ftp:", "data:")):
        return False
    return allow_local and bool(url)

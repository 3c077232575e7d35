"""Harvest-source changes and runs as acts of a person: checked (``harvest.manage``) and
recorded in the audit log. The pages and the command line both come through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from catalog.accounts.models import ADMIN
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.harvest.models import HarvestSource
from catalog.harvest.sources import add_source
from catalog.permissions import Actor
from catalog.publishing.acts import CLI, ensure


def add_source_as(
    session: Session, actor: Actor, origin: Origin = CLI, **fields: Any
) -> HarvestSource:
    """:func:`catalog.harvest.sources.add_source` (same keyword arguments) as an audited act."""
    ensure(session, actor, "harvest.manage", None)
    source = add_source(session, **fields)
    change = {
        "kind": source.kind,
        "url": source.url,
        "department": fields.get("department"),
        "frequency": source.frequency,
        "config": dict(source.config or {}),
    }
    record_act(
        session, actor, origin, "harvest.source-add", role=ADMIN, object_type="harvest-source",
        object_id=source.name, change=change, summary=source.url,
    )  # fmt: skip
    return source


def may_run(session: Session, actor: Actor) -> None:
    """Refuse (Forbidden) an actor who may not start a harvest."""
    ensure(session, actor, "harvest.manage", None)


def record_run(
    session: Session, actor: Actor, source: str, job_id: int, origin: Origin = CLI
) -> None:
    """The audit row of a job started by ``actor`` (written once the job exists)."""
    ensure(session, actor, "harvest.manage", None)
    record_act(
        session, actor, origin, "harvest.run", role=ADMIN, object_type="harvest-job",
        object_id=job_id, change={"source": source}, summary=source,
    )  # fmt: skip

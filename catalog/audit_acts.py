"""One audit row for an act of a person: the actor's pseudonym, the role acted in, and the
request it came from. The administration's service functions record through here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit import Origin
from catalog.permissions import Actor


def record_act(
    session: Session,
    actor: Actor,
    origin: Origin,
    action: str,
    *,
    role: str,
    object_type: str,
    object_id: str | int,
    change: Mapping[str, Any] | None = None,
    summary: str | None = None,
    now: datetime | None = None,
) -> audit.AuditEntry:
    return audit.record(
        session,
        actor=actor.pseudonym,
        role=role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        change=change,
        summary=summary,
        request_id=origin.request_id,
        client_addr=origin.client_addr,
        now=now,
    )

"""Masked, traceable delivery of a conditional file under a grant, and tracing a leaked copy.

:func:`prepare_delivery` asks :func:`catalog.access.active_grant` (the one rule), builds the
masking of the grant from the dataset's conditions and logs the delivery (a ``delivery`` row
and an audit row ``grant.deliver``) before a byte goes out; the page or API then streams
:meth:`Prepared.write` (or calls :func:`deliver`, which does both into a file-like target).
The stored original is only read.

The masking of a grant:

- only the grant's fields go out; every other column (or JSON key) is left out;
- each field's mask, with its parameters, becomes a rule of :mod:`catalog.masking.rules`
  (:meth:`catalog.conditions.ProvidedField.rule`): ``keep-ends`` keeps the first and last
  characters it states, ``pseudonym`` a keyed pseudonym under the grant's key
  (``grant_key(secret, grant.id)``), ``generalize`` to the year or the county-level
  division, ``drop`` leaves it out.

:func:`trace` names the grant (and its application) whose pseudonyms a leaked file holds.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import conditions
from catalog.access import active_grant
from catalog.accounts.models import APPLICANT
from catalog.applications.models import LINK, TOKEN, Application, Delivery, Grant
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.conditions import Conditions
from catalog.db import utcnow
from catalog.errors import CatalogError, InvalidValue
from catalog.masking import streams
from catalog.masking.rules import Rule, grant_key
from catalog.masking.trace import Candidate, TraceResult, trace_file
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor
from catalog.publishing.acts import CLI
from catalog.storage import FileStore

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {".zip": "application/zip", ".json": "application/json", ".xlsx": XLSX}


class NotGranted(CatalogError):
    """No active grant of the actor's covers this file now."""

    code = "no-active-grant"


def channel_grant(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    distribution: Distribution,
    now: datetime,
    allowed: Callable[[str | None], bool],
    refusal: str,
    grant_id: str | None = None,
) -> tuple[Grant, Conditions | None]:
    """The active grant (:func:`catalog.access.active_grant`) under which ``actor`` may have
    ``distribution`` now through a channel, and the conditions: NotGranted without one,
    InvalidValue ``wrong-channel`` (``refusal`` its text) when the dataset's stated channel
    is not ``allowed`` (``grant_id``: that grant only)."""
    grant = active_grant(session, actor, dataset, distribution, now, grant_id)
    if grant is None:
        raise NotGranted("no active grant covers this file")
    stated = conditions.of(dataset.conditions)
    if not allowed(stated.delivery_channel if stated is not None else None):
        raise InvalidValue(refusal, code="wrong-channel")
    return grant, stated


def grant_rules(stated: Conditions, fields: Collection[str]) -> dict[str, Rule]:
    """The rules of the provided fields a grant names."""
    rules = {}
    for provided in stated.fields:
        rule = provided.rule()
        if provided.name in fields and rule is not None:
            rules[provided.name] = rule
    return rules


def grant_masking(
    grant: Grant, dataset: Dataset, secret: bytes, delivery_id: str
) -> streams.Delivery:
    """How one copy under ``grant`` is masked; refused when the grant names no field."""
    stated = conditions.of(dataset.conditions)
    if stated is None or not grant.fields:
        raise InvalidValue("the grant names no field to deliver", code="no-granted-fields")
    return streams.Delivery(
        delivery_id,
        grant_rules(stated, grant.fields),
        grant_key(secret, grant.id),
        only=frozenset(grant.fields),
    )


@dataclass(frozen=True)
class Prepared:
    """A logged delivery, ready to stream: the file name and media type to offer."""

    record: Delivery
    grant: Grant
    masking: streams.Delivery
    kind: str  # csv, xlsx or json
    file_name: str
    media_type: str
    source_name: str

    def write(self, source: IO[bytes], target: IO[bytes]) -> None:
        """Stream the masked copy of the stored original ``source`` into ``target``."""
        if self.kind == "csv":
            streams.mask_csv_zip(source, target, self.masking, name=self.source_name)
        else:
            masker, _ = streams.MASKERS[self.kind]
            masker(source, target, self.masking)


def prepare_delivery(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    distribution: Distribution,
    *,
    secret: bytes,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Prepared:
    """Check the grant and log one delivery of ``distribution`` to ``actor`` (the channel is
    ``token`` for an API token, ``link`` for a browser session's signed link)."""
    now = now or utcnow()
    grant, _ = channel_grant(
        session, actor, dataset, distribution, now,
        lambda channel: channel not in conditions.IN_PORTAL_CHANNELS,
        "this dataset's data does not leave the portal: no file is delivered",
    )  # fmt: skip
    kind = (distribution.format or "").lower()
    if kind not in streams.MASKERS or not distribution.stored_file:
        raise InvalidValue("only stored CSV, XLSX and JSON files are delivered masked",
                           code="not-deliverable")  # fmt: skip
    delivery_id = "dlv-" + secrets.token_hex(12)
    masking = grant_masking(grant, dataset, secret, delivery_id)
    record = Delivery(
        id=delivery_id,
        grant_id=grant.id,
        distribution_id=distribution.id,
        at=now,
        channel=TOKEN if actor.scope is not None else LINK,
        format=kind,
    )
    session.add(record)
    session.flush()
    change = {"grant": grant.id, "distribution": distribution.id, "channel": record.channel}
    record_act(session, actor, origin, "grant.deliver", role=APPLICANT, object_type="delivery",
               object_id=delivery_id, change=change, summary=grant.application.reference,
               now=now)  # fmt: skip
    source_name = PurePosixPath(distribution.file_name or f"data.{kind}").name
    suffix = streams.MASKERS[kind][1]
    file_name = f"{PurePosixPath(source_name).stem}-{delivery_id}{suffix}"
    return Prepared(record, grant, masking, kind, file_name, MEDIA_TYPES[suffix], source_name)


def deliver(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    distribution: Distribution,
    store: FileStore,
    target: IO[bytes],
    *,
    secret: bytes,
    origin: Origin = CLI,
    now: datetime | None = None,
) -> Prepared:
    """:func:`prepare_delivery` and the masked copy written to ``target`` (its size logged
    when ``target`` can tell it)."""
    prepared = prepare_delivery(
        session, actor, dataset, distribution, secret=secret, origin=origin, now=now
    )
    assert distribution.stored_file is not None
    start = target.tell() if target.seekable() else None
    with store.path(distribution.stored_file).open("rb") as source:
        prepared.write(source, target)
    if start is not None:
        prepared.record.bytes = target.tell() - start
        session.flush()
    return prepared


@dataclass(frozen=True)
class Traced:
    result: TraceResult
    grant: Grant | None
    application: Application | None


def trace_candidates(session: Session, secret: bytes) -> list[Candidate]:
    """A candidate per grant ever made, keyed and with the rules it was masked by."""
    found = []
    rows = session.execute(select(Grant, Dataset).join(Dataset, Dataset.id == Grant.dataset_id))
    for grant, dataset in rows:
        stated = conditions.of(dataset.conditions)
        rules: Mapping[str, Rule] = {} if stated is None else grant_rules(stated, grant.fields)
        found.append(Candidate(grant.id, grant_key(secret, grant.id), rules))
    return found


def trace(session: Session, path: str | Path, secret: bytes) -> Traced:
    """The grant, and its application, that received the copy at ``path``, from its contents
    alone (its keyed pseudonyms); ``grant`` None when the file names none."""
    result = trace_file(path, trace_candidates(session, secret))
    grant = session.get(Grant, result.grant_id) if result.grant_id else None
    return Traced(result, grant, grant.application if grant is not None else None)

"""Readiness of a node: can it answer, and are its derived stores close to the database?

:func:`readiness` checks, without writing anything:

- ``database``: one ``SELECT 1``;
- ``change-log``: for each follower (the search index, the SPARQL store), how many change-log
  rows it has not applied yet (``lag``); a store that must be rebuilt (no position) or lags
  by more than ``max_lag`` rows is not ready; a store held by another process (which applies
  the log itself) is ready;
- ``files``: the file store's folder exists (or can be made) and is writable.

Liveness (the process answers at all) needs no check: a page that answers is alive.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from catalog.changes import log_head
from catalog.watch import Follower, StoreBusy


@dataclass
class Check:
    name: str
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Readiness:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "not-ready",
            "checks": [{"name": c.name, "ok": c.ok, **c.detail} for c in self.checks],
        }


def readiness(
    session_factory: sessionmaker,
    followers: Sequence[Follower],
    files_root: str | os.PathLike[str],
    max_lag: int,
) -> Readiness:
    checks = []
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
            head: int | None = log_head(session)
        checks.append(Check("database", True))
    except SQLAlchemyError as error:
        head = None
        checks.append(Check("database", False, {"error": type(error).__name__}))
    checks.extend(_follower_check(follower, head, max_lag) for follower in followers)
    checks.append(_files_check(Path(files_root)))
    return Readiness(checks)


def _follower_check(follower: Follower, head: int | None, max_lag: int) -> Check:
    name = f"change-log:{follower.name}"
    try:
        position = follower.position()
    except StoreBusy:
        return Check(name, True, {"held-by": "another process"})
    except Exception as error:  # an unreadable store: it is rebuilt by the next catch-up
        return Check(name, False, {"error": type(error).__name__})
    if head is None:
        return Check(name, False, {"position": position, "error": "no database"})
    if position is None:
        return Check(name, False, {"position": None, "head": head, "error": "to be rebuilt"})
    lag = max(head - position, 0)
    return Check(name, lag <= max_lag, {"position": position, "head": head, "lag": lag})


def _files_check(root: Path) -> Check:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return Check("files", False, {"error": type(error).__name__})
    return Check("files", os.access(root, os.W_OK), {})

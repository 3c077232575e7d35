"""The sandbox sessions of this process, shared by the pages and the API.

:func:`init_app` keeps one :class:`catalog.sandbox.service.Sessions` per application, sized by
``SANDBOX_SECONDS`` (a query's time limit), ``SANDBOX_MEMORY`` (a session's database) and
``SANDBOX_SESSIONS`` (sessions open at once; idle ones close after 15 minutes). Each process
of a multi-process server keeps its own: a session is a cache of masked tables, rebuilt from
the stored file wherever the next query lands, and the query log is in the database.
:func:`run` is the one way either asks a query: the grant is checked, the call counted at the
conditions' rate, the query run and logged.
"""

from __future__ import annotations

import atexit

from flask import Flask, current_app
from sqlalchemy.orm import Session

from catalog.audit import Origin
from catalog.db import utcnow
from catalog.errors import CatalogError
from catalog.permissions import Actor
from catalog.sandbox import service
from catalog.sandbox.engine import Limits
from portal.accounts.limits import spend_call
from portal.applications.delivering import masking_secret
from portal.db import services


class RateLimited(CatalogError):
    """Past the grant's calls a minute; ``retry_after`` seconds to wait."""

    code = "rate-limited"

    def __init__(self, retry_after: int):
        super().__init__("too many queries a minute under this grant", code=self.code)
        self.retry_after = retry_after


def init_app(app: Flask) -> None:
    limits = Limits(seconds=app.config["SANDBOX_SECONDS"], memory=app.config["SANDBOX_MEMORY"])
    sessions = service.Sessions(limits, most=app.config["SANDBOX_SESSIONS"])
    app.extensions["gxdata_sandboxes"] = sessions
    atexit.register(sessions.close)


def sessions() -> service.Sessions:
    found: service.Sessions = current_app.extensions["gxdata_sandboxes"]
    return found


def run(db: Session, actor: Actor, grant_id: str, sql: str, origin: Origin) -> service.Ran:
    """One query under the grant, counted at the rate (RateLimited past it), run, logged."""
    now = utcnow()
    opened = service.sandbox_grant(db, actor, grant_id, now)
    wait = spend_call("sandbox", opened.grant.id, opened.stated.call_rate)
    if wait is not None:
        raise RateLimited(wait)
    return service.run_query(
        db, actor, grant_id, sql, now, store=services().files, secret=masking_secret(),
        sessions=sessions(), origin=origin,
    )  # fmt: skip


def tables(db: Session, actor: Actor, grant_id: str) -> tuple[service.Opened, list[service.Table]]:
    return service.tables(db, actor, grant_id, utcnow(), store=services().files,
                          secret=masking_secret(), sessions=sessions())  # fmt: skip

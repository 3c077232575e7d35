"""The portal's handle on the catalog: engine, sessions, search engine, file store.

One :class:`CatalogServices` per app lives in ``app.extensions["gxdata"]``; a request gets
its own session through :func:`get_session`, closed at the end of the request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, make_session_factory
from catalog.indexing import IndexSync
from catalog.search import SearchIndexCorrupt, SearchSchemaOutdated, open_engine
from catalog.search.base import SearchEngine
from catalog.storage import FileStore
from exports.sparql import CatalogStore, StoreSync
from exports.sparql_gate import GateLimits, QueryGate

log = logging.getLogger(__name__)


@dataclass
class CatalogServices:
    engine: Engine
    session_factory: sessionmaker
    search: SearchEngine
    index_sync: IndexSync
    files: FileStore
    sparql: CatalogStore
    sparql_sync: StoreSync
    index_recreated: bool = False  # the index on disk was unreadable or outdated: rebuild it

    def close(self) -> None:
        self.sparql_sync.detach()
        self.sparql.close()
        self.index_sync.detach()
        self.search.close()
        self.engine.dispose()


def init_app(app: Flask) -> CatalogServices:
    engine = make_engine(app.config["DATABASE_URL"])
    session_factory = make_session_factory(engine)
    search, recreated = _open_search(app)
    limits = GateLimits(
        queue=app.config["SPARQL_QUEUE"], per_client=app.config["SPARQL_PER_CLIENT"]
    )
    sparql = CatalogStore(app.config["SPARQL_STORE"], app.config["BASE_URL"], QueryGate(limits))
    services = CatalogServices(
        engine=engine,
        session_factory=session_factory,
        search=search,
        index_sync=IndexSync(search, session_factory),
        files=FileStore(app.config["FILES"]),
        sparql=sparql,
        sparql_sync=StoreSync(sparql, session_factory),
        index_recreated=recreated,
    )
    app.extensions["gxdata"] = services
    app.teardown_appcontext(_close_session)
    return services


def _open_search(app: Flask) -> tuple[SearchEngine, bool]:
    """The search engine; an index that is corrupt or from an older schema is recreated
    empty (the serving commands then rebuild it from the database)."""
    kind, path = app.config["SEARCH_ENGINE"], app.config["SEARCH_INDEX"]
    try:
        return open_engine(kind, path), False
    except (SearchIndexCorrupt, SearchSchemaOutdated) as error:
        log.warning("search index at %s cannot be used (%s); recreating it", path, error)
        return open_engine(kind, path, recreate=True), True


def services() -> CatalogServices:
    return current_app.extensions["gxdata"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = services().session_factory()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()

"""Fixtures: ``app``, ``client``, ``runner`` and ``session`` on a fresh database each test;
``demo_app``/``demo_client``/``live_server`` on one demo catalog shared by the session.

The database is SQLite unless ``GXDATA_TEST_DATABASE_URL`` names another (PostgreSQL in CI):
each app then gets a fresh database created next to the named one and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from browsers import serving
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from network_guard import no_outside_network  # noqa: F401 - autouse: nothing beyond 127.0.0.1
from sources_server import SourceServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from catalog import migrate
from catalog.demo.loader import load_demo
from catalog.harvest.sources import add_source
from catalog.indexing import rebuild_index
from harvesters.base import HarvestReport, HarvestSettings
from harvesters.fetch import FetchLimits
from harvesters.run import run_source
from portal import create_app
from portal.db import CatalogServices

TEST_DATABASE_URL = os.environ.get("GXDATA_TEST_DATABASE_URL", "")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/reference is absent (it is only beside the project in development)")
    return SHARED


def _fresh_database(tmp: Path) -> Iterator[str]:
    if not is_postgres():
        yield f"sqlite:///{tmp / 'gxdata.db'}"
        return
    base = make_url(TEST_DATABASE_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _make_app(instance: Path, database_url: str, network: bool = False) -> Flask:
    """A test app; its network setting is off unless a test is marked ``network`` (and even
    then :mod:`network_guard` lets it reach 127.0.0.1 only)."""
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "BASE_URL": "http://gxdata.test",
            "NETWORK": network,
        }
    )
    migrate.upgrade(app.extensions["gxdata"].engine)
    return app


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    network = request.node.get_closest_marker("network") is not None
    for url in _fresh_database(tmp_path):
        application = _make_app(tmp_path / "instance", url, network)
        yield application
        application.extensions["gxdata"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def services(app: Flask) -> CatalogServices:
    return app.extensions["gxdata"]


@pytest.fixture
def session(services: CatalogServices) -> Iterator[Session]:
    with services.session_factory() as db_session:
        yield db_session


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The full demo catalog, loaded once; tests must not change it."""
    tmp = tmp_path_factory.mktemp("demo")
    for url in _fresh_database(tmp):
        application = _make_app(tmp / "instance", url)
        services = application.extensions["gxdata"]
        with services.session_factory() as db_session:
            with db_session.begin():
                load_demo(db_session, services.files, application.config["MAX_UPLOAD_BYTES"])
            rebuild_index(db_session, services.search)
        yield application
        services.close()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture(scope="session")
def live_server(demo_app: Flask) -> Iterator[str]:
    """The demo portal served over real HTTP on 127.0.0.1."""
    with serving(demo_app) as url:
        yield url


@pytest.fixture
def source_server() -> Iterator[SourceServer]:
    """A real HTTP server on 127.0.0.1 for harvest sources: files, faults and CKAN sites."""
    server = SourceServer()
    server.start()
    yield server
    server.stop()


# Harvest settings for tests: small limits and batches, so that paging and batching happen.
TEST_HARVEST = HarvestSettings(
    limits=FetchLimits(max_bytes=4 * 1024 * 1024, timeout=2.0, max_redirects=3),
    batch_size=40,
    allow_local=True,
)


@pytest.fixture
def new_source(services: CatalogServices) -> Callable[..., None]:
    """Register a harvest source: ``new_source(name, kind, url, **options)``."""

    def add(name: str, kind: str, url: str, **options: Any) -> None:
        with services.session_factory() as db_session, db_session.begin():
            add_source(db_session, name=name, kind=kind, url=url, allow_local=True, **options)

    return add


@pytest.fixture
def harvest(services: CatalogServices) -> Callable[..., HarvestReport]:
    """Run one job of a source: ``harvest(name, **settings)``."""

    def run(name: str, **settings: Any) -> HarvestReport:
        return run_source(services.session_factory, name, replace(TEST_HARVEST, **settings))

    return run

"""The ``gxdata`` commands. Each calls the same service functions as the web pages."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session
from waitress import serve

from catalog import migrate
from catalog.changes import log_bounds, positions, prune_log
from catalog.db import analyze_after_bulk
from catalog.demo.loader import demo_loaded, load_demo
from catalog.department_settings import set_default_licence
from catalog.drift import Drift, index_drift, repair
from catalog.errors import CatalogError
from catalog.permissions import system_actor
from catalog.search.base import SearchQuery
from catalog.watch import CatchUp, Following, StoreBusy
from exports.dcat.dump import catalog_document
from exports.formats import BY_SUFFIX
from exports.sparql import sparql_drift
from portal import quality
from portal.accounts.commands import create_demo_accounts, print_demo_accounts
from portal.db import services
from portal.harvest_commands import harvest_group
from portal.review.sweeps import SweepThread
from portal.stats import stats_flush_timer
from vocab.licences import PLATFORM_TERMS

NETWORK_OFF = (
    "演示不访问外部网络：不下载远程文件，不检查链接（设置 GXDATA_NETWORK=1 可开启）。\n"
    "The demo stays off the network: no remote file is fetched and no link is checked "
    "(set GXDATA_NETWORK=1 to allow it)."
)
NETWORK_ON = (
    "演示可以访问外部网络（GXDATA_NETWORK=1）：会下载远程文件并检查链接。\n"
    "The demo may use the network (GXDATA_NETWORK=1): remote files are fetched, links checked."
)

db_group = AppGroup("db", help="Database schema (alembic migrations).")
index_group = AppGroup("index", help="The search index.")
export_group = AppGroup("export", help="Export the catalog.")
sparql_group = AppGroup("sparql", help="The SPARQL endpoint's store.")
department_group = AppGroup("department", help="Departments (publishers).")
SERVER_THREADS = 8
PAGE_THREADS = 3  # threads SPARQL queries can never take


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the database schema."""
    migrate.upgrade(services().engine, revision)
    click.echo(f"database at revision {migrate.current_revision(services().engine)}")


@index_group.command("rebuild")
def index_rebuild() -> None:
    """Rebuild the search index from the database."""
    started = time.perf_counter()
    step = _rebuild(services().index_sync)
    click.echo(f"indexed {step.datasets} public datasets in {time.perf_counter() - started:.1f} s")


@export_group.command("dcat")
@click.option(
    "--format",
    "suffix",
    type=click.Choice([f.suffix for f in BY_SUFFIX.values() if f.streams]),
    default="ttl",
    show_default=True,
    help="Turtle, N-Triples or JSON-LD.",
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export_dcat(suffix: str, output: str) -> None:
    """Write the whole public catalog as DCAT-AP 3, streamed (memory does not grow)."""
    started = time.perf_counter()
    base_url = current_app.config["BASE_URL"]
    with services().session_factory() as session, open(output, "w", encoding="utf-8") as out:
        for piece in catalog_document(session, BY_SUFFIX[suffix], base_url, services().search):
            out.write(piece)
    click.echo(f"wrote {output} in {time.perf_counter() - started:.1f} s")


@sparql_group.command("rebuild")
def sparql_rebuild() -> None:
    """Reload the SPARQL store from the database and the vocabularies."""
    started = time.perf_counter()
    count = _rebuild(services().sparql_sync).datasets
    elapsed = time.perf_counter() - started
    click.echo(
        f"loaded {count} public datasets ({len(services().sparql)} triples) in {elapsed:.1f} s"
    )


def _rebuild(follower: Following) -> CatchUp:
    try:
        return follower.watcher.rebuild(follower)  # type: ignore[arg-type]
    except StoreBusy as busy:
        raise click.ClickException(f"{follower.name} is held by another process: {busy}") from busy


@department_group.command("set-licence")
@click.argument("slug")
@click.argument("licence", required=False)
@click.option("--clear", is_flag=True, help="Remove the default: the platform's terms apply.")
def department_set_licence(slug: str, licence: str | None, clear: bool) -> None:
    """Set the licence of a department's datasets that name none (e.g. CC-BY-4.0)."""
    if bool(licence) == clear:
        raise click.UsageError("give a LICENCE or --clear (not both)")
    try:
        with services().session_factory() as session, session.begin():
            department = set_default_licence(
                session, system_actor(), slug, None if clear else licence
            )
            chosen = department.default_licence
    except CatalogError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{slug}: {chosen or 'platform terms of use (' + PLATFORM_TERMS + ')'}")


@click.command("check")
@click.option("--dry-run", is_flag=True, help="Only report the differences; repair nothing.")
@with_appcontext
def check_command(dry_run: bool) -> None:
    """Compare the search index and the SPARQL store with the database, and repair them.

    Exit status 1 when a store differed from the database (even once repaired).
    """
    catalog = services()
    if not dry_run:
        catalog.index_sync.watcher.catch_up()
    drifted = False
    with catalog.session_factory() as session:
        for line in _log_lines(session):
            click.echo(line)
        found: list[tuple[Following, Drift]] = [
            (catalog.index_sync, index_drift(session, catalog.search))
        ]
        try:
            found.append((catalog.sparql_sync, sparql_drift(session, catalog.sparql)))
        except StoreBusy:
            click.echo("SPARQL store: held by another process (a running server); not checked")
        for follower, drift in found:
            for line in drift.lines():
                click.echo(line)
            if drift.drifted:
                drifted = True
                if not dry_run:
                    count = repair(session, follower, drift)
                    click.echo(f"  repaired {count} datasets in the {follower.name}")
    if not dry_run:
        with catalog.session_factory() as session, session.begin():
            pruned = prune_log(session, current_app.config["CHANGE_LOG_DAYS"])
        click.echo(f"pruned {pruned} change log rows")
    if drifted:
        raise SystemExit(1)


def _log_lines(session: Session) -> list[str]:
    bounds = log_bounds(session)
    lines = [f"change log: rows {bounds.first or 0}..{bounds.head}"]
    for row in positions(session):
        lines.append(f"  {row.name}: at {row.change_id} ({row.updated_at:%Y-%m-%d %H:%M:%S} UTC)")
    return lines


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo catalog (the real 2021 data.gxzf.gov.cn catalog and samples)."""
    _load_demo(force=True)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo_command(host: str, port: int) -> None:
    """Create the instance, migrate, load the demo catalog if needed, index and serve.
    On a database without accounts, one account of each role is made and printed.
    The demo stays off the network (no remote files, no link checks) unless GXDATA_NETWORK=1."""
    current_app.config["NETWORK"] = current_app.config["DEMO_NETWORK"]
    click.echo(NETWORK_ON if current_app.config["NETWORK"] else NETWORK_OFF)
    migrate.upgrade(services().engine)
    _load_demo(force=False)
    with services().session_factory() as session, session.begin():
        made = create_demo_accounts(session)
    print_demo_accounts(made)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    follow_address(app, host, port)
    _serve(app, host, port)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the portal with waitress (a production WSGI server)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    follow_address(app, host, port)
    _serve(app, host, port)


def follow_address(app: Flask, host: str, port: int) -> None:
    """Unless GXDATA_BASE_URL names the public address, URIs and links are minted on the
    host and port served (a wildcard host is reached on 127.0.0.1)."""
    if app.config.get("BASE_URL_FIXED"):
        return
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    base = f"http://{shown}:{port}"
    app.config["BASE_URL"] = base
    app.extensions["gxdata"].sparql.rebase(base)


def _load_demo(force: bool) -> None:
    """Load the demo catalog (idempotent); unless ``force``, skip it when it is there."""
    config = current_app.config
    started = time.perf_counter()
    with services().session_factory() as session, session.begin():
        if not force and demo_loaded(session):
            click.echo("demo catalog already loaded")
            return
        report = load_demo(session, services().files, config["MAX_UPLOAD_BYTES"])
    analyze_after_bulk(services().engine, report.datasets_added)
    for line in report.lines():
        click.echo(line)
    click.echo(f"loaded in {time.perf_counter() - started:.1f} s")


def _catch_up() -> None:
    """Bring the stores to the change log's head (a missing or outdated one is rebuilt)."""
    for name, step in services().index_sync.watcher.catch_up().items():
        if step.rebuilt:
            click.echo(f"{name}: rebuilt with {step.datasets} public datasets")
        elif step.start != step.end:
            click.echo(f"{name}: applied the change log {step.start}..{step.end}")


def _serve(app: Flask, host: str, port: int) -> None:
    _catch_up()
    loop = services().follow_loop
    loop.start()  # catches the stores up every GXDATA_FOLLOW_SECONDS
    services().search.search(SearchQuery(text="广西"))  # load the segmenter's dictionary now
    click.echo(f"广西公共数据开放平台: http://{host}:{port}/  (Ctrl+C to stop)")
    workers = quality.start_background_workers(app)  # validation and enrichment jobs
    if workers:
        click.echo(f"background workers: {len(workers)} (GXDATA_WORKER_THREADS)")
    sweeps = SweepThread(app)  # review reminders and grant expiry, hourly
    sweeps.start()
    hits = stats_flush_timer(app)  # writes the hit counts every GXDATA_STATS_FLUSH_SECONDS
    hits.start()
    try:
        serve(app, host=host, port=port, threads=server_threads(app), ident="gxdata")
    finally:
        hits.stop()
        sweeps.stop()
        quality.stop_background_workers(app)
        loop.stop()


def server_threads(app: Flask) -> int:
    """waitress's threads: SERVER_THREADS, and always PAGE_THREADS more than SPARQL queries
    may hold (each waiting or running query holds one)."""
    sparql = app.extensions["gxdata"].sparql.gate.capacity
    return max(SERVER_THREADS, sparql + PAGE_THREADS)


def register(cli: click.Group) -> None:
    commands = (db_group, index_group, export_group, sparql_group, load_demo_command,
                department_group)  # fmt: skip
    for command in (*commands, demo_command, serve_command, check_command):
        cli.add_command(command)
    cli.add_command(harvest_group)

"""``gxdata harvest …``: sources and jobs from the command line (the same service functions
as the administration pages). On the command line a source may be a local path."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from catalog.errors import CatalogError
from catalog.harvest.acts import add_source_as, record_run
from catalog.harvest.jobs import job_records, prune_job_records, source_jobs
from catalog.harvest.models import FREQUENCIES, KINDS, OUTCOMES
from catalog.harvest.sources import get_source, list_sources
from catalog.permissions import system_actor
from harvesters.base import HarvestReport
from harvesters.run import run_due, run_source
from portal import harvest_messages
from portal.db import services
from portal.harvesting import harvest_settings

harvest_group = AppGroup("harvest", help="Harvest other catalogs: sources and jobs.")
source_group = AppGroup("source", help="Harvest sources.")
harvest_group.add_command(source_group)


@source_group.command("add")
@click.option("--name", required=True, help="A name of your choice, unique.")
@click.option("--type", "kind", required=True, type=click.Choice(KINDS), help="Source kind.")
@click.option("--url", required=True, help="http(s) URL, or a local path.")
@click.option("--department", default=None, help="Slug of the department of records naming none.")
@click.option("--frequency", default="manual", show_default=True, type=click.Choice(FREQUENCIES))
@click.option("--organization", default=None, help="CKAN: harvest only this organization.")
@click.option(
    "--open-type",
    default=None,
    help="Open type of the records that state none (default: 有条件开放, files withheld).",
)
def source_add(
    name: str,
    kind: str,
    url: str,
    department: str | None,
    frequency: str,
    organization: str | None,
    open_type: str | None,
) -> None:
    """Add a harvest source."""
    config: dict[str, str] = {"organization": organization} if organization else {}
    if open_type:
        config["open_type"] = open_type
    with services().session_factory() as session:
        try:
            source = add_source_as(
                session, system_actor(), name=name, kind=kind, url=url, department=department,
                frequency=frequency, config=config, allow_local=True,
            )  # fmt: skip
            session.commit()
        except CatalogError as error:
            session.rollback()
            explained = harvest_messages.source_error(error)
            raise click.ClickException(f"{error.code}: {error.message}\n{explained}") from None
        click.echo(f"added source {source.name} ({source.kind}) {source.url}")


@source_group.command("list")
def source_list() -> None:
    """List the harvest sources with their last job."""
    with services().session_factory() as session:
        rows = list_sources(session)
        if not rows:
            click.echo("no harvest source")
        for row in rows:
            source, job = row.source, row.last_job
            last = (
                f"job {job.id} {job.status} {job.started_at:%Y-%m-%d %H:%M}" if job else "never run"
            )
            click.echo(
                f"{source.name}\t{source.kind}\t{source.frequency}\t{row.datasets} datasets\t"
                f"{last}\t{source.url}"
            )


@harvest_group.command("run")
@click.argument("name")
@click.option("--full", is_flag=True, help="Read every record, not only those changed.")
def harvest_run(name: str, full: bool) -> None:
    """Run a harvest job of the source NAME now, with a progress bar."""
    settings = harvest_settings(current_app.config, allow_local=True, full=full)
    with _ProgressBar() as bar:
        try:
            report = run_source(services().session_factory, name, settings, bar.update)
        except CatalogError as error:
            raise click.ClickException(f"{error.code}: {error.message}") from None
    _record_runs([(name, report)])
    _echo_report(name, report)
    if report.status != "succeeded":
        raise SystemExit(1)


@harvest_group.command("run-due")
def harvest_run_due() -> None:
    """Run every source whose frequency says it is due (for cron)."""
    settings = harvest_settings(current_app.config, allow_local=True)
    reports = run_due(services().session_factory, settings, _echo_report)
    _record_runs(reports)
    if not reports:
        click.echo("no source is due")
    if any(report.status != "succeeded" for _name, report in reports):
        raise SystemExit(1)


def _record_runs(reports: list[tuple[str, HarvestReport]]) -> None:
    """One audit row per job the command line ran (as a page's run has)."""
    with services().session_factory() as session, session.begin():
        for name, report in reports:
            if report.job_id is not None:
                record_run(session, system_actor(), name, report.job_id)


@harvest_group.command("jobs")
@click.argument("name")
@click.option("--limit", default=10, show_default=True, help="How many jobs, newest first.")
@click.option("--errors", is_flag=True, help="Also list the rejected records of the last job.")
def harvest_jobs(name: str, limit: int, errors: bool) -> None:
    """List the jobs of the source NAME with their counts."""
    with services().session_factory() as session:
        source = get_source(session, name)
        if source is None:
            raise click.ClickException(f"unknown-source: no harvest source {name!r}")
        jobs = source_jobs(session, source.id, limit)
        if not jobs:
            click.echo("never run")
        for job in jobs:
            finished = f"{job.finished_at:%Y-%m-%d %H:%M:%S}" if job.finished_at else "-"
            counts = ", ".join(f"{name} {getattr(job, name)}" for name in OUTCOMES)
            line = (
                f"job {job.id}\t{job.status}\t{job.started_at:%Y-%m-%d %H:%M:%S} -> {finished}\t"
                f"{counts}"
            )
            if job.error_code:
                line += f"\t{job.error_code}: {job.error_message}"
            click.echo(line)
        if errors and jobs:
            for record in job_records(session, jobs[0].id, ["failed"], limit=1000):
                codes = "; ".join(f"{e['code']}: {e['message']}" for e in record.errors)
                click.echo(f"  {record.remote_id}\t{record.title or ''}\t{codes}")


@harvest_group.command("prune")
@click.argument("name", required=False)
@click.option(
    "--keep",
    type=click.IntRange(min=0),
    default=None,
    help="Jobs whose record log is kept (default GXDATA_HARVEST_KEEP_JOBS; 0 keeps all).",
)
def harvest_prune(name: str | None, keep: int | None) -> None:
    """Delete the per-record log of older jobs of the source NAME, or of every source.

    The latest successful job's log is kept whatever its age; jobs keep their counts."""
    keep = current_app.config["HARVEST_KEEP_JOBS"] if keep is None else keep
    with services().session_factory() as session:
        if name is None:
            sources = [row.source for row in list_sources(session)]
        elif (source := get_source(session, name)) is not None:
            sources = [source]
        else:
            raise click.ClickException(f"unknown-source: no harvest source {name!r}")
        for source in sources:
            deleted = prune_job_records(session, source.id, keep)
            session.commit()
            kept = f"the last {keep} jobs and the latest successful one" if keep else "every job"
            click.echo(f"{source.name}: deleted {deleted} record rows; kept those of {kept}")


class _ProgressBar:
    """Click's progress bar over a job's stages: fetching (count unknown), then writing."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar: Any = None
        self.done = 0

    def update(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage:
            self._close()
            self.stage, self.done = stage, 0
            if stage == "write" and total:
                self.bar = click.progressbar(length=total, label="writing ", show_pos=True)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.done)
        elif stage == "fetch":
            click.echo(f"\rfetching: {done} records", nl=False, err=True)
        self.done = done

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        elif self.stage == "fetch":
            click.echo("", err=True)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._close()


def _echo_report(name: str, report: HarvestReport) -> None:
    counts = ", ".join(f"{key} {value}" for key, value in report.counts.items())
    click.echo(f"{name}: job {report.job_id} {report.status}: {counts}")
    if report.error_code:
        click.echo(f"  {report.error_code}: {report.error_message}")

"""The quality commands: validate, enrich, check links, run the worker, keep statistics.

Each calls the same catalog functions as the background worker; each commits per dataset, so
an interrupted run keeps what it finished. ``--no-network`` (or ``GXDATA_NETWORK=0``) keeps
every command off the network: remote files are not fetched and links are not checked.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.db import utcnow
from catalog.licensing import licence_sources
from catalog.models import Dataset, Distribution
from catalog.quality import jobs
from catalog.quality.enrichment import STEP_NAMES, enrich_dataset
from catalog.quality.figures import (
    OpennessFigures,
    last_complete_quarter,
    parse_quarter,
    take_snapshot,
)
from catalog.quality.links import check_links, urls_of
from catalog.quality.models import ValidationReport
from catalog.quality.ratios import KINDS
from catalog.quality.validate import validate_distribution, validate_path
from catalog.quality.validation import TableReport, is_tabular
from catalog.quality.worker import Worker
from portal.db import services
from portal.quality import compute_figures, enrich_context, limits

stats_group = AppGroup("stats", help="Openness ratios and quality figures.")
no_network = click.option(
    "--no-network", is_flag=True, help="Fetch no remote file and check no link."
)


@click.command("validate")
@click.argument("targets", nargs=-1)
@click.option("--pending", is_flag=True, help="Run the queued validation jobs.")
@click.option("--format", "fmt", help="Format of a FILE (default: from its extension).")
@click.option(
    "--engine",
    type=click.Choice(["auto", "fast", "frictionless"]),
    default="auto",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@no_network
@with_appcontext
def validate_command(
    targets: tuple[str, ...],
    pending: bool,
    fmt: str | None,
    engine: str,
    as_json: bool,
    no_network: bool,
) -> None:
    """Validate tables: DATASET (id, slug or identifier) stores reports; FILE only prints one.

    Exits with status 1 when a table is invalid.
    """
    if not targets and not pending:
        raise click.UsageError("name a DATASET or FILE, or use --pending")
    invalid = False
    if pending:
        outcomes = Worker(
            services().session_factory, enrich_context(network=not no_network), [jobs.VALIDATE]
        ).run()
        click.echo(f"validation jobs run: {len(outcomes)}")
        invalid |= any(o.result.get("valid") is False for o in outcomes)
    for target in targets:
        path = Path(target)
        if path.is_file():
            chosen = (fmt or path.suffix.lstrip(".")).upper()
            report = validate_path(path, chosen, engine=engine)
            _print_report(target, report, as_json)
            invalid |= not report.valid
        else:
            invalid |= _validate_dataset(target, engine, as_json, no_network)
    if invalid:
        sys.exit(1)


def _validate_dataset(target: str, engine: str, as_json: bool, no_network: bool) -> bool:
    with services().session_factory() as session:
        with session.begin():
            dataset = _find_dataset(session, target)
            ids = [d.id for d in dataset.distributions if is_tabular(d.format)]
        invalid = False
        for distribution_id in ids:  # one transaction per table
            with session.begin():
                distribution = session.get(Distribution, distribution_id)
                assert distribution is not None
                row = validate_distribution(
                    session,
                    services().files,
                    distribution,
                    limits(network=not no_network),
                    engine=engine,
                )
                if row is None:
                    click.echo(f"{distribution.title}: no file to validate")
                    continue
                _print_stored(distribution, row, as_json)
                invalid |= not row.valid
        return invalid


def _print_report(label: str, report: TableReport, as_json: bool) -> None:
    if as_json:
        data = {
            "file": label,
            "valid": report.valid,
            "engine": report.engine,
            "encoding": report.encoding,
            "stats": report.stats,
            "error_counts": report.error_counts,
            "errors": [e.to_dict() for e in report.errors],
            "problem": report.problem,
        }
        click.echo(json.dumps(data, ensure_ascii=False, default=str))
        return
    state = "valid" if report.valid else f"INVALID ({report.problem or report.error_count})"
    rows = report.stats.get("rows")
    click.echo(
        f"{label}: {state}; {report.format}, {report.encoding or '-'}, {rows} rows, "
        f"{report.stats.get('seconds')} s, engine {report.engine}"
    )
    for error in report.errors[:20]:
        click.echo(
            f"  {error.type} row {error.row_number} field {error.field_number}: {error.note}"
        )
    if len(report.errors) > 20:
        click.echo(f"  … {report.error_count - 20} more: {report.error_counts}")


def _print_stored(distribution: Distribution, row: ValidationReport, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "distribution": distribution.id,
                    "title": distribution.title,
                    "valid": row.valid,
                    "problem": row.problem,
                    "error_counts": row.error_counts,
                    "stats": row.stats,
                },
                ensure_ascii=False,
            )
        )
        return
    state = "valid" if row.valid else f"INVALID ({row.problem or row.error_count})"
    click.echo(f"{distribution.title}: {state} {row.error_counts or ''}")


def _find_dataset(session: Session, target: str) -> Dataset:
    dataset = session.scalar(
        select(Dataset)
        .where(or_(Dataset.id == target, Dataset.slug == target, Dataset.identifier == target))
        .options(selectinload(Dataset.distributions))
    )
    if dataset is None:
        raise click.BadParameter(f"no file and no dataset named {target!r}")
    return dataset


@click.command("enrich")
@click.argument("datasets", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every dataset of the catalog.")
@click.option(
    "--step", "steps", multiple=True, type=click.Choice(STEP_NAMES), help="Only these steps."
)
@no_network
@with_appcontext
def enrich_command(
    datasets: tuple[str, ...], everything: bool, steps: tuple[str, ...], no_network: bool
) -> None:
    """Run the enrichment pipeline on DATASETS (or --all) and print what it inferred."""
    if not datasets and not everything:
        raise click.UsageError("name a DATASET or use --all")
    context = enrich_context(network=not no_network)
    started = time.perf_counter()
    totals: Counter[str] = Counter()
    with services().session_factory() as session:
        with session.begin():
            ids = (
                list(session.scalars(select(Dataset.id).order_by(Dataset.id)))
                if everything
                else [_find_dataset(session, target).id for target in datasets]
            )
        session.info[jobs.QUIET] = True  # this run does the enrichment the jobs would
        for dataset_id in ids:
            with session.begin():
                dataset = session.get(Dataset, dataset_id)
                assert dataset is not None
                report = enrich_dataset(session, dataset, context, steps or None)
            totals.update(report.summary())
            if datasets:
                click.echo(f"{dataset.title}: {report.summary() or 'nothing to infer'}")
    click.echo(
        f"enriched {len(ids)} datasets in {time.perf_counter() - started:.1f} s; "
        + (", ".join(f"{step}: {count}" for step, count in sorted(totals.items())) or "no change")
    )


@click.command("check-links")
@click.argument("datasets", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every link of the catalog.")
@click.option("--timeout", type=float, help="Seconds for one link (default GXDATA_LINK_TIMEOUT).")
@click.option("--max-age-hours", type=float, default=168, show_default=True)
@no_network
@with_appcontext
def check_links_command(
    datasets: tuple[str, ...],
    everything: bool,
    timeout: float | None,
    max_age_hours: float,
    no_network: bool,
) -> None:
    """Check the access and download links of DATASETS (or --all), each URL once."""
    if not datasets and not everything:
        raise click.UsageError("name a DATASET or use --all")
    reach = limits(network=not no_network)
    if timeout is not None:
        reach = replace(reach, timeout=timeout)
    with services().session_factory() as session:
        with session.begin():
            if everything:
                distributions = list(session.scalars(select(Distribution)))
            else:
                distributions = [
                    d for target in datasets for d in _find_dataset(session, target).distributions
                ]
            urls = urls_of(distributions)
        if not reach.network:
            click.echo(f"network disabled: {len(urls)} URLs not checked")
            return
        started = time.perf_counter()
        with session.begin():
            checked = check_links(session, urls, reach, timedelta(hours=max_age_hours))
        for check in checked:
            state = f"ok {check.status_code}" if check.ok else (check.problem or "failed")
            click.echo(f"{state:>14}  {check.elapsed_ms} ms  {check.url}")
        click.echo(
            f"checked {len(checked)} of {len(urls)} URLs in {time.perf_counter() - started:.1f} s "
            f"(the others were checked within {max_age_hours:g} hours)"
        )


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs, then stop.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(jobs.KINDS))
@click.option("--poll", type=float, default=5.0, show_default=True, help="Seconds between polls.")
@no_network
@with_appcontext
def worker_command(once: bool, kinds: tuple[str, ...], poll: float, no_network: bool) -> None:
    """Run background jobs: validation, enrichment and link checks."""
    worker = Worker(
        services().session_factory, enrich_context(network=not no_network), kinds or jobs.KINDS
    )
    with services().session_factory() as session:
        click.echo(f"queued: {jobs.pending_counts(session) or 'nothing'}")
    total = 0
    try:
        while True:
            outcomes = worker.run()
            total += len(outcomes)
            for kind, count in sorted(Counter(o.kind for o in outcomes).items()):
                failed = sum(1 for o in outcomes if o.kind == kind and not o.ok)
                click.echo(f"{kind}: {count} run, {failed} failed")
            if current_app.extensions["gxdata_quality"].refresher.refresh(force=once and total > 0):
                click.echo("openness figures recomputed")
            if once:
                break
            time.sleep(poll)
    except KeyboardInterrupt:  # Ctrl+C between two jobs: each finished job is committed
        click.echo("stopped")
    click.echo(f"{total} jobs run")


@stats_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@with_appcontext
def stats_show(as_json: bool) -> None:
    """Print the openness ratios and quality figures of the catalog."""
    figures = compute_figures()
    with services().session_factory() as session:
        sources = licence_sources(session)
    if as_json:
        click.echo(json.dumps(figures.to_dict() | {"licences": sources}, ensure_ascii=False))
        return
    for line in summary_lines(figures):
        click.echo(line)
    click.echo(licence_line(sources))


def licence_line(sources: dict[str, int]) -> str:
    """Where public datasets take their licence from (catalog.licensing)."""
    return (
        f"licences: own {sources['dataset']}, department default {sources['department']}, "
        f"only the platform's terms of use {sources['platform']}"
    )


@stats_group.command("snapshot")
@click.option("--quarter", help="e.g. 2026Q3 (default: the last complete quarter).")
@with_appcontext
def stats_snapshot(quarter: str | None) -> None:
    """Keep today's figures as those of a quarter."""
    quarter = (quarter or last_complete_quarter(_today())).upper()
    try:
        parse_quarter(quarter)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    figures = compute_figures()
    with services().session_factory() as session, session.begin():
        count = take_snapshot(session, figures, quarter)
    click.echo(f"snapshot {quarter}: {count} groups kept")


def summary_lines(figures: OpennessFigures) -> list[str]:
    catalog = figures.catalog
    ratios = catalog.ratios
    lines = [f"datasets {ratios.datasets}, distributions {ratios.distributions}"]
    for kind in KINDS:
        lines.append(
            f"{kind:<17} datasets {100 * ratios.ratio(kind, 'datasets'):5.1f} %   "
            f"distributions {100 * ratios.ratio(kind, 'distributions'):5.1f} %"
        )
    lines.append(f"quality score (MQA) mean {catalog.mqa_mean or 0:.1f} / 405 ({catalog.band})")
    lines.append(
        "  " + ", ".join(f"{name} {value:.1f}" for name, value in catalog.dimensions.items())
    )
    meeting = sum(1 for g in figures.departments if g.meets_target)
    lines.append(
        f"data quality index mean {catalog.dqi_mean or 0:.1f} %; datasets at 80 % or more: "
        f"{catalog.datasets_meeting} of {ratios.datasets}; departments: {meeting} of "
        f"{len(figures.departments)}"
    )
    lines.append(
        "  "
        + ", ".join(
            f"{name} {'n/a' if value is None else f'{value:.1f}'}"
            for name, value in catalog.components.items()
        )
    )
    return lines


def _today() -> date:
    return utcnow().date()


def register(cli: click.Group) -> None:
    for command in (
        validate_command,
        enrich_command,
        check_links_command,
        worker_command,
        stats_group,
    ):
        cli.add_command(command)

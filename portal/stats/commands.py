"""``gxdata stats quarterly``: a quarter's figures as CSV, JSON or Turtle (the same text as the
downloads of ``/stats``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.stats.quarters import current
from exports.datacube import to_turtle
from exports.quarterly import to_csv, to_json
from portal.stats import figures_for


@click.command("quarterly")
@click.option("--quarter", help="e.g. 2026Q3 (default: the current quarter).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "ttl"]), default="csv", show_default=True
)
@with_appcontext
def quarterly_command(quarter: str | None, fmt: str) -> None:
    """Print a quarter's figures; an ended quarter is frozen the first time it is asked for."""
    try:
        figures = figures_for(quarter or current(utcnow()).code)
    except InvalidValue as error:
        raise click.BadParameter(str(error), param_hint="--quarter") from error
    if fmt == "csv":
        text = to_csv(figures)
    elif fmt == "json":
        text = to_json(figures)
    else:
        text = to_turtle(figures, current_app.config["BASE_URL"])
    click.echo(text, nl=False)


def register(cli: click.Group) -> None:
    """Add ``quarterly`` to the ``stats`` group (portal/quality_commands.py makes it)."""
    group = cli.commands.get("stats")
    if not isinstance(group, click.Group):
        raise RuntimeError("the stats command group must be registered first")
    group.add_command(quarterly_command)

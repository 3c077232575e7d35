"""``gxdata versions record``: the first version of every public dataset that has none."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from catalog.versions.models import CLI
from catalog.versions.recording import record_unversioned
from portal.db import services

versions_group = AppGroup("versions", help="Versions of datasets.")


@versions_group.command("record")
def record_command() -> None:
    """Record the first version of each public dataset published before versions existed."""
    with services().session_factory() as session, session.begin():
        count = record_unversioned(session.connection(), CLI)
    click.echo(f"recorded the first version of {count} datasets")


def register(cli: click.Group) -> None:
    cli.add_command(versions_group)

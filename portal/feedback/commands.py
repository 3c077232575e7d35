"""``gxdata feedback close-expired``: close every problem report whose feedback is 7 days old
without an answer from the reporter (the pages settle what they show too)."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup

from catalog.db import utcnow
from catalog.feedback import acts
from portal.db import services

feedback_group = AppGroup("feedback", help="The data-quality loop (problem reports).")


def close_expired(now: datetime) -> int:
    """Close the expired reports in a transaction of their own; how many (the sweeps call it)."""
    with services().session_factory() as session, session.begin():
        return acts.close_expired(session, now)


@feedback_group.command("close-expired")
@click.option(
    "--now",
    "now",
    type=click.DateTime(),
    default=None,
    help="The time to act at (UTC, e.g. 2026-10-20T01:00:00); the clock by default.",
)
def close_expired_command(now: datetime | None) -> None:
    """Close the reports whose correction was published 7 days ago and not answered."""
    click.echo(f"closed {close_expired(now or utcnow())} problem reports")


def init_app(app: Flask) -> None:
    app.cli.add_command(feedback_group)

"""``gxdata audit``: check the hash chain of the audit log, and export it as CSV."""

from __future__ import annotations

import csv
import sys

import click
from flask.cli import AppGroup

from catalog import audit, audit_log
from catalog.permissions import system_actor
from portal.db import services

audit_group = AppGroup("audit", help="The audit log (hash-chained, append-only).")
REASONS = {
    "edited": "the row was changed after it was written",
    "missing": "a row before it was removed",
    "reordered": "it does not follow the row before it",
    "truncated": "rows at the end were removed",
}


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every row's hash and its link to the previous row; exit 1 at the first break."""
    with services().session_factory() as session:
        result = audit.verify(session)
    if result.ok:
        click.echo(f"audit log intact: {result.checked} rows checked")
        return
    reason = result.reason or "broken"
    click.echo(f"audit log broken: {result.checked} rows checked", err=True)
    click.echo(
        f"first broken row: seq {result.broken_seq} ({reason}: {REASONS.get(reason, reason)})",
        err=True,
    )
    sys.exit(1)


@audit_group.command("export")
@click.option(
    "--csv", "path", type=click.Path(dir_okay=False, writable=True), required=True,
    help="The CSV file to write (UTF-8; times in Beijing time).",
)  # fmt: skip
def audit_export(path: str) -> None:
    """Write the whole audit log, oldest row first, as CSV."""
    count = -1
    with (
        services().session_factory() as session,
        open(path, "w", encoding="utf-8-sig", newline="") as out,
    ):
        writer = csv.writer(out)
        for row in audit_log.csv_rows(session, system_actor(), audit_log.AuditFilter()):
            writer.writerow(row)
            count += 1
    click.echo(f"wrote {count} rows to {path}")

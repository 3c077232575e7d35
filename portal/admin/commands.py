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


def _anchor(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise click.BadParameter("give SEQ:HASH as an earlier verify printed it")
    return int(seq), digest


@audit_group.command("verify")
@click.option(
    "--head", "anchor", metavar="SEQ:HASH", callback=_anchor,
    help="A head printed by an earlier verify and kept elsewhere: the row must still have it.",
)  # fmt: skip
def audit_verify(anchor: tuple[int, str] | None) -> None:
    """Check every row's hash and its link to the previous row; exit 1 at the first break.

    The head it prints (sequence number and hash of the last row) can be kept outside the
    database: ``--head`` then also finds a log rewritten from some row to its end."""
    with services().session_factory() as session:
        result = audit.verify(session)
        head = audit.head(session)
        kept = audit.hash_at(session, anchor[0]) if anchor else None
    if result.ok and anchor and kept != anchor[1]:
        click.echo(f"audit log rewritten: row {anchor[0]} no longer has the hash kept", err=True)
        sys.exit(1)
    if result.ok:
        click.echo(f"audit log intact: {result.checked} rows checked")
        click.echo(f"head: {head[0]}:{head[1]}")
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
    with services().session_factory() as session, session.begin():  # the export is an act
        audit.record(session, actor="cli", role="admin", action="audit.export",
                     object_type="audit-log", object_id="csv", summary=path[-500:])  # fmt: skip
    click.echo(f"wrote {count} rows to {path}")

"""``gxdata applications`` (remind, expire, list) and ``gxdata trace FILE``.

The same service functions as the pages decide; the commands act as the portal itself
(``system`` in the history, ``cli`` as the request id of the audit rows). ``--now`` (naive
UTC, ISO 8601) replaces the clock, to catch up on a day missed or to test.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.accounts.models import User
from catalog.applications import oversight
from catalog.applications.delivery import Traced, trace
from catalog.applications.models import Delivery
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.errors import CatalogError
from catalog.permissions import system_actor
from catalog.workdays import beijing_day
from portal.applications.delivering import masking_secret
from portal.db import services
from portal.review import sweeps

applications_group = AppGroup("applications", help="Applications for conditional data.")
CLI_ORIGIN = Origin(request_id="cli")
NOW_OPTION = click.option(
    "--now", "now", type=click.DateTime(), default=None,
    help="The time to act at (UTC, e.g. 2026-03-02T01:00:00); the clock by default.",
)  # fmt: skip


@applications_group.command("remind")
@NOW_OPTION
def remind_command(now: datetime | None) -> None:
    """Mail the reviewers of each application two working days before its review limit,
    once per (re)submission, and the reviewers and grantee of each overdue usage report, once
    per due period; prints how many were reminded."""
    now = now or utcnow()
    reminded, mails = sweeps.remind(now)
    click.echo(f"reminded {reminded} applications ({mails} mails)")
    reports, report_mails = sweeps.remind_reports(now, CLI_ORIGIN)
    click.echo(f"reminded {reports} overdue usage reports ({report_mails} mails)")


@applications_group.command("expire")
@NOW_OPTION
def expire_command(now: datetime | None) -> None:
    """Expire every active grant whose period of use has ended; prints how many."""
    click.echo(f"expired {sweeps.expire(now or utcnow(), CLI_ORIGIN)} grants")


@applications_group.command("list")
@click.option("--overdue", is_flag=True, help="Only reviews past their limit.")
@click.option("--state", default=None, help="Only applications in this state (e.g. submitted).")
@NOW_OPTION
def list_command(overdue: bool, state: str | None, now: datetime | None) -> None:
    """List applications (all but drafts), the nearest review limit first."""
    filters = oversight.ListFilter(state=state, overdue=overdue)
    try:
        with services().session_factory() as session:
            rows = oversight.listing(session, system_actor(), beijing_day(now or utcnow()), filters)
            for row in rows:
                limit = "" if row.limit is None else row.limit.day.isoformat()
                limit += " (estimated)" if row.limit and row.limit.estimated else ""
                flag = "OVERDUE" if row.overdue else ""
                click.echo("\t".join((row.application.reference, row.application.state,
                                      limit or "-", flag, row.dataset.title)))  # fmt: skip
    except CatalogError as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error
    click.echo(f"{len(rows)} applications")


@click.command("trace")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def trace_command(file: str) -> None:
    """Name the grant that received FILE, a leaked copy, from its keyed pseudonyms alone
    (partial, reordered or stripped of its delivery identifier); exit 1 if none matches."""
    secret = masking_secret()
    with services().session_factory() as session, session.begin():
        try:
            found = trace(session, file, secret)
        except (CatalogError, ValueError, OSError) as error:
            raise click.ClickException(f"cannot read {file}: {error}") from error
        grant = found.grant
        audit.record(session, actor="cli", role="admin", action="grant.trace",
                     object_type="grant", object_id=grant.id if grant else "none",
                     summary=file[-500:], request_id="cli")  # fmt: skip
        lines = _traced_lines(session, found)
    if not lines:
        click.echo(f"no grant matches {file} ({found.result.tokens_seen} tokens seen)", err=True)
        sys.exit(1)
    for line in lines:
        click.echo(line)


def _traced_lines(session: Session, found: Traced) -> list[str]:
    """What names the recipient of a traced copy; none when no grant matched."""
    grant, application = found.grant, found.application
    if grant is None or application is None:
        return []
    user = session.get(User, grant.user_id)
    deliveries = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.grant_id == grant.id)
    )
    name = "" if user is None else (user.organization_name or user.display_name or "")
    lines = [
        f"grant: {grant.id} ({grant.state})",
        f"application: {application.reference}",
        f"applicant: {user.pseudonym if user else '-'} {name}".rstrip(),
        f"deliveries under this grant: {deliveries}",
        f"pseudonyms matched: {found.result.matches[0].tokens} of {found.result.tokens_seen}",
    ]
    lines += [f"also matched: grant {m.grant_id} ({m.tokens})" for m in found.result.matches[1:]]
    return lines


def register(cli: click.Group) -> None:
    cli.add_command(applications_group)
    cli.add_command(trace_command)

"""``gxdata dataset``: the publishing acts from the command line, as a named account.

The machine's operator acts *as* an account (``--as EMAIL``), with that account's roles: the
same service functions as the pages and both write APIs decide, and the audit row names the
account, with ``cli`` as its request id.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.accounts.users import find_by_email
from catalog.audit import Origin
from catalog.errors import CatalogError
from catalog.models import Dataset
from catalog.permissions import Actor, actor_for
from catalog.publishing import acts
from portal.db import services

dataset_group = AppGroup("dataset", help="Publish, withdraw and review datasets as an account.")
CLI_ORIGIN = Origin(request_id="cli")
AS_OPTION = click.option(
    "--as", "email", required=True, help="The e-mail address of the account acting."
)


@dataset_group.command("publish")
@click.argument("dataset")
@AS_OPTION
def publish_command(dataset: str, email: str) -> None:
    """Publish DATASET (id or slug), or send it for review where its department asks."""
    state = _act(dataset, email, lambda s, a, d: acts.publish_dataset(s, a, d, CLI_ORIGIN))
    click.echo(f"{dataset}: {state}")


@dataset_group.command("withdraw")
@click.argument("dataset")
@AS_OPTION
def withdraw_command(dataset: str, email: str) -> None:
    """Withdraw DATASET (id or slug) from the public catalog; it is kept."""
    state = _act(dataset, email, lambda s, a, d: acts.withdraw_dataset(s, a, d, CLI_ORIGIN))
    click.echo(f"{dataset}: {state}")


@dataset_group.command("review")
@click.argument("dataset")
@AS_OPTION
@click.option("--approve/--return", "approve", required=True, help="The reviewer's decision.")
@click.option("--reason", help="Why it is returned (mailed to nobody from here).")
def review_command(dataset: str, email: str, approve: bool, reason: str | None) -> None:
    """Approve or return a pending DATASET, as a reviewer of its department."""

    def review(session: Session, actor: Actor, found: Dataset) -> Dataset:
        return acts.review_dataset(session, actor, found, approve, CLI_ORIGIN, reason=reason)

    click.echo(f"{dataset}: {_act(dataset, email, review)}")


def _act(ident: str, email: str, act: Callable[[Session, Actor, Dataset], Dataset]) -> str:
    try:
        with services().session_factory() as session, session.begin():
            user = find_by_email(session, email)
            if user is None or not user.active:
                raise click.ClickException(f"no active account {email}")
            # the command line stands for the second factor: whoever runs it holds the machine
            actor = actor_for(user, two_factor=True)
            found = session.scalar(
                select(Dataset).where(or_(Dataset.id == ident, Dataset.slug == ident))
            )
            if found is None:
                raise click.ClickException(f"no dataset {ident}")
            done = act(session, actor, found)
            return str(done.state)
    except CatalogError as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error


def register(cli: click.Group) -> None:
    cli.add_command(dataset_group)

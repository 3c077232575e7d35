"""``gxdata user …``: accounts and API tokens from the command line, through the same service
functions and audit rows as the pages (the actor is ``cli``), and the demo's accounts."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.access import CONDITIONAL
from catalog.accounts import acts, admin, tokens, users
from catalog.accounts.models import (
    ADMIN,
    APPLICANT,
    AUDITOR,
    DEPARTMENT_ROLES,
    PUBLISHER,
    REVIEWER,
    ROLES,
    SCOPES,
    User,
)
from catalog.audit import Origin
from catalog.errors import CatalogError
from catalog.models import Dataset, Department
from catalog.permissions import system_actor
from portal.db import services

CLI = "cli"
user_group = AppGroup("user", help="Accounts and their API tokens.")
token_group = AppGroup("token", help="API tokens of an account.")
user_group.add_command(token_group)


def _department(session: Session, slug: str | None) -> Department | None:
    if slug is None:
        return None
    department = session.scalar(select(Department).where(Department.slug == slug))
    if department is None:
        raise click.ClickException(f"no department {slug!r}")
    return department


def _user(session: Session, who: str) -> User:
    user = users.find_by_email(session, who) or session.scalar(
        select(User).where(User.pseudonym == who)
    )
    if user is None or user.erased_at is not None:
        raise click.ClickException(f"no account {who!r}")
    return user


def add_account(
    session: Session, email: str, role: str, department: Department | None, password: str | None
) -> tuple[User, str | None]:
    """A confirmed account with ``role``; the one-time password when none was given."""
    user, one_time = users.create_staff_user(session, email=email, password=password)
    if role != APPLICANT:
        users.grant_role(session, user, role, department)
    acts.record(
        session,
        "account.create",
        Origin(),
        actor=CLI,
        user=user,
        role=ADMIN,
        change={"role": role, "department": department.slug if department else None},
    )
    return user, one_time


@user_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default=APPLICANT, show_default=True)
@click.option("--department", "slug", help="Slug of the department (publisher, reviewer).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_add(email: str, role: str, slug: str | None, password_stdin: bool) -> None:
    """Create a confirmed account. Without --password-stdin a one-time password is printed
    (to be changed at the first sign-in)."""
    if (role in DEPARTMENT_ROLES) != (slug is not None):
        raise click.UsageError("--department is needed for publisher and reviewer, only them")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        with services().session_factory() as session, session.begin():
            user, one_time = add_account(session, email, role, _department(session, slug), password)
            pseudonym = user.pseudonym
    except users.AccountExists:
        raise click.ClickException(f"{email} has an account already") from None
    except CatalogError as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error
    click.echo(f"created {email} ({role}{', ' + slug if slug else ''}) as {pseudonym}")
    if one_time:
        click.echo(f"one-time password (change it at the first sign-in): {one_time}")


@token_group.command("add")
@click.argument("user")
@click.argument("name")
@click.option("--scope", type=click.Choice(SCOPES), default="read", show_default=True)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=tokens.DEFAULT_DAYS,
    show_default=True,
    help="Days until it expires.",
)
def token_add(user: str, name: str, scope: str, days: int) -> None:
    """Create an API token for USER (e-mail or pseudonym); the token is the last line."""
    try:
        with services().session_factory() as session, session.begin():
            token, secret = acts.create_token(
                session, _user(session, user), name, Origin(), scope=scope, days=days, actor=CLI
            )
            expires = token.expires_at
    except CatalogError as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error
    click.echo(f"token {name!r} ({scope}) expires {expires:%Y-%m-%d %H:%M} UTC; shown only once:")
    click.echo(secret)


@token_group.command("list")
@click.argument("user")
def token_list(user: str) -> None:
    """List USER's API tokens: id, prefix, scope, state, last use."""
    with services().session_factory() as session:
        for token in tokens.user_tokens(session, _user(session, user)):
            state = "revoked" if token.revoked_at else "live"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M} UTC" if token.last_used_at else "never"
            click.echo(f"{token.id}\t{token.prefix}…\t{token.scope}\t{state}\t{used}\t{token.name}")


@token_group.command("revoke")
@click.argument("user")
@click.argument("token_id", type=int)
def token_revoke(user: str, token_id: int) -> None:
    """Revoke USER's API token TOKEN_ID (see `gxdata user token list`)."""
    with services().session_factory() as session, session.begin():
        owner = _user(session, user)
        token = next((t for t in tokens.user_tokens(session, owner) if t.id == token_id), None)
        if token is None:
            raise click.ClickException(f"{user} has no token {token_id}")
        acts.revoke_token(session, token, Origin(), actor=CLI)
    click.echo(f"revoked token {token_id}")


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    password: str


DEMO_ROLES = (APPLICANT, PUBLISHER, REVIEWER, ADMIN, AUDITOR)
DEMO_DOMAIN = "demo.gxdata.local"


def create_demo_accounts(session: Session) -> list[DemoAccount]:
    """One account of each role on a database without accounts (the department ones for the
    department with the most datasets); none when it has accounts."""
    if session.scalar(select(User.id).limit(1)) is not None:  # erased accounts count too
        return []
    department = session.scalar(
        select(Department).order_by(Department.datasets.any().desc(), Department.id).limit(1)
    )
    made = []
    for role in DEMO_ROLES:
        if role in DEPARTMENT_ROLES and department is None:
            continue
        email = f"{role}@{DEMO_DOMAIN}"
        dep = department if role in DEPARTMENT_ROLES else None
        user, one_time = add_account(session, email, role, dep, None)
        if role == REVIEWER:  # reviews the demo's conditional samples too: the whole flow
            for sample_department in _conditional_departments(session):
                admin.grant(session, system_actor(), user.id, REVIEWER, sample_department.slug)
        made.append(DemoAccount(email, role, one_time or ""))
    return made


def _conditional_departments(session: Session) -> list[Department]:
    """The departments of the conditionally open datasets (the demo's samples)."""
    owners = select(Dataset.department_id).where(Dataset.open_type == CONDITIONAL)
    return list(session.scalars(select(Department).where(Department.id.in_(owners))))


def print_demo_accounts(made: list[DemoAccount]) -> None:
    if not made:
        return
    click.echo("演示账户（首次登录时须修改一次性密码；管理员和审核员还须设置动态口令）:")
    click.echo(
        "Demo accounts (change the one-time password at the first sign-in; the "
        "administrator and the reviewer also set up a TOTP app):"
    )
    for account in made:
        click.echo(f"  {account.role:<10} {account.email:<28} {account.password}")


def register(cli: click.Group) -> None:
    cli.add_command(user_group)

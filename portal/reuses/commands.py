"""``gxdata reuses …``: competitions from the command line (the same service functions as
the pages, acting as the command line's system actor)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from catalog.audit import Origin
from catalog.errors import CatalogError
from catalog.permissions import system_actor
from catalog.reuses import service
from portal.db import services


@click.group("reuses", help="Reuses of the data and the competitions that group them.")
def reuses_group() -> None:
    pass


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]


@reuses_group.command("competition-add")
@click.option("--title", required=True, help="The competition's name (Chinese).")
@click.option("--slug", default="", help="Its short name in /competitions/<slug>.")
@click.option("--title-en", default="", help="Its English name.")
@click.option("--year", type=click.IntRange(1990, 2100), default=None)
@click.option("--organiser", default="", help="Who runs it.")
@click.option("--description", default="")
@click.option("--url", default="", help="Its own web page (http or https).")
@click.option("--rounds", default="", help="Rounds in order, comma-separated: 初赛,复赛,决赛.")
@click.option("--awards", default="", help="Awards in order, comma-separated: 一等奖,二等奖.")
@with_appcontext
def competition_add(
    title: str, slug: str, title_en: str, year: int | None, organiser: str, description: str,
    url: str, rounds: str, awards: str,
) -> None:  # fmt: skip
    """Add a competition (its entries are reuses of kind ``competition``)."""
    try:
        with services().session_factory() as session, session.begin():
            found = service.add_competition(
                session, system_actor(), Origin(), title=title, slug=slug or None,
                title_en=title_en, year=year, organiser=organiser, description=description,
                url=url, rounds=_names(rounds), awards=_names(awards),
            )  # fmt: skip
            click.echo(f"competition {found.slug}: /competitions/{found.slug}")
    except CatalogError as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error

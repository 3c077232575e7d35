"""Home and about pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from catalog import queries
from portal.db import get_session

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    session = get_session()
    return render_template(
        "home.html",
        totals=queries.catalog_totals(session),
        category_counts=queries.category_counts(session),
        newest=queries.newest_datasets(session, 8),
        popular=queries.most_downloaded_datasets(session, 8),
    )


@bp.get("/about")
def about() -> str:
    return render_template("about.html")

"""Home and about pages."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from catalog import queries
from portal.db import get_session
from portal.negotiation import negotiate
from portal.views import linked_data

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
def about() -> Response:
    """The about page, which describes the portal's operator (``/about#operator``)."""
    fmt = negotiate()
    if fmt is not None:
        return linked_data.operator_response(fmt)
    return linked_data.operator_alternates(Response(render_template("about.html")))

"""Home, about and the terms of use (平台数据使用协议: also a licence document in RDF)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from catalog import queries, uris
from exports.dcat.describe import licence_document_triples
from exports.formats import BY_SUFFIX
from portal.db import get_session
from portal.negotiation import negotiate
from portal.views import linked_data
from portal.views.linked_data import SUFFIXES, rdf_response, with_alternates
from vocab import licences

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


@bp.get("/terms")
def terms() -> Response:
    """The platform's terms of use: the page, or its ``dct:LicenseDocument`` in RDF."""
    iri = uris.terms_uri(current_app.config["BASE_URL"])
    fmt = negotiate()
    if fmt is not None:
        return terms_rdf(fmt.suffix)
    page = render_template("terms.html", iri=iri, notation=licences.PLATFORM_TERMS)
    return with_alternates(Response(page), lambda s: f"{iri}.{s}")


@bp.get(f"/terms.<{SUFFIXES}:suffix>")
def terms_rdf(suffix: str) -> Response:
    iri = uris.terms_uri(current_app.config["BASE_URL"])
    concept = licences.scheme().require(licences.PLATFORM_TERMS)
    chunk = licence_document_triples(iri, concept)
    return rdf_response(BY_SUFFIX[suffix], [chunk], f"{iri}.{suffix}")

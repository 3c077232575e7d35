"""Search, dataset, resource, department and category pages."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request

from catalog import queries, uris
from catalog.access import public_distribution
from catalog.browse import build_query, search_catalog
from catalog.directory import group_by_division
from catalog.harvest.conflicts import open_conflicts
from catalog.harvest.provenance import provenance
from catalog.licensing import distribution_licence, effective_licence
from catalog.linked_data import latest_change
from catalog.preview import PREVIEWABLE, preview_table
from catalog.search.base import FACET_FIELDS, MAX_QUERY_CHARS
from exports import schema_org
from exports.citations import CitationFormat, apa, gbt7714
from portal.db import get_session, services
from portal.negotiation import negotiate, negotiate_with_citations
from portal.views import citations, linked_data
from vocab import categories, topics

bp = Blueprint("catalog", __name__)


def _facet_args() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in FACET_FIELDS}


def _search(fixed: dict[str, list[str]] | None = None):
    filters = _facet_args()
    filters.update(fixed or {})
    query = build_query(
        request.args.get("q"),
        filters,
        request.args.get("sort"),
        request.args.get("page"),
        request.args.get("per_page"),
    )
    return search_catalog(get_session(), services().search, query)


def _with_catalog_links(html: str, fixed: dict[str, list[str]] | None = None) -> Response:
    """The page with ``Link`` headers to the same selection of the catalog in RDF.

    The selection is the one the search ran (text cut to what the engine reads, at most 20
    values a facet), so that the header stays small whatever the client sent."""
    selection = build_query(request.args.get("q"), {**_facet_args(), **(fixed or {})})
    args = [("q", selection.text[:MAX_QUERY_CHARS])] if selection.text else []
    args += [
        (name, value)
        for name, values in selection.filters.items()
        for value in values
        if len(value) <= MAX_VALUE_CHARS
    ]
    query = urlencode(args)
    base = current_app.config["BASE_URL"]
    return linked_data.with_alternates(
        Response(html),
        lambda suffix: uris.catalog_page_url(base, suffix, query),
        latest_change(get_session()),
    )


MAX_VALUE_CHARS = 100  # longer facet values match nothing: no codes or slugs are that long


@bp.get("/dataset")
def search() -> Response:
    return _with_catalog_links(render_template("search.html", page=_search()))


@bp.get("/dataset/<id_or_slug>")
def dataset(id_or_slug: str) -> Response:
    found = queries.get_public_dataset(get_session(), id_or_slug)
    if found is None:
        abort(404)
    fmt = negotiate_with_citations()
    if isinstance(fmt, CitationFormat):
        return citations.citation_response(found, fmt)
    if fmt is not None:
        return linked_data.dataset_response(found, fmt)
    cited = citations.dataset_citable(found)
    page = render_template(
        "dataset.html",
        dataset=found,
        citation={"gbt7714": gbt7714(cited), "apa": apa(cited)},
        schema_org=schema_org.dataset_jsonld(found, current_app.config["BASE_URL"]),
        harvested_from=provenance(get_session(), found.id),  # "provenance" names a global
        conflicts=open_conflicts(get_session(), found.id),
        licence=effective_licence(found),
    )
    return linked_data.dataset_alternates(Response(page), found)


@bp.get("/dataset/<id_or_slug>/conditions")
def conditions_policy(id_or_slug: str) -> Response:
    """The URI of a dataset's ODRL policy (exports/dcat/policy.py) dereferences to the
    conditions on its page."""
    found = queries.get_public_dataset(get_session(), id_or_slug)
    if found is None:
        abort(404)
    page = uris.dataset_page(current_app.config["BASE_URL"], found.slug)
    return redirect(page + "#conditions", 303)  # type: ignore[return-value]


@bp.get("/dataset/<id_or_slug>/resource/<resource_id>")
def resource(id_or_slug: str, resource_id: str) -> Response:
    found = queries.get_public_dataset(get_session(), id_or_slug)
    distribution = (
        next((d for d in found.distributions if d.id == resource_id), None) if found else None
    )
    if found is None or distribution is None:
        abort(404)
    fmt = negotiate()
    if fmt is not None:
        return linked_data.distribution_response(found, distribution, fmt)
    preview = None
    if public_distribution(found, distribution).preview and distribution.format in PREVIEWABLE:
        path = services().files.path(distribution.stored_file)
        preview = preview_table(path, distribution.format, current_app.config["PREVIEW_ROWS"])
    page = render_template(
        "resource.html",
        dataset=found,
        distribution=distribution,
        preview=preview,
        licence=distribution_licence(found, distribution),
    )
    return linked_data.distribution_alternates(Response(page), found, distribution)


@bp.get("/organization")
def departments() -> str:
    rows = [(d, n) for d, n in queries.departments_with_counts(get_session()) if n > 0]
    text = (request.args.get("q") or "").strip()[:50]
    groups = group_by_division(rows, text)
    return render_template("departments.html", rows=rows, groups=groups, text=text)


@bp.get("/organization/<slug>")
def department(slug: str) -> Response:
    found = queries.get_department(get_session(), slug)
    if found is None:
        abort(404)
    fmt = negotiate()
    if fmt is not None:
        return linked_data.department_response(found, fmt)
    fixed = {"department": [found.slug]}
    html = render_template("department.html", department=found, page=_search(fixed), within=fixed)
    return linked_data.department_alternates(Response(html), found)


@bp.get("/category")
def category_list() -> str:
    return render_template("categories.html", counts=queries.category_counts(get_session()))


@bp.get("/category/<notation>")
def category(notation: str) -> Response:
    concept = categories.scheme().by_notation(notation)
    if concept is None:
        abort(404)
    fixed = {"category": [notation]}
    html = render_template("category.html", concept=concept, page=_search(fixed), within=fixed)
    return _with_catalog_links(html, fixed)


@bp.get("/topic")
def topic_list() -> str:
    """The topics (主题) departments file their datasets under, with the public counts: the
    way to the datasets outside the ten categories."""
    query = build_query(None, {}, per_page=1)
    query.facets, query.facet_limit = ("topic",), 100
    counts = dict(search_catalog(get_session(), services().search, query).result.facets["topic"])
    return render_template("topics.html", scheme=topics.scheme(), counts=counts)


@bp.get("/topic/<notation>")
def topic(notation: str) -> Response:
    concept = topics.scheme().by_notation(notation)
    if concept is None:
        abort(404)
    fixed = {"topic": [notation]}
    html = render_template("topic.html", concept=concept, page=_search(fixed), within=fixed)
    return _with_catalog_links(html, fixed)

"""Linked data: the catalog and datasets in RDF, the dump, vocabularies and the ontology.

Canonical URLs carry the format suffix (:data:`exports.formats.FORMATS`); the same resources
without a suffix negotiate (:func:`portal.negotiation.negotiate`). Page links and URIs use the
configured base URL, never the request's host.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from catalog import linked_data, queries, uris
from catalog.models import Dataset, Department, Distribution
from catalog.tabular import table_schema
from exports.dcat.catalog import catalog_chunks
from exports.dcat.context import PublishContext
from exports.dcat.describe import agent_triples, operator_triples
from exports.dcat.dump import catalog_document
from exports.dcat.services import CKAN_API, REST_API, SPARQL, describe_service
from exports.dcat.write import dataset_chunk, distribution_chunk
from exports.formats import BY_SUFFIX, FORMATS, RdfFormat
from exports.rdf.terms import Chunk, Lit
from exports.sparql_description import service_description
from exports.vocabularies import concept_chunk, ontology_chunk, schemes
from portal.conditional import conditional
from portal.db import get_session, services
from portal.i18n import current_language
from portal.negotiation import alternates, negotiate, vary_accept
from vocab.namespaces import DCT, RDFS

bp = Blueprint("linked_data", __name__)
SUFFIXES = "any(" + ",".join(f.suffix for f in FORMATS) + ")"


QUALITY = "gxdata.quality"  # app.extensions key of a QualityProvider (DQV measurements)


def _base() -> str:
    return current_app.config["BASE_URL"]


def _context(with_quality: bool = False) -> PublishContext:
    """A document's context. Quality scores (DQV) are published in a dataset's own document
    when a provider is registered; catalog pages and dumps leave them out, since scoring costs
    a few queries per dataset and a page must stay fast."""
    quality = current_app.extensions.get(QUALITY) if with_quality else None
    return PublishContext(_base(), quality=quality)


def rdf_response(
    fmt: RdfFormat,
    chunks: Iterable[Chunk],
    canonical: str | None = None,
    modified: datetime | None = None,
) -> Response:
    """An RDF document with its validators (``ETag``, ``Last-Modified``; 304 when they match)."""
    response = Response("".join(fmt.write(chunks, _base())), content_type=fmt.media_type)
    if canonical:
        response.headers["Content-Location"] = canonical
    response.headers["Access-Control-Allow-Origin"] = "*"
    return conditional(vary_accept(response), modified)


def with_alternates(
    response: Response,
    url_for_suffix: Callable[[str], str],
    modified: datetime | None = None,
) -> Response:
    """An HTML page with ``Link`` headers to its RDF and its validators."""
    links = alternates(url_for_suffix)
    if links:
        response.headers["Link"] = links
    return conditional(vary_accept(response), modified)


# -- the catalog -------------------------------------------------------------------------------


@bp.get("/catalog")
def catalog() -> Response:
    fmt = negotiate()
    if fmt is not None:
        return _catalog_page(fmt)
    totals = queries.catalog_totals(get_session())
    page = Response(render_template("data_catalog.html", totals=totals, formats=FORMATS))
    modified = linked_data.latest_change(get_session())
    return with_alternates(page, lambda s: uris.catalog_page_url(_base(), s), modified)


@bp.get(f"/catalog.<{SUFFIXES}:suffix>")
def catalog_page(suffix: str) -> Response:
    return _catalog_page(BY_SUFFIX[suffix])


def _catalog_page(fmt: RdfFormat) -> Response:
    session = get_session()
    try:
        flt = linked_data.parse_filter(request.args.to_dict(flat=False))
        number = linked_data.parse_page(request.args.get("page"))
    except linked_data.FilterError as error:
        abort(400, description=str(error))
    stmt = linked_data.filtered_datasets(services().search, flt)
    total = linked_data.count(session, stmt)
    links = linked_data.page_links(_base(), fmt.suffix, flt, number, total)
    if number > links.pages:
        abort(404, description=f"page {number} is past the last page ({links.pages})")
    summary = replace(linked_data.catalog_summary(session), total=total)
    datasets = linked_data.page_of(session, stmt, number)
    chunks = catalog_chunks(summary, datasets, _context(), links)
    return rdf_response(fmt, chunks, links.this, summary.modified)


@bp.get("/catalog/dump.nt.gz")
def dump() -> Response:
    """The whole catalog as gzipped N-Triples, streamed (its own session: it outlives the view)."""
    factory, engine, base = services().session_factory, services().search, _base()

    def body() -> Iterator[bytes]:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        with factory() as session:
            for piece in catalog_document(session, BY_SUFFIX["nt"], base, engine):
                data = compressor.compress(piece.encode("utf-8"))
                if data:
                    yield data
        yield compressor.flush()

    response = Response(body(), mimetype="application/gzip")
    response.headers["Content-Disposition"] = 'attachment; filename="gxdata-catalog.nt.gz"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/catalog/department/<slug>")
def department_catalog(slug: str) -> Response:
    """A department's sub-catalog: its datasets in RDF, or its page."""
    if queries.get_department(get_session(), slug) is None:
        abort(404)
    return _sub_catalog(f"department={slug}", uris.department_uri(_base(), slug))


@bp.get("/catalog/source/<source_id>")
def source_catalog(source_id: str) -> Response:
    """A harvest source's sub-catalog: its datasets in RDF, or the catalog's page."""
    if linked_data.get_source(get_session(), source_id) is None:
        abort(404)
    return _sub_catalog(f"source={source_id}", url_for("linked_data.catalog"))


def _sub_catalog(query: str, page: str) -> Response:
    """303 to the catalog pages filtered by ``query`` (RDF asked for), else to ``page``."""
    fmt = negotiate()
    target = uris.catalog_page_url(_base(), fmt.suffix, query) if fmt else page
    return vary_accept(redirect(target, 303))  # type: ignore[arg-type]


# -- datasets ----------------------------------------------------------------------------------


@bp.get(f"/dataset/<id_or_slug>.<{SUFFIXES}:suffix>")
def dataset_rdf(id_or_slug: str, suffix: str) -> Response:
    found = queries.get_public_dataset(get_session(), id_or_slug)
    if found is None:
        abort(404)
    return dataset_response(found, BY_SUFFIX[suffix])


def dataset_response(dataset: Dataset, fmt: RdfFormat) -> Response:
    canonical = f"{uris.dataset_uri(_base(), dataset.id)}.{fmt.suffix}"
    chunk = dataset_chunk(dataset, _context(with_quality=True))
    return rdf_response(fmt, [chunk], canonical, dataset.metadata_modified)


def dataset_alternates(response: Response, dataset: Dataset) -> Response:
    iri = uris.dataset_uri(_base(), dataset.id)
    return with_alternates(response, lambda s: f"{iri}.{s}", dataset.metadata_modified)


# -- distributions, departments, the operator and the services ----------------------------------


@bp.get(f"/dataset/<id_or_slug>/resource/<resource_id>.<{SUFFIXES}:suffix>")
def distribution_rdf(id_or_slug: str, resource_id: str, suffix: str) -> Response:
    found = queries.get_public_dataset(get_session(), id_or_slug)
    distribution = (
        next((d for d in found.distributions if d.id == resource_id), None) if found else None
    )
    if found is None or distribution is None:
        abort(404)
    return distribution_response(found, distribution, BY_SUFFIX[suffix])


def distribution_response(dataset: Dataset, distribution: Distribution, fmt: RdfFormat) -> Response:
    """A distribution's own document: only what :mod:`catalog.access` makes public of it."""
    iri = uris.distribution_uri(_base(), dataset.id, distribution.id)
    chunk = distribution_chunk(dataset, distribution, _context())
    return rdf_response(fmt, [chunk], f"{iri}.{fmt.suffix}", dataset.metadata_modified)


def distribution_alternates(
    response: Response, dataset: Dataset, distribution: Distribution
) -> Response:
    iri = uris.distribution_uri(_base(), dataset.id, distribution.id)
    return with_alternates(response, lambda s: f"{iri}.{s}", dataset.metadata_modified)


@bp.get(f"/organization/<slug>.<{SUFFIXES}:suffix>")
def department_rdf(slug: str, suffix: str) -> Response:
    found = queries.get_department(get_session(), slug)
    if found is None:
        abort(404)
    return department_response(found, BY_SUFFIX[suffix])


def department_response(department: Department, fmt: RdfFormat) -> Response:
    iri = uris.department_uri(_base(), department.slug)
    chunk = agent_triples(department, _context())
    modified = linked_data.latest_change(get_session(), department.id)
    return rdf_response(fmt, [chunk], f"{iri}.{fmt.suffix}", modified)


def department_alternates(response: Response, department: Department) -> Response:
    iri = uris.department_uri(_base(), department.slug)
    modified = linked_data.latest_change(get_session(), department.id)
    return with_alternates(response, lambda s: f"{iri}.{s}", modified)


def _about_iri() -> str:
    return uris.page_url(_base(), "/about")


@bp.get(f"/about.<{SUFFIXES}:suffix>")
def operator_rdf(suffix: str) -> Response:
    return operator_response(BY_SUFFIX[suffix])


def operator_response(fmt: RdfFormat) -> Response:
    """The portal's operator (``{base}/about#operator``), described by the about page."""
    return rdf_response(fmt, [operator_triples(_context())], f"{_about_iri()}.{fmt.suffix}")


def operator_alternates(response: Response) -> Response:
    return with_alternates(response, lambda s: f"{_about_iri()}.{s}")


SERVICE_PATHS = {"/api/v1": REST_API, "/sparql": SPARQL, "/api/3": CKAN_API}  # path -> key


def service_response(key: str, fmt: RdfFormat) -> Response:
    """A data service's description; the SPARQL endpoint's with its Service Description."""
    path = next(p for p, k in SERVICE_PATHS.items() if k == key)
    out: Chunk = []
    describe_service(key, _context(), out)
    chunks = [out]
    if key == SPARQL:
        chunks.append(service_description(_base(), uris.sparql_shared_graph_uri(_base())))
    return rdf_response(fmt, chunks, f"{uris.page_url(_base(), path)}.{fmt.suffix}")


def service_alternates(response: Response, key: str) -> Response:
    path = next(p for p, k in SERVICE_PATHS.items() if k == key)
    return with_alternates(response, lambda s: f"{uris.page_url(_base(), path)}.{s}")


def _service_rdf(suffix: str, key: str) -> Response:
    return service_response(key, BY_SUFFIX[suffix])


for _path, _key in SERVICE_PATHS.items():
    bp.add_url_rule(
        f"{_path}.<{SUFFIXES}:suffix>",
        f"service_rdf_{_key}",
        _service_rdf,
        methods=["GET"],
        defaults={"key": _key},
    )


@bp.get("/dataset/<id_or_slug>/resource/<resource_id>/schema.json")
def resource_schema(id_or_slug: str, resource_id: str) -> Response:
    found = queries.get_public_dataset(get_session(), id_or_slug)
    distribution = (
        next((d for d in found.distributions if d.id == resource_id), None) if found else None
    )
    schema = table_schema(found, distribution) if found and distribution else None
    if schema is None:
        abort(404)
    response = jsonify(schema)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- vocabularies and the ontology ----------------------------------------------------------


@bp.get("/vocab")
def vocabularies() -> str:
    return render_template("vocabularies.html", schemes=[s for s, _ in schemes().values()])


@bp.get("/vocab/<path:path>")
def vocabulary(path: str) -> Response:
    """A vocabulary or concept: HTML, or RDF by suffix or Accept header."""
    stem, _, suffix = path.rpartition(".")
    fmt = BY_SUFFIX.get(suffix) if stem and "/" not in suffix else None
    path = stem if fmt else path
    chunk = concept_chunk(path, _base())
    if chunk is None:
        abort(404)
    iri = f"{_base()}/vocab/{path}"
    if fmt is None and (fmt := negotiate()) is None:
        page = Response(render_template("concept.html", **_concept_view(path, iri, chunk)))
        return with_alternates(page, lambda s: f"{iri}.{s}")
    return rdf_response(fmt, [chunk], f"{iri}.{fmt.suffix}")


def _concept_view(path: str, iri: str, chunk: Chunk) -> dict[str, object]:
    scheme_path = path.split("/", 1)[0]
    scheme = schemes()[scheme_path][0]
    concept = scheme.by_path(path)
    return {"scheme": scheme, "concept": concept, "iri": iri, "triples": chunk}


@bp.get("/ns")
def ontology() -> Response:
    iri = uris.ontology_uri(_base())
    chunk = ontology_chunk(_base())
    fmt = negotiate()
    if fmt is None:
        page = Response(render_template("ontology.html", iri=iri, terms=_terms(chunk)))
        return with_alternates(page, lambda s: f"{iri}.{s}")
    return rdf_response(fmt, [chunk], f"{iri}.{fmt.suffix}")


@bp.get(f"/ns.<{SUFFIXES}:suffix>")
def ontology_rdf(suffix: str) -> Response:
    iri = uris.ontology_uri(_base())
    return rdf_response(BY_SUFFIX[suffix], [ontology_chunk(_base())], f"{iri}.{suffix}")


def _terms(chunk: Chunk) -> list[dict[str, str]]:
    """The ontology's terms with their label and comment in the current language."""
    lang = current_language()
    terms: dict[str, dict[str, str]] = {}
    for s, p, o in chunk:
        if "#" not in s or not isinstance(o, Lit):
            continue
        term = terms.setdefault(s, {"name": s.split("#", 1)[1], "label": "", "comment": ""})
        key = {str(RDFS.label): "label", str(RDFS.comment): "comment", str(DCT.title): "label"}
        if p in key and (o.lang == lang or not term[key[p]]):
            term[key[p]] = o.value
    return sorted(terms.values(), key=lambda t: t["name"])

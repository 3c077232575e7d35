"""The catalog record, its pages (Hydra) and the whole catalog as a stream of chunks.

:func:`catalog_chunks` yields the header (the catalog, its services, sub-catalogs, theme
taxonomies and, for a page, the Hydra view) and then one chunk per dataset; the writers of
:mod:`exports.rdf.writers` turn them into text one at a time, so a dump of any size streams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import Graph

from catalog import uris
from catalog.linked_data import CatalogSummary, PageLinks
from catalog.models import Dataset
from exports.dcat import describe
from exports.dcat.context import DCAT_, DCT_, FOAF_, HYDRA_, PublishContext, prefixes
from exports.dcat.profile import scheme_named
from exports.dcat.services import CATALOG_LICENCE, SERVICES, describe_service, service_iri
from exports.dcat.subcatalogs import all_parts
from exports.dcat.write import dataset_chunk
from exports.rdf.graph import to_graph
from exports.rdf.terms import IRI, A, Chunk, date_time, integer, text
from vocab import divisions, eu_authority
from vocab.namespaces import EU_DATA_THEME

TITLE = {"zh": "广西公共数据开放平台数据目录", "en": "Catalog of the Guangxi Public Data Portal"}
DESCRIPTION = {
    "zh": "广西壮族自治区各部门、各设区市公开的公共数据目录，包括十大类高价值公共数据。",
    "en": "The public data of the departments and cities of the Guangxi Zhuang Autonomous "
    "Region, including the ten categories of high-value public data.",
}


def catalog_header(
    info: CatalogSummary, ctx: PublishContext, page: PageLinks | None = None
) -> Chunk:
    base = ctx.base_url
    c = IRI(uris.catalog_uri(base))
    out: Chunk = [(c, A, DCAT_.Catalog)]
    out += [(c, DCT_.title, text(v, lang)) for lang, v in TITLE.items()]
    out += [(c, DCT_.description, text(v, lang)) for lang, v in DESCRIPTION.items()]
    operator = uris.operator_uri(base)
    out.append((c, DCT_.publisher, IRI(operator)))
    ctx.describe(operator, out, lambda: describe.operator_triples(ctx))
    home = IRI(base + "/")
    out += [(c, FOAF_.homepage, home), (home, A, FOAF_.Document)]
    for language in (eu_authority.CHINESE, eu_authority.ENGLISH):
        out.append((c, DCT_.language, IRI(language)))
        describe.describe_external(language, ctx, out)
    out.append((c, DCT_.license, IRI(CATALOG_LICENCE)))
    describe.describe_external(CATALOG_LICENCE, ctx, out)
    if info.issued:
        out.append((c, DCT_.issued, date_time(info.issued)))
    if info.modified:
        out.append((c, DCT_.modified, date_time(info.modified)))
    region = divisions.region()
    out.append((c, DCT_.spatial, IRI(region.uri(base))))
    ctx.describe(
        region.uri(base),
        out,
        lambda: describe.concept_triples(region, divisions.scheme(), ctx, DCT_.Location),
    )
    categories = scheme_named("categories")
    out.append((c, DCAT_.themeTaxonomy, IRI(categories.uri(base))))
    ctx.describe(categories.uri(base), out, lambda: describe.scheme_triples(categories, base))
    eu_themes = EU_DATA_THEME.removesuffix("/")
    out.append((c, DCAT_.themeTaxonomy, IRI(eu_themes)))
    describe.describe_external(eu_themes, ctx, out)
    for spec in SERVICES:
        out.append((c, DCAT_.service, service_iri(base, spec.key)))
        describe_service(spec.key, ctx, out)
    for part in all_parts(info, ctx, out):
        out.append((c, DCT_.hasPart, part))
    out += _hydra(c, info.total, page)
    return out


def _hydra(c: IRI, total: int, page: PageLinks | None) -> Chunk:
    """Hydra paging: the current terms (PartialCollectionView, first/last/next/previous) and,
    for harvesters written against Hydra's earlier draft (ckanext-dcat before 2.1), the same
    links as a PagedCollection (firstPage/lastPage/nextPage/previousPage)."""
    out: Chunk = [(c, HYDRA_.totalItems, integer(total))]
    if page is None:
        return out
    view = IRI(page.this)
    links = {"first": page.first, "last": page.last, "next": page.next, "previous": page.previous}
    out += [
        (c, HYDRA_.view, view),
        (view, A, HYDRA_.PartialCollectionView),
        (view, A, HYDRA_.PagedCollection),
        (view, HYDRA_.itemsPerPage, integer(page.per_page)),
        (view, HYDRA_.totalItems, integer(total)),
    ]
    for name, target in links.items():
        if target:
            out.append((view, getattr(HYDRA_, name), IRI(target)))
            out.append((view, getattr(HYDRA_, f"{name}Page"), IRI(target)))
    return out


def catalog_chunks(
    info: CatalogSummary,
    datasets: Iterable[Dataset],
    ctx: PublishContext,
    page: PageLinks | None = None,
) -> Iterator[Chunk]:
    """The header, then one chunk per dataset (with catalog and sub-catalog membership)."""
    ctx.in_catalog = True
    yield catalog_header(info, ctx, page)
    for dataset in datasets:
        yield dataset_chunk(dataset, ctx)


def catalog_graph(
    info: CatalogSummary, datasets: Iterable[Dataset], base_url: str, page: PageLinks | None = None
) -> Graph:
    """A page of the catalog as an rdflib Graph (at most a page: graphs do not stream)."""
    ctx = PublishContext(base_url)
    triples = [t for chunk in catalog_chunks(info, datasets, ctx, page) for t in chunk]
    return to_graph(triples, prefixes(ctx.base_url))

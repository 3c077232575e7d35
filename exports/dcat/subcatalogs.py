"""Sub-catalogs (``dct:hasPart``): one per department, and one per harvest source.

A rule says which sub-catalogs a dataset belongs to and describes each sub-catalog the first
time a document names it. The department rule is here; a harvest-source rule is the same
shape (``catalogs_of`` reads the dataset's harvest source and mints
:func:`catalog.uris.source_catalog_uri`), added to :data:`SUBCATALOG_RULES` when datasets
carry their harvest source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol
from urllib.parse import quote

from catalog import uris
from catalog.models import Dataset, Department
from exports.dcat import describe
from exports.dcat.context import DCAT_, DCT_, FOAF_, PublishContext
from exports.dcat.services import CATALOG_LICENCE
from exports.rdf.terms import IRI, A, Chunk, text
from vocab import categories, divisions, eu_authority


class SubCatalogRule(Protocol):
    def catalogs_of(self, dataset: Dataset, ctx: PublishContext, out: Chunk) -> list[IRI]: ...

    def parts(self, parts: CatalogParts, ctx: PublishContext, out: Chunk) -> list[IRI]: ...


class CatalogParts(Protocol):
    """What the catalog header knows of its parts (the portal reads them from the database)."""

    @property
    def departments(self) -> Sequence[Department]: ...


class DepartmentCatalogs:
    """One sub-catalog per publishing department: the provenance of each record."""

    def catalogs_of(self, dataset: Dataset, ctx: PublishContext, out: Chunk) -> list[IRI]:
        department = dataset.department
        if department is None:
            return []
        return [self._describe(department, ctx, out)]

    def parts(self, parts: CatalogParts, ctx: PublishContext, out: Chunk) -> list[IRI]:
        return [self._describe(d, ctx, out) for d in parts.departments]

    def _describe(self, department: Department, ctx: PublishContext, out: Chunk) -> IRI:
        iri = IRI(uris.department_catalog_uri(ctx.base_url, department.slug))
        ctx.describe(iri, out, lambda: _department_catalog(iri, department, ctx))
        return iri


def _department_catalog(iri: IRI, department: Department, ctx: PublishContext) -> Chunk:
    agent = uris.department_uri(ctx.base_url, department.slug)
    out: Chunk = [
        (iri, A, DCAT_.Catalog),
        (iri, DCT_.title, text(f"{department.name}数据目录", "zh")),
        (iri, DCT_.description, text(f"{department.name}在广西公共数据开放平台发布的数据集。")),
        (iri, DCT_.publisher, IRI(agent)),
        (iri, DCT_.isPartOf, IRI(uris.catalog_uri(ctx.base_url))),
    ]
    if department.name_en:
        out.append((iri, DCT_.title, text(f"Catalog of {department.name_en}", "en")))
    ctx.describe(agent, out, lambda: describe.agent_triples(department, ctx))
    # what DCAT-AP recommends of a catalog, as far as the department's record tells it
    page = IRI(f"{ctx.base_url}/dataset?department={quote(department.slug)}")
    out += [(iri, FOAF_.homepage, page), (page, A, FOAF_.Document)]
    out.append((iri, DCT_.language, IRI(eu_authority.CHINESE)))
    describe.describe_external(eu_authority.CHINESE, ctx, out)
    out.append((iri, DCT_.license, IRI(CATALOG_LICENCE)))
    describe.describe_external(CATALOG_LICENCE, ctx, out)
    scheme = categories.scheme()
    out.append((iri, DCAT_.themeTaxonomy, IRI(scheme.uri(ctx.base_url))))
    ctx.describe(
        scheme.uri(ctx.base_url), out, lambda: describe.scheme_triples(scheme, ctx.base_url)
    )
    area = divisions.division(department.division or divisions.REGION_CODE) or divisions.region()
    out.append((iri, DCT_.spatial, IRI(area.uri(ctx.base_url))))
    ctx.describe(
        area.uri(ctx.base_url),
        out,
        lambda: describe.concept_triples(area, divisions.scheme(), ctx, DCT_.Location),
    )
    return out


SUBCATALOG_RULES: tuple[SubCatalogRule, ...] = (DepartmentCatalogs(),)


def all_parts(parts: CatalogParts, ctx: PublishContext, out: Chunk) -> Iterable[IRI]:
    for rule in SUBCATALOG_RULES:
        yield from rule.parts(parts, ctx, out)

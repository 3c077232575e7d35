"""Sub-catalogs (``dct:hasPart``): one per department, and one per harvest source.

A rule says which sub-catalogs a dataset belongs to and describes each sub-catalog the first
time a document names it. A harvested dataset belongs to its department's sub-catalog and to
its harvest source's (:func:`catalog.uris.source_catalog_uri`), read from the dataset's
``harvest_record`` (loaded with each batch, :data:`catalog.linked_data.LOAD_OPTIONS`).

A source's sub-catalog says what DCAT-AP 3 lets a ``dcat:Catalog`` say: its title is the
source's name, its publisher the source's department (else the portal's operator), and an
http(s) source address is its ``foaf:homepage`` (DCAT-AP has no ``dct:source`` or
``dcat:landingPage`` on a catalog). A local path, which only the command line harvests, is
never published.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol
from urllib.parse import quote

from catalog import uris
from catalog.harvest.models import HarvestSource
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

    @property
    def sources(self) -> Sequence[HarvestSource]: ...


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
    page = IRI(f"{ctx.base_url}/dataset?department={quote(department.slug)}")
    out += [(iri, FOAF_.homepage, page), (page, A, FOAF_.Document)]
    _recommended(iri, department.division, ctx, out)
    return out


def _recommended(iri: IRI, division: str | None, ctx: PublishContext, out: Chunk) -> None:
    """What DCAT-AP recommends of a catalog: language, licence, themes, spatial coverage."""
    out.append((iri, DCT_.language, IRI(eu_authority.CHINESE)))
    describe.describe_external(eu_authority.CHINESE, ctx, out)
    out.append((iri, DCT_.license, IRI(CATALOG_LICENCE)))
    describe.describe_external(CATALOG_LICENCE, ctx, out)
    scheme = categories.scheme()
    out.append((iri, DCAT_.themeTaxonomy, IRI(scheme.uri(ctx.base_url))))
    ctx.describe(
        scheme.uri(ctx.base_url), out, lambda: describe.scheme_triples(scheme, ctx.base_url)
    )
    area = divisions.division(division or divisions.REGION_CODE) or divisions.region()
    out.append((iri, DCT_.spatial, IRI(area.uri(ctx.base_url))))
    ctx.describe(
        area.uri(ctx.base_url),
        out,
        lambda: describe.concept_triples(area, divisions.scheme(), ctx, DCT_.Location),
    )


class HarvestSourceCatalogs:
    """One sub-catalog per harvest source: where each harvested record was gathered."""

    def catalogs_of(self, dataset: Dataset, ctx: PublishContext, out: Chunk) -> list[IRI]:
        record = dataset.harvest_record
        if record is None:
            return []
        return [self._describe(record.source, ctx, out)]

    def parts(self, parts: CatalogParts, ctx: PublishContext, out: Chunk) -> list[IRI]:
        return [self._describe(source, ctx, out) for source in parts.sources]

    def _describe(self, source: HarvestSource, ctx: PublishContext, out: Chunk) -> IRI:
        iri = IRI(uris.source_catalog_uri(ctx.base_url, str(source.id)))
        ctx.describe(iri, out, lambda: _source_catalog(iri, source, ctx))
        return iri


KIND_NAMES = {
    "ckan": ("CKAN 门户", "CKAN portal"),
    "dcat": ("DCAT 目录", "DCAT catalog"),
    "spreadsheet": ("目录表格", "catalog spreadsheet"),
    "datapackage": ("数据包", "data package"),
}


def _source_catalog(iri: IRI, source: HarvestSource, ctx: PublishContext) -> Chunk:
    kind_zh, kind_en = KIND_NAMES.get(source.kind, (source.kind, source.kind))
    zh = f"从{kind_zh}“{source.name}”采集到广西公共数据开放平台的数据集。"
    en = f"Datasets harvested from the {kind_en} “{source.name}”."
    out: Chunk = [
        (iri, A, DCAT_.Catalog),
        (iri, DCT_.title, text(source.name, None)),
        (iri, DCT_.description, text(zh)),
        (iri, DCT_.description, text(en, "en")),
        (iri, DCT_.isPartOf, IRI(uris.catalog_uri(ctx.base_url))),
    ]
    department = source.department
    if department is not None:
        agent = uris.department_uri(ctx.base_url, department.slug)
        out.append((iri, DCT_.publisher, IRI(agent)))
        ctx.describe(agent, out, lambda: describe.agent_triples(department, ctx))
    else:
        operator = uris.operator_uri(ctx.base_url)
        out.append((iri, DCT_.publisher, IRI(operator)))
        ctx.describe(operator, out, lambda: describe.operator_triples(ctx))
    if uris.is_valid_iri(source.url):
        home = IRI(source.url)
        out.append((iri, FOAF_.homepage, home))
        ctx.describe(f"document {home}", out, lambda: [(home, A, FOAF_.Document)])
    _recommended(iri, department.division if department else None, ctx, out)
    return out


SUBCATALOG_RULES: tuple[SubCatalogRule, ...] = (DepartmentCatalogs(), HarvestSourceCatalogs())


def all_parts(parts: CatalogParts, ctx: PublishContext, out: Chunk) -> Iterable[IRI]:
    for rule in SUBCATALOG_RULES:
        yield from rule.parts(parts, ctx, out)

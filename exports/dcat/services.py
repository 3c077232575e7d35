"""The portal's APIs as DCAT-AP data services (``dcat:DataService``).

The catalog lists them (``dcat:service``); each dataset is served by the REST API
(``dcat:servesDataset``) and each of its files names the API as its ``dcat:accessService``, so
every dataset of the ten categories has its API. Each service names the ten categories
(``gx:highValueCategory``: Guangxi's, not the EU HVD categories), the applicable legislation
(the Guangxi plan), a contact point and a documentation page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog import uris
from exports.dcat import describe
from exports.dcat.context import DCAT_, DCATAP_, DCT_, FOAF_, VCARD_, PublishContext
from exports.rdf.terms import IRI, A, Chunk, text
from vocab import categories, eu_authority
from vocab.namespaces import EU_ACCESS_RIGHT, EU_LICENSE, gx_namespace

REST_API = "rest"
SPARQL = "sparql"
CKAN_API = "ckan"
CATALOG_LICENCE = str(EU_LICENSE) + "CC_BY_4_0"  # the licence of the portal's metadata
PUBLIC = str(EU_ACCESS_RIGHT) + "PUBLIC"


@dataclass(frozen=True)
class ServiceSpec:
    key: str
    endpoint: Callable[[str], str]  # base URL -> endpoint URL (also the service's IRI)
    title: dict[str, str]
    description: dict[str, str]
    standard: str  # dct:conformsTo
    standard_title: str
    page: str  # documentation page, below the base URL
    endpoint_description: str | None = None  # below the base URL


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        REST_API,
        uris.rest_api_uri,
        {"zh": "广西公共数据开放平台 REST 接口", "en": "Guangxi Public Data Portal REST API"},
        {
            "zh": "以 JSON 读取数据集、数据资源、部门、类别和词表，支持检索、分面、游标分页。",
            "en": "Datasets, distributions, departments, categories and vocabularies as JSON, "
            "with search, facets and cursor paging.",
        },
        "https://spec.openapis.org/oas/v3.1.0",
        "OpenAPI Specification 3.1",
        "/api/v1/docs",
        "/api/v1/openapi.json",
    ),
    ServiceSpec(
        SPARQL,
        uris.sparql_uri,
        {
            "zh": "广西公共数据开放平台 SPARQL 查询端点",
            "en": "Guangxi Public Data Portal SPARQL endpoint",
        },
        {
            "zh": "只读 SPARQL 1.1 端点，可查询整个目录和全部词表。",
            "en": "A read-only SPARQL 1.1 endpoint over the whole catalog and its vocabularies.",
        },
        "https://www.w3.org/TR/sparql11-protocol/",
        "SPARQL 1.1 Protocol",
        "/sparql",
    ),
    ServiceSpec(
        CKAN_API,
        uris.ckan_api_uri,
        {"zh": "CKAN 兼容接口", "en": "CKAN-compatible API"},
        {
            "zh": "与 CKAN 2.10 动作接口兼容的只读接口（package_search、package_show 等）。",
            "en": "A read-only API compatible with CKAN 2.10's action API (package_search, …).",
        },
        "https://docs.ckan.org/en/2.10/api/",
        "CKAN API 2.10",
        "/api/3/action/status_show",
    ),
)
_BY_KEY = {spec.key: spec for spec in SERVICES}


def service_iri(base_url: str, key: str) -> IRI:
    return IRI(_BY_KEY[key].endpoint(base_url))


def describe_service(key: str, ctx: PublishContext, out: Chunk) -> None:
    spec = _BY_KEY[key]
    ctx.describe(spec.endpoint(ctx.base_url), out, lambda: service_triples(spec, ctx))


def service_triples(spec: ServiceSpec, ctx: PublishContext) -> Chunk:
    base = ctx.base_url
    s = IRI(spec.endpoint(base))
    out: Chunk = [(s, A, DCAT_.DataService)]
    out += [(s, DCT_.title, text(v, lang)) for lang, v in spec.title.items()]
    out += [(s, DCT_.description, text(v, lang)) for lang, v in spec.description.items()]
    out.append((s, DCAT_.endpointURL, s))
    if spec.endpoint_description:
        out.append((s, DCAT_.endpointDescription, IRI(base + spec.endpoint_description)))
    standard = IRI(spec.standard)
    out.append((s, DCT_.conformsTo, standard))
    ctx.describe(
        spec.standard,
        out,
        lambda: [
            (standard, A, DCT_.Standard),
            (standard, DCT_.title, text(spec.standard_title, "en")),
        ],
    )
    page = IRI(base + spec.page)
    out.append((s, FOAF_.page, page))
    out.append((s, DCAT_.landingPage, page))
    ctx.describe(f"document {page}", out, lambda: [(page, A, FOAF_.Document)])
    operator = uris.operator_uri(base)
    out.append((s, DCT_.publisher, IRI(operator)))
    ctx.describe(operator, out, lambda: describe.operator_triples(ctx))
    contact = ctx.bnode()
    out += [
        (s, DCAT_.contactPoint, contact),
        (contact, A, VCARD_.Kind),
        (contact, VCARD_.fn, text(describe.OPERATOR["zh"])),
        (contact, VCARD_.hasURL, IRI(base + "/about")),
    ]
    out.append((s, DCT_.license, IRI(CATALOG_LICENCE)))
    describe.describe_external(CATALOG_LICENCE, ctx, out)
    out.append((s, DCT_.accessRights, IRI(PUBLIC)))
    describe.describe_external(PUBLIC, ctx, out)
    out.append((s, DCT_.language, IRI(eu_authority.CHINESE)))
    describe.describe_external(eu_authority.CHINESE, ctx, out)
    plan = describe.plan_iri(base)
    out.append((s, DCATAP_.applicableLegislation, plan))
    ctx.describe(plan, out, lambda: describe.plan_triples(ctx))
    scheme = categories.scheme()
    category = IRI(str(gx_namespace(base)["highValueCategory"]))  # not dcatap:hvdCategory
    for concept in scheme:
        iri = concept.uri(base)
        out.append((s, category, IRI(iri)))
        ctx.describe(iri, out, lambda c=concept: describe.concept_triples(c, scheme, ctx))  # type: ignore[misc]
    return out

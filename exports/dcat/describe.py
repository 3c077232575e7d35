"""What the DCAT output says about the things records point to.

DCAT-AP's shapes check the class of each value and that controlled values come from the
right table, so beside each record the output states, once per document: our SKOS concepts
and schemes (label, scheme, notation, matches), the EU and other external concepts
(``vocab/data/eu-authority.ttl``), file types and media types, the publishing departments as
``foaf:Agent``, the region's plan as ``eli:LegalResource``, and anything else range shapes ask
for (``foaf:Document``, ``dct:Standard``).

Every concept the output uses carries its labels twice, ``skos:prefLabel`` and ``rdfs:label``
(Chinese and English where known): DCAT readers such as ckanext-dcat read ``rdfs:label`` (and
``rdf:value``) of a value, and would otherwise keep only its URI. A file type is also a
``dct:IMT`` with ``rdf:value`` (its media type) and ``rdfs:label``, the shape ckanext-dcat's
``_distribution_format`` reads (``dct:IMT`` first, as it looks at the first ``rdf:type``); a
licence also has its ``dct:title`` (ckanext-dcat matches licences by title); an EU concept that
the file lists with an English label only gets the Chinese label of the portal's concept that
maps to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import import_module

from rdflib import BNode as RdfBNode
from rdflib import Literal, URIRef
from rdflib.term import Node as RdfNode

from catalog import uris
from catalog.models import Department
from exports.dcat.context import DCT_, FOAF_, RDFS_, SKOS_, PublishContext
from exports.rdf.terms import IRI, A, BNode, Chunk, Lit, Node, text
from vocab import divisions, eu_authority
from vocab.formats import FileFormat
from vocab.namespaces import EU_FILE_TYPE, RDF, SKOS, VOCAB_SENTINEL_BASE
from vocab.skos import Concept, ConceptScheme, parse_file

SENTINEL_ROOT = VOCAB_SENTINEL_BASE.removesuffix("vocab/")
ELI_LEGAL_RESOURCE = IRI("http://data.europa.eu/eli/ontology#LegalResource")
PLAN = "dataMarketReformPlan2022"  # individual of vocab/data/linked/ontology.ttl
ONTOLOGY_FILE = "linked/ontology.ttl"

SKOS_CONCEPT = SKOS_.Concept
SKOS_SCHEME = SKOS_.ConceptScheme
PREF_LABEL = SKOS_.prefLabel
IN_SCHEME = SKOS_.inScheme
DCT_TITLE = DCT_.title
RDFS_LABEL = RDFS_.label
RDF_VALUE = IRI(str(RDF.value))
# ADMS licence type of a licence that asks attribution (DCAT-AP's dct:type of a licence).
ATTRIBUTION_LICENCE = "http://purl.org/adms/licencetype/Attribution"
LICENCE_TYPES = "http://purl.org/adms/licencetype/1.0"


def rebase(iri: str, base_url: str) -> str:
    """A vocabulary-file IRI under the sentinel, moved under the portal's base URL."""
    if iri.startswith(SENTINEL_ROOT):
        return f"{base_url}/{iri[len(SENTINEL_ROOT) :]}"
    return iri


def from_rdflib(node: RdfNode, base_url: str, prefix: str = "v") -> Node:
    if isinstance(node, Literal):
        if node.language:
            return Lit(str(node), node.language)
        return Lit(str(node), None, str(node.datatype) if node.datatype else None)
    if isinstance(node, RdfBNode):
        return BNode(prefix + str(node))
    return IRI(rebase(str(node), base_url))


def labels(subject: IRI, values: Mapping[str, str]) -> Chunk:
    """``skos:prefLabel`` and ``rdfs:label`` of each language (the second for DCAT readers)."""
    out: Chunk = []
    for lang, value in sorted(values.items()):
        out += [(subject, PREF_LABEL, text(value, lang)), (subject, RDFS_LABEL, text(value, lang))]
    return out


def scheme_triples(scheme: ConceptScheme, base_url: str) -> Chunk:
    s = IRI(scheme.uri(base_url))
    out: Chunk = [(s, A, SKOS_SCHEME)]
    out += [(s, DCT_TITLE, text(v, lang)) for lang, v in sorted(scheme.labels.items())]
    out += labels(s, scheme.labels)
    return out


def concept_triples(
    concept: Concept, scheme: ConceptScheme, ctx: PublishContext, *types: IRI
) -> Chunk:
    """Our concept: class(es), labels, scheme, notation, matches; its scheme once."""
    s = IRI(concept.uri(ctx.base_url))
    out: Chunk = [(s, A, SKOS_CONCEPT)]
    out += [(s, A, t) for t in types]
    out += labels(s, concept.labels)
    out.append((s, IN_SCHEME, IRI(scheme.uri(ctx.base_url))))
    out.append((s, SKOS_.notation, Lit(concept.notation)))
    for predicate, targets in (
        (SKOS.exactMatch, concept.exact_match),
        (SKOS.closeMatch, concept.close_match),
        (SKOS.broadMatch, concept.broad_match),
    ):
        out += [(s, IRI(predicate), IRI(t)) for t in targets]
    ctx.describe(scheme.uri(ctx.base_url), out, lambda: scheme_triples(scheme, ctx.base_url))
    return out


def external_triples(
    iri: str, ctx: PublishContext, extra_labels: Mapping[str, str] | None = None
) -> Chunk:
    """What eu-authority.ttl says about an external concept, with its scheme once; its labels
    also as ``rdfs:label`` (and ``dct:title`` for a licence), completed from ``extra_labels``
    (the portal concept's labels) in languages the file lacks."""
    s = IRI(iri)
    out: Chunk = [(s, IRI(p), from_rdflib(o, ctx.base_url)) for p, o in _statements(iri)]
    found = {
        o.lang: o.value for _, p, o in out if p == PREF_LABEL and isinstance(o, Lit) and o.lang
    }
    given = extra_labels if extra_labels is not None else _portal_labels(iri)
    missing = {k: v for k, v in given.items() if k not in found}
    out += [(s, PREF_LABEL, text(v, lang)) for lang, v in sorted(missing.items())]
    names = {**found, **missing}
    out += [(s, RDFS_LABEL, text(v, lang)) for lang, v in sorted(names.items())]
    if (s, A, DCT_.LicenseDocument) in out:
        out += [(s, DCT_TITLE, text(v, lang)) for lang, v in sorted(names.items())]
    scheme = eu_authority.scheme_of(iri)
    if scheme:
        ctx.describe(scheme, out, lambda: external_triples(scheme, ctx))
    return out


@cache
def _portal_labels(iri: str) -> Mapping[str, str]:
    """The labels of the portal concept (open types, frequencies, licences) mapping to ``iri``."""
    for name in ("open_types", "frequencies", "licences"):
        for concept in import_module(f"vocab.{name}").scheme():
            if iri in concept.exact_match:
                return concept.labels
    return {}


@cache
def _statements(iri: str) -> tuple[tuple[URIRef, RdfNode], ...]:
    return eu_authority.statements(iri)


def describe_external(
    iri: str, ctx: PublishContext, out: Chunk, extra_labels: Mapping[str, str] | None = None
) -> None:
    ctx.describe(iri, out, lambda: external_triples(iri, ctx, extra_labels))


def file_type_triples(fmt: FileFormat, ctx: PublishContext) -> Chunk:
    s = IRI(fmt.eu_uri)
    scheme = EU_FILE_TYPE.removesuffix("/")
    out: Chunk = [
        (s, A, DCT_.IMT),  # first: ckanext-dcat reads the labels only when this is the type
        (s, A, DCT_.MediaTypeOrExtent),
        (s, A, SKOS_CONCEPT),
        *labels(s, {"en": fmt.label, "zh": fmt.label_zh}),
        (s, IN_SCHEME, IRI(scheme)),
    ]
    if fmt.media_type:
        out.append((s, RDF_VALUE, Lit(fmt.media_type)))
    ctx.describe(scheme, out, lambda: external_triples(scheme, ctx))
    return out


def media_type_triples(iri: str, essence: str) -> Chunk:
    """An IANA media type: ``dct:MediaType`` labelled with itself (``text/csv``)."""
    s = IRI(iri)
    return [(s, A, DCT_.MediaType), (s, RDFS_LABEL, Lit(essence)), (s, RDF_VALUE, Lit(essence))]


def agent_triples(department: Department, ctx: PublishContext) -> Chunk:
    s = IRI(uris.department_uri(ctx.base_url, department.slug))
    out: Chunk = [(s, A, FOAF_.Agent), (s, A, FOAF_.Organization)]
    out.append((s, FOAF_.name, text(department.name, "zh")))
    if department.name_en:
        out.append((s, FOAF_.name, text(department.name_en, "en")))
    if uris.is_valid_iri(department.homepage):
        out.append((s, FOAF_.homepage, IRI(str(department.homepage))))
    kind = publisher_type(department.division)
    out.append((s, DCT_.type, IRI(kind)))
    describe_external(kind, ctx, out)
    return out


def publisher_type(division_code: str | None) -> str:
    """Regional authority for the region's own bodies, local authority for cities, counties."""
    concept = divisions.division(division_code) if division_code else None
    if concept is None or divisions.level(concept) == 1:
        return eu_authority.REGIONAL_AUTHORITY
    return eu_authority.LOCAL_AUTHORITY


def operator_triples(ctx: PublishContext) -> Chunk:
    s = IRI(uris.operator_uri(ctx.base_url))
    kind = eu_authority.REGIONAL_AUTHORITY
    out: Chunk = [
        (s, A, FOAF_.Agent),
        (s, A, FOAF_.Organization),
        (s, FOAF_.name, text(OPERATOR["zh"], "zh")),
        (s, FOAF_.name, text(OPERATOR["en"], "en")),
        (s, DCT_.type, IRI(kind)),
    ]
    describe_external(kind, ctx, out)
    return out


OPERATOR = {"zh": "广西壮族自治区大数据发展局", "en": "Guangxi Big Data Development Bureau"}


def plan_iri(base_url: str) -> IRI:
    return IRI(f"{uris.ontology_uri(base_url)}#{PLAN}")


def plan_triples(ctx: PublishContext) -> Chunk:
    graph = parse_file(ONTOLOGY_FILE)
    subject = URIRef(SENTINEL_ROOT + "ns#" + PLAN)
    s = plan_iri(ctx.base_url)
    return [(s, IRI(p), from_rdflib(o, ctx.base_url)) for p, o in graph.predicate_objects(subject)]


def licence_document_triples(iri: str, concept: Concept) -> Chunk:
    """The platform's terms of use as a ``dct:LicenseDocument`` (titles, labels, definition)."""
    s = IRI(iri)
    out: Chunk = [(s, A, DCT_.LicenseDocument)]
    for lang, value in sorted(concept.labels.items()):
        label = text(value, lang)
        out += [(s, DCT_TITLE, label), (s, RDFS_LABEL, label), (s, PREF_LABEL, label)]
    out += [(s, DCT_.description, text(v, lang)) for lang, v in sorted(concept.definition.items())]
    out.append((s, DCT_.identifier, Lit(concept.notation)))
    out.append((s, DCT_.type, IRI(ATTRIBUTION_LICENCE)))
    out.append((IRI(ATTRIBUTION_LICENCE), A, SKOS_CONCEPT))
    out.append((IRI(ATTRIBUTION_LICENCE), PREF_LABEL, text("Attribution", "en")))
    out.append((IRI(ATTRIBUTION_LICENCE), IN_SCHEME, IRI(LICENCE_TYPES)))
    return out


def document_triples(iri: str, *types: IRI) -> Chunk:
    """A web page or specification, typed as range shapes ask (foaf:Document, dct:Standard)."""
    return [(IRI(iri), A, t) for t in types]

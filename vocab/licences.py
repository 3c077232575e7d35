"""Licences (许可协议) of datasets (``data/licences.ttl``), mapped to the EU licence table."""

from vocab.namespaces import EU_LICENSE, GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "licences.ttl"
PLATFORM_TERMS = "gxdata-terms"  # the platform's own terms of use (平台数据使用协议)

PROPERTIES = (
    PropertySpec("open", GXV.open, "bool", required=True),
    PropertySpec("od_conformance", GXV.odConformance, "str", required=True),
    PropertySpec("osd_conformance", GXV.osdConformance, "str", required=True),
    PropertySpec("portal_page", GXV.portalPage, "str"),
)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def licence(value: str) -> Concept | None:
    """A licence by SPDX id (ODC-PDDL-1.0), label, EU licence URI or licence web page URI."""
    return scheme().lookup(value)


def eu_licence(notation: str) -> str:
    """The EU licence-table URI (dct:license) of a licence; KeyError if unknown or none."""
    concept = scheme().require(notation)
    return next(uri for uri in concept.exact_match if uri.startswith(EU_LICENSE))


def eu_match(concept: Concept) -> str | None:
    """The concept's entry in the EU licence table, if it has one."""
    return next((uri for uri in concept.exact_match if uri.startswith(EU_LICENSE)), None)


def is_open(notation: str) -> bool:
    """Whether a licence of the table is open (Open Definition 2.1); False if unknown."""
    concept = scheme().by_notation(notation)
    return concept is not None and concept.flag("open")


def portal_page(concept: Concept) -> str | None:
    """The path below the portal's base URL of a licence the portal itself publishes."""
    return concept.text("portal_page")


def web_page(concept: Concept) -> str | None:
    """The licence's own web page (its first https close match) for a licence published
    elsewhere; None for the portal's own terms (see :func:`portal_page`)."""
    pages = [uri for uri in concept.close_match if uri.startswith("https://")]
    return pages[0] if pages else (concept.close_match[0] if concept.close_match else None)

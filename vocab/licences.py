"""Licences (许可协议) of datasets (``data/licences.ttl``), mapped to the EU licence table."""

from vocab.namespaces import EU_LICENSE
from vocab.skos import Concept, ConceptScheme, load_scheme

FILENAME = "licences.ttl"


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME)


def licence(value: str) -> Concept | None:
    """A licence by SPDX id (ODC-PDDL-1.0), label, EU licence URI or licence web page URI."""
    return scheme().lookup(value)


def eu_licence(notation: str) -> str:
    """The EU licence-table URI (dct:license) of a licence; KeyError if unknown."""
    concept = scheme().require(notation)
    return next(uri for uri in concept.exact_match if uri.startswith(EU_LICENSE))

"""The external authority concepts the DCAT-AP output points to (``data/eu-authority.ttl``).

EU data themes, frequencies, access rights, languages and licences, the high-value dataset
categories, ADMS publisher types and the SPDX checksum algorithm: their class, scheme and
labels, which validators need beside the records. :func:`statements` gives what the file says
about one IRI (empty for an IRI it does not list).
"""

from __future__ import annotations

from functools import cache

from rdflib import Graph, URIRef
from rdflib.term import Node

from vocab.namespaces import EU_AUTHORITY
from vocab.skos import parse_file

FILENAME = "linked/eu-authority.ttl"
LANGUAGE = EU_AUTHORITY + "language/"
CHINESE = LANGUAGE + "ZHO"
ENGLISH = LANGUAGE + "ENG"
REGIONAL_AUTHORITY = "http://purl.org/adms/publishertype/RegionalAuthority"
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"


def graph() -> Graph:
    return parse_file(FILENAME)


@cache
def statements(iri: str) -> tuple[tuple[URIRef, Node], ...]:
    """(predicate, object) pairs the file states about ``iri``, in a stable order."""
    pairs = graph().predicate_objects(URIRef(iri))
    return tuple(sorted(pairs, key=lambda pair: (str(pair[0]), str(pair[1]))))  # type: ignore[arg-type]


def scheme_of(iri: str) -> str | None:
    """The authority table (concept scheme) ``iri`` belongs to, if the file lists it."""
    for predicate, obj in statements(iri):
        if str(predicate).endswith("#inScheme"):
            return str(obj)
    return None

"""What a DCAT document being written needs to know: base URL, blank nodes, what it described.

A document describes each vocabulary concept, agent and service it points to once, the first
time it points to it (validators need their classes and labels beside the records). The
context remembers those IRIs; for a streamed dump that set is bounded by the number of
distinct concepts and departments, not by the number of datasets.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from exports.dcat.quality import QualityProvider
from exports.rdf.terms import BNode, Chunk, Vocabulary
from vocab import namespaces as ns

log = logging.getLogger("exports.dcat")


def prefixes(base_url: str) -> dict[str, str]:
    """The prefixes of every document: W3C and EU vocabularies and the portal's ``gx:``."""
    return {
        "rdf": str(ns.RDF),
        "rdfs": str(ns.RDFS),
        "xsd": str(ns.XSD),
        "owl": str(ns.OWL),
        "dcat": str(ns.DCAT),
        "dct": str(ns.DCT),
        "dcatap": str(ns.DCATAP),
        "foaf": str(ns.FOAF),
        "vcard": str(ns.VCARD),
        "skos": str(ns.SKOS),
        "spdx": str(ns.SPDX),
        "prov": str(ns.PROV),
        "hydra": str(ns.HYDRA),
        "dqv": str(ns.DQV),
        "eli": "http://data.europa.eu/eli/ontology#",
        "schema": str(ns.SCHEMA),
        "odrl": str(ns.ODRL),
        "filetype": str(ns.EU_FILE_TYPE),
        "theme": str(ns.EU_DATA_THEME),
        "freq": str(ns.EU_FREQUENCY),
        "access": str(ns.EU_ACCESS_RIGHT),
        "lang": ns.EU_AUTHORITY + "language/",
        "licence": str(ns.EU_LICENSE),
        "hvd": str(ns.HVD_CATEGORY),
        "iana": str(ns.IANA_MEDIA),
        "gx": str(ns.gx_namespace(base_url)),
    }


@dataclass
class PublishContext:
    """One document being written. ``quality`` is the hook for DQV measurements."""

    base_url: str
    quality: QualityProvider | None = None
    in_catalog: bool = False  # add catalog and sub-catalog membership to each dataset
    described: set[str] = field(default_factory=set)
    _bnodes: Iterable[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    def bnode(self) -> BNode:
        return BNode(f"b{next(self._bnodes)}")  # type: ignore[call-overload]

    def describe(self, iri: str, out: Chunk, triples: Callable[[], Chunk]) -> None:
        """Append what we say about ``iri`` to ``out``, the first time it is named."""
        if iri in self.described:
            return
        self.described.add(iri)
        out.extend(triples())


def skipped(what: str, value: object, reason: str) -> None:
    """A value that cannot be published: logged, never fatal."""
    log.warning("skipped %s %r: %s", what, value, reason)


# The namespaces as attribute tables of ready-made IRIs (see exports.rdf.terms.Vocabulary).
DCAT_ = Vocabulary(ns.DCAT)
DCT_ = Vocabulary(ns.DCT)
DCATAP_ = Vocabulary(ns.DCATAP)
DQV_ = Vocabulary(ns.DQV)
SPDX_ = Vocabulary(ns.SPDX)
VCARD_ = Vocabulary(ns.VCARD)
FOAF_ = Vocabulary(ns.FOAF)
HYDRA_ = Vocabulary(ns.HYDRA)
SKOS_ = Vocabulary(ns.SKOS)
RDFS_ = Vocabulary(ns.RDFS)
ODRL_ = Vocabulary(ns.ODRL)

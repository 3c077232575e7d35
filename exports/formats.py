"""The registry of RDF output formats: suffix, media types, and how each is written.

One row per format; the portal's content negotiation, suffix URLs, ``Link`` headers, the CLI
and the dump all read this table. Turtle, N-Triples and JSON-LD are written chunk by chunk
(streamed); RDF/XML goes through rdflib and is offered for pages and single records only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from exports.dcat.context import prefixes
from exports.rdf.graph import to_graph
from exports.rdf.terms import Chunk
from exports.rdf.writers import JsonLdWriter, NTriplesWriter, TurtleWriter


@dataclass(frozen=True)
class RdfFormat:
    suffix: str  # the canonical URL suffix: /catalog.ttl
    media_type: str  # Content-Type
    label: str
    accepts: tuple[str, ...]  # media types that ask for it in an Accept header
    streams: bool  # written chunk by chunk (a dump of any size)

    def write(self, chunks: Iterable[Chunk], base_url: str) -> Iterator[str]:
        """The document as text pieces; streamed formats keep one chunk in memory."""
        if self.suffix == "rdf":
            triples = [t for chunk in chunks for t in chunk]
            graph = to_graph(triples, prefixes(base_url))
            yield graph.serialize(format="xml")
            return
        writer = _writer(self.suffix, base_url)
        yield writer.start()
        for chunk in chunks:
            yield writer.chunk(chunk)
        yield writer.end()


def _writer(suffix: str, base_url: str) -> TurtleWriter | NTriplesWriter | JsonLdWriter:
    if suffix == "ttl":
        return TurtleWriter(prefixes(base_url))
    if suffix == "jsonld":
        return JsonLdWriter(prefixes(base_url))
    return NTriplesWriter()


FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat(
        "ttl", "text/turtle; charset=utf-8", "Turtle", ("text/turtle", "application/x-turtle"), True
    ),
    RdfFormat(
        "rdf",
        "application/rdf+xml; charset=utf-8",
        "RDF/XML",
        ("application/rdf+xml", "application/xml", "text/xml"),
        False,
    ),
    RdfFormat(
        "jsonld", "application/ld+json; charset=utf-8", "JSON-LD", ("application/ld+json",), True
    ),
    RdfFormat(
        "nt",
        "application/n-triples; charset=utf-8",
        "N-Triples",
        ("application/n-triples", "text/plain"),
        True,
    ),
)
BY_SUFFIX = {f.suffix: f for f in FORMATS}

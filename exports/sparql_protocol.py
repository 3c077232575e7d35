"""What the portal and the SPARQL store's worker say to each other: answers, failures and
the result media types, without pyoxigraph (about 11 MB), which only the process that holds
the store loads (the worker, or the portal itself for an in-memory store).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """A written result: what it is, its text, its format key and whether it was cut."""

    kind: str
    text: str
    key: str
    truncated: bool


class QueryFailed(ValueError):
    """The query is malformed, an update, or ran out of time (a stable kebab-case code);
    ``retry_after`` seconds when the endpoint is busy (503, 429)."""

    def __init__(
        self, code: str, message: str, status: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.retry_after = retry_after


RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a protocol request names (``default-graph-uri``, ``named-graph-uri``)."""

    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]

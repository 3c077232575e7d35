"""RDF documents as they arrive: which syntax, a graph, and the next page.

:func:`parse_document` reads Turtle, RDF/XML, JSON-LD or N-Triples into a graph. A JSON-LD
``@context`` that names a URL is resolved from :data:`LOCAL_CONTEXTS` (or the ``contexts``
given), never fetched: a context that is not known locally is an error
(``jsonld-remote-context``), not a request to some server. That holds for every context in the
document: the top one, a nested node's, a term's or a type's scoped context and ``@import``;
and rdflib's own context loader is replaced by one that refuses every URL, so that nothing is
read from the network or the file system even where that walk missed a reference.

Before a parser runs, a JSON-LD text nested deeper than :class:`InputLimits` allows is refused
(``document-too-deep``, as is Turtle whose nesting exhausts the parser's recursion), and an
RDF/XML document that declares entities is refused (``xml-entities``): no billion laughs.
Every problem is a :class:`DocumentError` with a stable code.

:func:`next_page` follows Hydra paging (``hydra:next`` and the older ``hydra:nextPage``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urljoin

from rdflib import Graph, URIRef
from rdflib.plugins.shared.jsonld.context import Context

from catalog.input_limits import (
    InputLimitError,
    InputLimits,
    check_json_depth,
    refuse_entity_declarations,
)
from vocab.namespaces import HYDRA

# Syntax names as rdflib knows them, by media type and by file extension.
MEDIA_TYPES: dict[str, str | None] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
    "text/plain": None,  # says nothing: sniff
}
EXTENSIONS = {
    "ttl": "turtle",
    "rdf": "xml",
    "xml": "xml",
    "owl": "xml",
    "jsonld": "json-ld",
    "json": "json-ld",
    "nt": "nt",
}
SYNTAXES = ("turtle", "xml", "json-ld", "nt")
_N_TRIPLE = re.compile(rb"^(<[^>\s]*>|_:\S+) <[^>\s]*> .+ \.$")

# JSON-LD contexts the portal knows without fetching them: URL -> the context document.
LOCAL_CONTEXTS: dict[str, dict[str, Any]] = {}


class DocumentError(ValueError):
    """An RDF document that cannot be read; ``code`` is stable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def rdf_syntax(content_type: str | None, name: str | None, data: bytes) -> str:
    """The syntax of a document from its media type, its name, or its first bytes."""
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    by_media_type = MEDIA_TYPES.get(essence)
    if by_media_type:
        return by_media_type
    path = (name or "").split("?", 1)[0].rsplit("/", 1)[-1]
    if "." in path and path.rsplit(".", 1)[-1].lower() in EXTENSIONS:
        return EXTENSIONS[path.rsplit(".", 1)[-1].lower()]
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "json-ld"
    if head.startswith(b"<?xml") or head.startswith(b"<rdf:RDF") or b"<rdf:RDF" in head:
        return "xml"
    if _N_TRIPLE.match(head.split(b"\n", 1)[0].strip()):
        return "nt"
    return "turtle"  # which also reads N-Triples


def parse_document(
    data: bytes,
    syntax: str,
    base: str | None = None,
    contexts: Mapping[str, dict[str, Any]] | None = None,
    limits: InputLimits | None = None,
) -> Graph:
    """A graph of ``data``; a :class:`DocumentError` when it is not valid ``syntax``."""
    if syntax not in SYNTAXES:
        raise DocumentError("unsupported-syntax", f"cannot read RDF syntax {syntax!r}")
    _quiet_literal_warnings()
    refuse_remote_contexts()
    graph = Graph()
    try:
        if syntax == "json-ld":
            check_json_depth(data, limits or InputLimits())
            document = _local_json_ld(data, {**LOCAL_CONTEXTS, **(contexts or {})})
            payload: str | bytes = json.dumps(document)
        else:
            if syntax == "xml":
                refuse_entity_declarations(data)
            payload = data
    except InputLimitError as error:
        raise DocumentError(error.code, error.message) from None
    try:
        graph.parse(data=payload, format=syntax, publicID=base)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError("document-too-deep", f"the {syntax} is nested too deeply") from None
    except Exception as error:  # every parser has its own exception types
        raise DocumentError("malformed-rdf", f"not valid {syntax}: {_short(error)}") from None
    return graph


def next_page(graph: Graph, page_url: str | None = None) -> str | None:
    """The URL of the next page (``hydra:next``, or the older ``hydra:nextPage``)."""
    for predicate in (HYDRA.next, HYDRA.nextPage):
        for value in sorted(graph.objects(None, predicate), key=str):
            if isinstance(value, URIRef) or str(value).strip():
                return urljoin(page_url or "", str(value).strip())
    return None


def _local_json_ld(data: bytes, contexts: Mapping[str, dict[str, Any]]) -> object:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise DocumentError("document-too-deep", "the JSON-LD is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise DocumentError("malformed-rdf", f"not valid JSON-LD: {_short(error)}") from None
    return _resolve_contexts(document, contexts)


def _resolve_contexts(node: object, contexts: Mapping[str, dict[str, Any]]) -> object:
    """``node`` with every remote ``@context`` reference replaced by its local copy."""
    if isinstance(node, list):
        return [_resolve_contexts(item, contexts) for item in node]
    if not isinstance(node, dict):
        return node
    resolved: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            resolved[key] = _context_value(value, contexts)
        else:
            resolved[key] = _resolve_contexts(value, contexts)
    return resolved


def _context_value(value: object, contexts: Mapping[str, dict[str, Any]]) -> object:
    """A context with every reference replaced by its local copy: at its top, and in the
    scoped contexts of its term and type definitions, at any depth."""
    if isinstance(value, list):
        return [_context_value(item, contexts) for item in value]
    if isinstance(value, str):
        known = contexts.get(value) or contexts.get(value.rstrip("/"))
        if known is None:
            raise _remote_context(value)
        return known.get("@context", known)
    if isinstance(value, dict):
        if "@import" in value:
            raise DocumentError("jsonld-remote-context", "a JSON-LD context uses @import")
        return {
            key: _context_value(item, contexts)
            if key == "@context"
            else _in_context(item, contexts)
            for key, item in value.items()
        }
    return value


def _in_context(value: object, contexts: Mapping[str, dict[str, Any]]) -> object:
    """A term definition (or anything inside one): its scoped ``@context`` made local."""
    if isinstance(value, list):
        return [_in_context(item, contexts) for item in value]
    if isinstance(value, dict):
        return _context_value(value, contexts)
    return value


def _remote_context(reference: object) -> DocumentError:
    """The same error whatever is at the reference: it is never looked at."""
    return DocumentError(
        "jsonld-remote-context",
        f"the JSON-LD context {str(reference)[:200]} is not known locally and is never fetched",
    )


@cache
def refuse_remote_contexts() -> None:
    """rdflib fetches a context it is given by URL (``Context._fetch_context``, through
    ``source_to_json``: http, https and file). The portal never wants that: every context is
    made local before parsing, and this loader refuses whatever reference is left."""

    def refuse(self: Context, source: str, base: str | None, referenced_contexts: set[str]) -> Any:
        raise _remote_context(source)

    Context._fetch_context = refuse  # type: ignore[method-assign]


class _IllTypedLiteralFilter(logging.Filter):
    """rdflib logs a traceback for every ill-typed literal (a date such as 2010-01-35); the
    profile reports those itself, as warnings of the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


@cache
def _quiet_literal_warnings() -> None:
    logging.getLogger("rdflib.term").addFilter(_IllTypedLiteralFilter())


def _short(error: BaseException, limit: int = 300) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + "…"

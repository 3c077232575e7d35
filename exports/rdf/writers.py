"""Streaming writers: each turns chunks of triples into text, one chunk at a time.

A writer has ``start()``, ``chunk(triples)`` and ``end()``, each returning a string; the
concatenation is one document. Nothing is kept between chunks but the prefix table, so
writing 100,000 datasets needs the memory of one. Blank nodes are written inline (Turtle
``[ … ]``, nested JSON-LD objects) when the chunk references them once, else by label.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from exports.rdf.terms import IRI, RDF_TYPE, XSD, BNode, Chunk, Lit, Node, Subject

_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
XSD_STRING = XSD + "string"
_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def escape_string(value: str) -> str:
    """The body of a double-quoted N-Triples/Turtle string."""
    return value.translate(_NT_ESCAPES)


class NTriplesWriter:
    media_type = "application/n-triples"

    def start(self) -> str:
        return ""

    def __init__(self) -> None:
        self._rendered: dict[Node, str] = {}

    def chunk(self, triples: Chunk) -> str:
        return "".join(f"{self._term(s)} <{p}> {self._term(o)} .\n" for s, p, o in triples)

    def _term(self, node: Node) -> str:
        if type(node) is BNode:
            return f"_:{node}"
        rendered = self._rendered.get(node)
        if rendered is None:
            rendered = _nt(node)
            if len(self._rendered) > 200_000:  # bounded: dataset IRIs and texts do not repeat
                self._rendered.clear()
            self._rendered[node] = rendered
        return rendered

    def end(self) -> str:
        return ""


def _nt(node: Node) -> str:
    if isinstance(node, Lit):
        body = f'"{escape_string(node.value)}"'
        if node.lang:
            return f"{body}@{node.lang}"
        if node.datatype and node.datatype != XSD + "string":
            return f"{body}^^<{node.datatype}>"
        return body
    if isinstance(node, BNode):
        return f"_:{node}"
    return f"<{node}>"


class _Prefixed:
    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = dict(prefixes)
        # every namespace ends in "/" or "#": an IRI's namespace is what precedes its last one
        self._by_namespace = {namespace: prefix for prefix, namespace in prefixes.items()}
        self._rendered: dict[Node, str] = {}

    def curie(self, iri: str) -> str | None:
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        prefix = self._by_namespace.get(iri[:cut])
        if prefix is None or not _LOCAL.match(iri[cut:]):
            return None
        return f"{prefix}:{iri[cut:]}"


class TurtleWriter(_Prefixed):
    media_type = "text/turtle"

    def start(self) -> str:
        lines = [f"@prefix {p}: <{ns}> ." for p, ns in self.prefixes.items()]
        return "\n".join(lines) + "\n\n"

    def chunk(self, triples: Chunk) -> str:
        grouped, inline = _group(triples)
        out = []
        for subject, pairs in grouped.items():
            if subject in inline:
                continue
            out.append(f"{self._term(subject)}{self._body(pairs, grouped, inline, 1)} .\n\n")
        return "".join(out)

    def end(self) -> str:
        return ""

    def _body(
        self,
        pairs: list[tuple[IRI, Node]],
        grouped: dict[Subject, list[tuple[IRI, Node]]],
        inline: set[BNode],
        depth: int,
    ) -> str:
        """``p o , o ; p o`` lines; consecutive objects of one predicate share it."""
        indent = "\n" + "    " * depth
        parts: list[str] = []
        previous = None
        term = self._term
        for p, o in pairs:
            if type(o) is BNode and o in inline:
                rendered = f"[{self._body(grouped[o], grouped, inline, depth + 1)}{indent}]"
            else:
                rendered = term(o)
            if p == previous:
                parts.append(" , ")
            else:
                if previous is not None:
                    parts.append(" ;")
                parts.append(indent)
                parts.append("a " if p == RDF_TYPE else term(p) + " ")
                previous = p
            parts.append(rendered)
        return "".join(parts)

    def _term(self, node: Node) -> str:
        """A node in Turtle; IRIs and literals that repeat are rendered once."""
        if type(node) is BNode:
            return f"_:{node}"
        rendered = self._rendered.get(node)
        if rendered is not None:
            return rendered
        if type(node) is Lit:
            body = f'"{escape_string(node.value)}"'
            if node.lang:
                rendered = f"{body}@{node.lang}"
            elif node.datatype and node.datatype != XSD_STRING:
                rendered = f"{body}^^{self._term(IRI(node.datatype))}"
            else:
                rendered = body
        else:
            rendered = self.curie(node) or f"<{node}>"  # type: ignore[arg-type]
        if len(self._rendered) > 200_000:  # bounded: dataset IRIs and texts do not repeat
            self._rendered.clear()
        self._rendered[node] = rendered
        return rendered

    def _iri(self, iri: str) -> str:
        return self._term(IRI(iri))


def _group(
    triples: Chunk,
) -> tuple[dict[Subject, list[tuple[IRI, Node]]], set[BNode]]:
    grouped: dict[Subject, list[tuple[IRI, Node]]] = {}
    uses: dict[BNode, int] = {}
    for s, p, o in triples:
        grouped.setdefault(s, []).append((p, o))
        if isinstance(o, BNode):
            uses[o] = uses.get(o, 0) + 1
    inline = {b for b, n in uses.items() if n == 1 and b in grouped}
    return grouped, inline


class JsonLdWriter(_Prefixed):
    """JSON-LD 1.1 in compacted form: ``{"@context": {prefixes}, "@graph": [nodes]}``."""

    media_type = "application/ld+json"

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        super().__init__(prefixes)
        self._first = True
        self._compact: dict[str, str] = {}

    def start(self) -> str:
        context = json.dumps(self.prefixes, ensure_ascii=False)
        return '{"@context": ' + context + ',\n"@graph": [\n'

    def chunk(self, triples: Chunk) -> str:
        grouped, inline = _group(triples)
        out = []
        for subject, pairs in grouped.items():
            if subject in inline:
                continue
            node = self._node(subject, pairs, grouped, inline)
            text = json.dumps(node, ensure_ascii=False)
            out.append(text if self._first else ",\n" + text)
            self._first = False
        return "".join(out)

    def end(self) -> str:
        return "\n]}\n"

    def _node(
        self,
        subject: Subject,
        pairs: list[tuple[IRI, Node]],
        grouped: dict[Subject, list[tuple[IRI, Node]]],
        inline: set[BNode],
    ) -> dict[str, Any]:
        node: dict[str, Any] = {}
        if not (isinstance(subject, BNode) and subject in inline):
            node["@id"] = f"_:{subject}" if isinstance(subject, BNode) else self._iri(subject)
        for p, o in pairs:
            if p == RDF_TYPE and isinstance(o, IRI):
                node.setdefault("@type", []).append(self._iri(o))
                continue
            if isinstance(o, BNode) and o in inline:
                value: Any = self._node(o, grouped[o], grouped, inline)
            elif isinstance(o, Lit):
                value = {"@value": o.value}
                if o.lang:
                    value["@language"] = o.lang
                elif o.datatype and o.datatype != XSD + "string":
                    value["@type"] = self._iri(o.datatype)
            elif isinstance(o, BNode):
                value = {"@id": f"_:{o}"}
            else:
                value = {"@id": self._iri(o)}
            node.setdefault(self._iri(p), []).append(value)
        return node

    def _iri(self, iri: str) -> str:
        compact = self._compact.get(iri)
        if compact is None:
            compact = self.curie(iri) or iri
            if len(self._compact) > 200_000:  # bounded: dataset IRIs do not repeat
                self._compact.clear()
            self._compact[iri] = compact
        return compact


def nquads(triples: Chunk, graph: str) -> str:
    """N-Quads lines of ``triples`` in the named graph ``graph`` (one load, one bnode scope)."""
    return "".join(f"{_nt(s)} <{p}> {_nt(o)} <{graph}> .\n" for s, p, o in triples)

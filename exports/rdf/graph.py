"""Plain triples to an rdflib Graph (for one dataset, RDF/XML, SPARQL loading and tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import BNode as RdfBNode
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node as RdfNode

from exports.rdf.terms import BNode, Lit, Node, Triple


def to_rdflib(node: Node, bnodes: dict[str, RdfBNode]) -> RdfNode:
    if isinstance(node, Lit):
        if node.lang:
            return Literal(node.value, lang=node.lang)
        return Literal(node.value, datatype=URIRef(node.datatype) if node.datatype else None)
    if isinstance(node, BNode):
        if node not in bnodes:
            bnodes[node] = RdfBNode(str(node))
        return bnodes[node]
    return URIRef(node)


def to_graph(triples: Iterable[Triple], prefixes: Mapping[str, str] | None = None) -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (prefixes or {}).items():
        graph.bind(prefix, namespace)
    bnodes: dict[str, RdfBNode] = {}
    for s, p, o in triples:
        graph.add((to_rdflib(s, bnodes), URIRef(p), to_rdflib(o, bnodes)))
    return graph

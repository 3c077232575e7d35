"""A small, fast RDF layer for publishing: terms, and streaming N-Triples, Turtle and JSON-LD.

rdflib is the reference for parsing and for small graphs, but building one rdflib term costs
microseconds and its serializers hold the whole graph: a 100,000-dataset catalog would take
gigabytes and minutes. Publishers here yield plain tuples (:mod:`exports.rdf.terms`) in
*chunks* (one dataset with its distributions and blank nodes); the writers turn each chunk
into text and forget it, so memory stays flat whatever the catalog size.
:func:`exports.rdf.graph.to_graph` turns the same triples into an rdflib Graph when one is
wanted (a single dataset, RDF/XML, tests).
"""

"""The catalog domain: models, service functions, queries, URIs and the search index.

Imports neither Flask nor rdflib: the web shell (``portal``), the harvesters and the
exporters depend on this package, never the other way round.
"""

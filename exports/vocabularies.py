"""The portal's vocabularies and ontology as published linked data.

Each SKOS file of ``vocab/data`` is served under ``{base}/vocab/<scheme path>`` (the scheme)
and ``{base}/vocab/<concept path>`` (a concept); the portal's ontology under ``{base}/ns``.
The files' relative IRIs are rebased under the base URL; the ``gxv:`` properties are internal
to the files and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import import_module

from rdflib import BNode as RdfBNode
from rdflib import Graph, URIRef

from exports.dcat import describe
from exports.dcat.context import PublishContext
from exports.dcat.describe import ONTOLOGY_FILE, SENTINEL_ROOT, from_rdflib, rebase
from exports.dcat.profile import scheme_named
from exports.dcat.write import MAPPED_TABLES
from exports.rdf.terms import IRI, Chunk
from vocab import eu_authority, formats
from vocab.namespaces import GXV
from vocab.skos import ConceptScheme, parse_file

MODULES = (
    "categories",
    "open_types",
    "share_types",
    "sensitivity",
    "frequencies",
    "delivery_channels",
    "formats",
    "divisions",
    "topics",
    "licences",
)


@cache
def schemes() -> dict[str, tuple[ConceptScheme, str]]:
    """Scheme path → (scheme, file name), for every published vocabulary."""
    found = {}
    for name in MODULES:
        module = import_module(f"vocab.{name}")
        scheme = module.scheme()
        found[scheme.path] = (scheme, module.FILENAME)
    return found


def _graph_chunk(graph: Graph, base_url: str, subjects: set[URIRef] | None = None) -> Chunk:
    out: Chunk = []
    for s, p, o in graph:
        if str(p).startswith(str(GXV)) or (subjects is not None and s not in subjects):
            continue
        if isinstance(s, RdfBNode):
            continue  # the files use none; keep the output IRI-only
        out.append((IRI(rebase(str(s), base_url)), IRI(str(p)), from_rdflib(o, base_url)))
    return sorted(out, key=lambda t: (t[0], t[1], str(t[2])))


def scheme_chunk(path: str, base_url: str) -> Chunk | None:
    """A whole vocabulary (scheme and concepts), or None if ``path`` names none."""
    entry = schemes().get(path)
    if entry is None:
        return None
    return _graph_chunk(parse_file(entry[1]), base_url)


def concept_chunk(path: str, base_url: str) -> Chunk | None:
    """One concept (or scheme header) by its path below /vocab/, or None."""
    scheme_path = path.split("/", 1)[0]
    entry = schemes().get(scheme_path)
    if entry is None:
        return None
    if path == scheme_path:
        return scheme_chunk(path, base_url)
    subject = URIRef(SENTINEL_ROOT + "vocab/" + path)
    graph = parse_file(entry[1])
    if (subject, None, None) not in graph:
        return None
    return _graph_chunk(graph, base_url, {subject})


def ontology_chunk(base_url: str) -> Chunk:
    return _graph_chunk(parse_file(ONTOLOGY_FILE), base_url)


def all_vocabulary_chunks(base_url: str) -> Iterator[Chunk]:
    """Every vocabulary, the ontology and the external concepts (for the SPARQL store's shared
    graph), each concept's ``skos:prefLabel`` also as ``rdfs:label`` (what DCAT readers read),
    and the external concepts the datasets point to as the dataset documents describe them."""
    for path in schemes():
        chunk = scheme_chunk(path, base_url)
        if chunk:
            yield _with_rdfs_labels(chunk)
    yield ontology_chunk(base_url)
    yield _with_rdfs_labels(_graph_chunk(parse_file(eu_authority.FILENAME), base_url))
    yield mapped_concepts_chunk(base_url)


def _with_rdfs_labels(chunk: Chunk) -> Chunk:
    return chunk + [(s, describe.RDFS_LABEL, o) for s, p, o in chunk if p == describe.PREF_LABEL]


def mapped_concepts_chunk(base_url: str) -> Chunk:
    """The EU file types, frequencies, access rights and licences the portal's schemes map to,
    with the labels, classes and ``rdf:value`` the dataset documents give them."""
    ctx = PublishContext(base_url)
    out: Chunk = []
    for fmt in formats.all_formats():
        if fmt.eu_uri:
            ctx.describe(fmt.eu_uri, out, lambda f=fmt: describe.file_type_triples(f, ctx))  # type: ignore[misc]
    for name, table in MAPPED_TABLES.items():
        if name == "formats":
            continue
        for concept in scheme_named(name):
            for match in concept.exact_match:
                if match.startswith(table):
                    describe.describe_external(match, ctx, out, concept.labels)
    return out

"""The SPARQL endpoint's SPARQL 1.1 Service Description (``sd:Service``).

Served at the endpoint's own address to a ``GET`` without a query that asks for RDF, beside
its DCAT description as a ``dcat:DataService``. It names the query language, the result
formats of :mod:`exports.sparql_protocol` and the default dataset: the union of the shared
graph (catalog record, vocabularies, departments) and one named graph per public dataset,
named by the dataset's URI (:mod:`exports.sparql`).
"""

from __future__ import annotations

from catalog import uris
from exports.rdf.terms import IRI, A, Chunk, Vocabulary, text
from vocab.namespaces import SD, W3C_FORMATS

SD_ = Vocabulary(SD)
FORMATS_ = Vocabulary(W3C_FORMATS)
RESULT_FORMATS = (  # W3C format URIs of what the endpoint writes (SELECT/ASK, then graphs)
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
)
RDFS_COMMENT = IRI("http://www.w3.org/2000/01/rdf-schema#comment")


def service_description(base_url: str, shared_graph: str) -> Chunk:
    s = IRI(uris.sparql_uri(base_url))
    out: Chunk = [
        (s, A, SD_.Service),
        (s, SD_.endpoint, s),
        (s, SD_.supportedLanguage, SD_.SPARQL11Query),
        (s, SD_.feature, SD_.UnionDefaultGraph),
        (s, SD_.defaultEntailmentRegime, IRI("http://www.w3.org/ns/entailment/Simple")),
    ]
    out += [(s, SD_.resultFormat, getattr(FORMATS_, name)) for name in RESULT_FORMATS]
    dataset, default, named = IRI(f"{s}#dataset"), IRI(f"{s}#default-graph"), IRI(shared_graph)
    out += [
        (s, SD_.defaultDataset, dataset),
        (dataset, A, SD_.Dataset),
        (dataset, SD_.defaultGraph, default),
        (default, A, SD_.Graph),
        (dataset, SD_.namedGraph, named),
        (named, A, SD_.NamedGraph),
        (named, SD_.name, named),
        (
            dataset,
            RDFS_COMMENT,
            text("默认图是全部图的并集；每个公开数据集各有一个以其 URI 命名的图。", "zh"),
        ),
        (
            dataset,
            RDFS_COMMENT,
            text(
                "The default graph is the union of all graphs; each public dataset has a "
                "named graph of its own, named by the dataset's URI.",
                "en",
            ),
        ),
    ]
    return out

"""Third-party DCAT records read with the RDF stack the harvester uses (read in place).

These check the reference files themselves at the RDF level: every W3C DCAT 3 example, every
DCAT-AP 3.0.1 and HVD example and the real German, Spanish and Swiss records parse and describe
DCAT resources; the known-broken ones fail with an error that says what is wrong. Reading them
into drafts is the DCAT harvester's part (exports/dcat/parse.py) and is tested with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

from vocab.namespaces import DCAT

FORMATS = {".ttl": "turtle", ".rdf": "xml", ".xml": "xml", ".jsonld": "json-ld"}
DCAT_CLASSES = {DCAT.Dataset, DCAT.Catalog, DCAT.DataService, DCAT.Distribution,
                DCAT.DatasetSeries, DCAT.Resource, DCAT.CatalogRecord}  # fmt: skip
# Files that are not valid Turtle, and the words the parser's error uses about them.
BROKEN = {
    "ckanext-dcat-examples/dcat/dataset.ttl": 'Prefix "healthdcatap:" not bound',  # INDEX.md
    # "/" is not allowed unescaped in a prefixed name's local part (Turtle 1.1, PN_LOCAL)
    "dcat-ap/3.0.1/examples/example-bee-population-dataset-series-api.ttl": "line 20",
    "dcat-ap/3.0.1/examples/example-bee-population-dataset-series-combined.ttl": "line 32",
    "dcat-ap/hvd-3.0.0/examples/example-bees_wasps_dataset.ttl": "line 2",
}
BAD_DATES = {"dcat-rdf-real/opendata-swiss-dcatapch/dataset-datetimes-bad.xml"}


def _files(root: Path) -> list[Path]:
    folders = [
        root / "w3c-dcat3" / "examples",
        root / "dcat-ap" / "3.0.1" / "examples",
        root / "dcat-ap" / "hvd-3.0.0" / "examples",
        root / "ckanext-dcat-examples" / "dcat",
        root / "dcat-rdf-real" / "opendata-swiss-dcatapch",
    ]
    return sorted(p for folder in folders for p in folder.iterdir() if p.suffix in FORMATS)


def _parse(path: Path) -> Graph:
    # JSON-LD examples with remote contexts are not fetched: this machine has no network
    return Graph().parse(path, format=FORMATS[path.suffix])


def test_reference_records_parse_and_describe_dcat_resources(shared_reference):
    files = [
        p for p in _files(shared_reference) if str(p.relative_to(shared_reference)) not in BROKEN
    ]  # noqa: E501
    assert len(files) > 80
    without_dcat = []
    for path in files:
        name = str(path.relative_to(shared_reference))
        graph = _parse(path)
        assert len(graph) > 0, name
        typed = set(graph.objects(None, RDF.type)) & DCAT_CLASSES
        used = {p for p in graph.predicates() if str(p).startswith(str(DCAT))}
        if not (typed or used):
            without_dcat.append(path.name)
    # a licence mapping (SKOS) and the W3C Dryad example (PROV and Dublin Core only)
    assert sorted(without_dcat) == [
        "dryad-globtherm-sdata.rdf",
        "dryad-globtherm-sdata.ttl",
        "example-map_licenses.ttl",
    ]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_known_broken_files_fail_with_a_clear_error(shared_reference, name):
    with pytest.raises(BadSyntax) as error:
        _parse(shared_reference / name)
    assert BROKEN[name] in str(error.value)


def test_malformed_dates_are_found(shared_reference):
    (name,) = BAD_DATES
    graph = _parse(shared_reference / name)
    ill_typed = [o for o in graph.objects() if isinstance(o, Literal) and o.ill_typed]
    assert ill_typed, "the malformed dates must be recognised as such"
    good = _parse(shared_reference / name.replace("-bad", ""))
    assert not [o for o in good.objects() if isinstance(o, Literal) and o.ill_typed]

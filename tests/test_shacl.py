"""The demo catalog's DCAT-AP output against the official DCAT-AP 3.0.1 and HVD SHACL shapes.

A representative sample (one dataset per category, regional and local publishers, data
packages, the 【示例】 samples) plus the catalog record and a filtered catalog page is
validated here; ``benchmarks/shacl_demo.py`` validates every demo dataset.

One patch to the official files, kept visible here: the controlled-vocabulary shapes of the
DCAT-AP 3.0.1 release (mdr-vocabularies.shape.ttl) require the checksum algorithm IRI to match
``^https://spdx.org/rdf/terms``, while the SPDX namespace, DCAT 3 and the consolidated 3.0.1
shapes use ``http://spdx.org/rdf/terms#``. The test accepts both schemes; nothing else is
changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from sqlalchemy import select

from catalog.models import Dataset, Department
from catalog.queries import public_datasets
from vocab import categories, divisions

FIXTURES = Path(__file__).parent / "fixtures" / "shacl"
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT_HAS_PART = URIRef("http://purl.org/dc/terms/hasPart")


@pytest.fixture(scope="module")
def dcat_ap_shapes() -> Graph:
    shapes = Graph()
    for name in ("shapes.ttl", "shapes_recommended.ttl", "range.ttl", "mdr-vocabularies.shape.ttl"):
        shapes.parse(FIXTURES / "dcat-ap-3.0.1" / name)
    restriction = URIRef("http://data.europa.eu/r5r#ChecksumAlgorithmRestriction")
    assert (restriction, SH.pattern, Literal("^https://spdx.org/rdf/terms")) in shapes
    shapes.set((restriction, SH.pattern, Literal("^https?://spdx.org/rdf/terms")))
    return shapes


@pytest.fixture(scope="module")
def hvd_shapes() -> Graph:
    return Graph().parse(FIXTURES / "dcat-ap-hvd-3.0.0" / "hvd-SHACL.ttl")


def violations(data: Graph, shapes: Graph, inference: str = "none") -> list[str]:
    _, report, _ = validate(data, shacl_graph=shapes, inference=inference, allow_warnings=True)
    found = []
    for result in report.objects(None, SH.result):
        if report.value(result, SH.resultSeverity) == SH.Violation:
            focus = report.value(result, SH.focusNode)
            path = report.value(result, SH.resultPath)
            found.append(f"{focus} {path}: {report.value(result, SH.resultMessage)}")
    return found


@pytest.fixture(scope="module")
def sample_ids(demo_app) -> dict[str, list[str]]:
    """Demo dataset ids by what they represent."""
    services = demo_app.extensions["gxdata"]
    with services.session_factory() as session:
        rows = session.execute(
            public_datasets()
            .join(Department, Department.id == Dataset.department_id)
            .with_only_columns(Dataset.id, Dataset.category, Dataset.is_sample, Department.division)
            .order_by(Dataset.id)
        ).all()
        packages = session.scalars(
            select(Dataset.id).where(Dataset.identifier.like("datapackage-%"))
        ).all()
    by_category = {}
    for dataset_id, category, _, _ in rows:
        by_category.setdefault(category, dataset_id)
    local = next(
        i
        for i, _, _, d in rows
        if d and divisions.division(d) and divisions.level(divisions.division(d)) > 1
    )
    regional = next(i for i, _, _, d in rows if d in (None, "450000"))
    return {
        "categories": [
            by_category[c.notation] for c in categories.scheme() if c.notation in by_category
        ],
        "uncategorised": [by_category[None]] if None in by_category else [],
        "publishers": [local, regional],
        "samples": [i for i, _, sample, _ in rows if sample],
        "packages": list(packages),
    }


def _graph(client, paths) -> Graph:
    graph = Graph()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        graph.parse(data=response.get_data(as_text=True), format="turtle")
    return graph


def test_sample_covers_what_it_claims(sample_ids):
    assert len(sample_ids["categories"]) == 10
    assert sample_ids["samples"] and sample_ids["packages"] and len(sample_ids["publishers"]) == 2


def test_sample_datasets_have_no_dcat_ap_violations(demo_client, sample_ids, dcat_ap_shapes):
    ids = list(dict.fromkeys(i for group in sample_ids.values() for i in group))
    data = _graph(demo_client, [f"/dataset/{i}.ttl" for i in ids])
    assert len(set(data.subjects(RDF_TYPE, DCAT.Dataset))) == len(ids)
    assert violations(data, dcat_ap_shapes) == []


def test_catalog_record_and_a_page_have_no_dcat_ap_violations(demo_client, dcat_ap_shapes):
    data = _graph(
        demo_client, ["/catalog.ttl?modified_since=2999-01-01", "/catalog.ttl?category=health"]
    )
    assert (URIRef("http://gxdata.test/catalog"), RDF_TYPE, DCAT.Catalog) in data
    assert violations(data, dcat_ap_shapes) == []


def test_high_value_datasets_pass_the_hvd_shapes(demo_client, sample_ids, hvd_shapes):
    # The HVD shapes use sh:class rdfs:Resource for URLs: RDFS entailment gives every node that
    # class, so the validator runs with RDFS inference, as the shapes assume.
    data = _graph(demo_client, [f"/dataset/{i}.ttl" for i in sample_ids["categories"]])
    assert violations(data, hvd_shapes, inference="rdfs") == []


def test_the_shapes_do_catch_a_broken_record(demo_client, sample_ids, dcat_ap_shapes, hvd_shapes):
    data = _graph(demo_client, [f"/dataset/{sample_ids['categories'][0]}.ttl"])
    dataset = next(data.subjects(RDF_TYPE, DCAT.Dataset))
    data.remove((dataset, URIRef("http://purl.org/dc/terms/title"), None))
    for distribution in list(data.objects(dataset, DCAT.distribution)):
        data.remove((distribution, DCAT.accessURL, None))
    data.remove((dataset, URIRef("http://data.europa.eu/r5r/applicableLegislation"), None))
    found = violations(data, dcat_ap_shapes)
    assert any("title" in v for v in found) and any("accessURL" in v for v in found)
    assert any("applicableLegislation" in v for v in violations(data, hvd_shapes, "rdfs"))


def test_harvest_source_sub_catalogs_have_no_dcat_ap_violations(
    source_server, new_source, harvest, client, dcat_ap_shapes
):
    page = (
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        '<https://data.nanning.gov.cn/dataset/1> a dcat:Dataset ; dct:title "南宁市公交线路"@zh ;'
        ' dct:description "南宁市公交线路与站点。"@zh ; dct:identifier "nn-1" .'
    ).encode()
    new_source("nanning", "dcat", source_server.file("/nanning.ttl", page, "text/turtle"))
    assert harvest("nanning").counts["added"] == 1
    data = _graph(client, ["/catalog.ttl"])
    parts = [p for p in data.objects(URIRef("http://gxdata.test/catalog"), DCT_HAS_PART)]
    assert any("/catalog/source/" in str(p) for p in parts)
    assert violations(data, dcat_ap_shapes) == []

"""The demo catalog's DCAT-AP output against the official DCAT-AP 3.0.1 SHACL shapes, unmodified.

A representative sample (one dataset per category, regional and local publishers, data
packages, the 【示例】 samples) plus the catalog record and a filtered catalog page is
validated here; ``benchmarks/shacl_demo.py`` validates every demo dataset.

The shapes are every file of the official release's split shapes (``3.0.1/shacl-split``:
mandatory, recommended, ranges, controlled vocabularies, deprecated URIs and the two
``owl:imports`` headers), read in place from ``../shared/reference`` and never edited.

One documented exception (:data:`KNOWN_SHAPE_ERRORS`): the controlled-vocabulary shape
``ChecksumAlgorithmRestriction`` requires the checksum algorithm IRI to match
``^https://spdx.org/rdf/terms``, while the SPDX namespace (and DCAT 3, and the release's own
``spdx:`` prefix in the same file) is ``http://spdx.org/rdf/terms#``. The output keeps SPDX's
real IRI; the violations of that one constraint are counted apart, and every other violation
fails the test.

The portal claims no EU high-value-dataset (HVD) conformance: its ten categories are Guangxi's
(``gx:highValueCategory``) and their applicable legislation is the Guangxi plan, not the HVD
regulation (``http://data.europa.eu/eli/reg_impl/2023/138/oj``); the HVD shapes therefore do not
apply, and a test checks that nothing in the output claims HVD.
"""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from shacl_shapes import classify, official_dcat_ap_shapes, violations
from sqlalchemy import select

from catalog.models import Dataset, Department
from catalog.queries import public_datasets
from vocab import categories, divisions

SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT_HAS_PART = URIRef("http://purl.org/dc/terms/hasPart")
DCATAP = Namespace("http://data.europa.eu/r5r/")
HVD_REGULATION = URIRef("http://data.europa.eu/eli/reg_impl/2023/138/oj")
DCT_TYPE = URIRef("http://purl.org/dc/terms/type")
SKOS_IN_SCHEME = URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
DATASET_TYPES = URIRef("http://publications.europa.eu/resource/authority/dataset-type")


@pytest.fixture(scope="module")
def dcat_ap_shapes(shared_reference) -> Graph:
    return official_dcat_ap_shapes(shared_reference)


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


def test_the_spdx_exception_is_counted_apart_and_nothing_else(
    demo_client, sample_ids, dcat_ap_shapes
):
    ids = [i for group in sample_ids.values() for i in group]
    data = _graph(demo_client, [f"/dataset/{i}.ttl" for i in dict.fromkeys(ids)])
    found, known = classify(data, dcat_ap_shapes)
    checksums = set(data.subjects(RDF_TYPE, URIRef("http://spdx.org/rdf/terms#Checksum")))
    assert found == [] and checksums and len(known) == len(checksums)


def test_no_eu_high_value_claim(demo_client, sample_ids):
    """The ten categories are Guangxi's: gx:highValueCategory, never dcatap:hvdCategory."""
    data = _graph(
        demo_client,
        [f"/dataset/{i}.ttl" for i in sample_ids["categories"]] + ["/catalog.ttl?category=health"],
    )
    assert not list(data.triples((None, DCATAP.hvdCategory, None)))
    assert not list(data.triples((None, DCATAP.applicableLegislation, HVD_REGULATION)))
    category = URIRef("http://gxdata.test/ns#highValueCategory")
    scheme = URIRef("http://gxdata.test/vocab/categories")
    for dataset in data.subjects(RDF_TYPE, DCAT.Dataset):
        values = list(data.objects(dataset, category))
        assert len(values) == 1, dataset
        in_scheme = URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
        assert (values[0], in_scheme, scheme) in data
        plan = data.value(dataset, DCATAP.applicableLegislation)
        assert plan == URIRef("http://gxdata.test/ns#dataMarketReformPlan2022")


def test_every_dataset_has_an_eu_dataset_type_the_shapes_accept(
    demo_client, sample_ids, dcat_ap_shapes
):
    """dct:type is a concept of the EU dataset-type table, described beside the record: no
    violation of its range (skos:Concept) and no warning of the vocabulary shape."""
    ids = list(dict.fromkeys(i for group in sample_ids.values() for i in group))
    data = _graph(demo_client, [f"/dataset/{i}.ttl" for i in ids])
    kinds = set()
    for dataset in data.subjects(RDF_TYPE, DCAT.Dataset):
        (kind,) = data.objects(dataset, DCT_TYPE)
        assert (kind, SKOS_IN_SCHEME, DATASET_TYPES) in data, dataset
        kinds.add(kind)
    assert {URIRef(f"{DATASET_TYPES}/{k}") for k in ("STATISTICAL", "GEOSPATIAL")} <= kinds
    assert URIRef(f"{DATASET_TYPES}/SYNTHETIC_DATA") in kinds  # the 【示例】 samples
    _, report, _ = validate(data, shacl_graph=dcat_ap_shapes, allow_warnings=True)
    results = [
        f"{report.value(r, SH.focusNode)}: {report.value(r, SH.resultMessage)}"
        for r in report.subjects(SH.resultPath, DCT_TYPE)
        if (report.value(r, SH.focusNode), RDF_TYPE, DCAT.Dataset) in data
    ]
    assert results == []
    for kind in kinds:  # a type the record does not describe breaks the range shape
        data.remove((kind, RDF_TYPE, None))
    assert any("type" in v for v in violations(data, dcat_ap_shapes))


def test_the_shapes_do_catch_a_broken_record(demo_client, sample_ids, dcat_ap_shapes):
    data = _graph(demo_client, [f"/dataset/{sample_ids['categories'][0]}.ttl"])
    dataset = next(data.subjects(RDF_TYPE, DCAT.Dataset))
    data.remove((dataset, URIRef("http://purl.org/dc/terms/title"), None))
    for distribution in list(data.objects(dataset, DCAT.distribution)):
        data.remove((distribution, DCAT.accessURL, None))
    found = violations(data, dcat_ap_shapes)
    assert any("title" in v for v in found) and any("accessURL" in v for v in found)


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

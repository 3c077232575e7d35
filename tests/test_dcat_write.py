"""The publishing direction of the DCAT-AP profile: every table row written, typed, safely."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest
from factories import full_dataset
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from catalog import uris
from exports.dcat.context import PublishContext, prefixes
from exports.dcat.profile import DATASET_FIELDS, DISTRIBUTION_FIELDS
from exports.dcat.quality import Measurement
from exports.dcat.write import dataset_chunk, dataset_graph
from exports.formats import BY_SUFFIX
from exports.rdf.graph import to_graph
from exports.vocabularies import ontology_chunk
from vocab import namespaces as ns
from vocab.namespaces import DCAT, DCT, OWL, RDF, SPDX, VCARD, gx_namespace

BASE = "http://gxdata.test"


def test_every_row_of_the_field_table_is_written_with_its_type(session):
    dataset = full_dataset(session)
    graph = dataset_graph(dataset, BASE)
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    gx = gx_namespace(BASE)
    datatypes = {
        "datetime": ns.XSD.dateTime,
        "integer": ns.XSD.integer,
        "nonnegative": ns.XSD.nonNegativeInteger,
        "boolean": ns.XSD.boolean,
    }
    for row in DATASET_FIELDS:
        values = list(graph.objects(s, row.term(gx)))
        assert values, f"{row.attribute} ({row.term(gx)}) is not published"
        if row.kind in ("text", "keywords"):
            assert all(isinstance(v, Literal) and v.language == "zh" for v in values)
        elif row.kind in datatypes:
            assert [v.datatype for v in values] == [datatypes[row.kind]], row.attribute
        elif row.kind in ("uri", "concept", "mapped"):
            assert all(isinstance(v, URIRef) for v in values), row.attribute
    d = next(graph.objects(s, DCAT.distribution))
    for row in DISTRIBUTION_FIELDS:
        if row.attribute == "conforms_to":  # only files with a Table Schema
            continue
        values = list(graph.objects(d, row.term(gx)))
        assert values, f"distribution {row.attribute} is not published"
    assert graph.value(d, DCAT.byteSize) == Literal(2048, datatype=ns.XSD.nonNegativeInteger)
    assert graph.value(d, DCT.license) == URIRef(
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    )


def test_structured_values_are_blank_nodes_with_their_classes(session):
    dataset = full_dataset(session)
    graph = dataset_graph(dataset, BASE)
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    contact = graph.value(s, DCAT.contactPoint)
    assert isinstance(contact, BNode) and (contact, RDF.type, VCARD.Kind) in graph
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:rk@tjj.gxzf.gov.cn")
    assert graph.value(contact, VCARD.hasTelephone) == URIRef("tel:0771-5888888")
    period = graph.value(s, DCT.temporal)
    assert graph.value(period, DCAT.startDate) == Literal(date(2020, 1, 1))
    checksum = graph.value(next(graph.objects(s, DCAT.distribution)), SPDX.checksum)
    assert graph.value(checksum, SPDX.checksumValue) == Literal(
        "ab" * 32, datatype=ns.XSD.hexBinary
    )
    publisher = graph.value(s, DCT.publisher)
    assert (publisher, RDF.type, URIRef("http://xmlns.com/foaf/0.1/Agent")) in graph
    # the EU tables say what the values are, so validators need nothing else
    frequency = graph.value(s, DCT.accrualPeriodicity)
    assert frequency == URIRef("http://publications.europa.eu/resource/authority/frequency/ANNUAL")
    assert (frequency, RDF.type, DCT.Frequency) in graph


def test_a_value_that_is_no_uri_is_skipped_and_logged(session, caplog):
    dataset = full_dataset(session)
    dataset.landing_page = "见部门网站 http://bad uri"
    dataset.contact_email = "不是邮箱"
    with caplog.at_level(logging.WARNING, logger="exports.dcat"):
        graph = dataset_graph(dataset, BASE)
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    assert graph.value(s, DCAT.landingPage) is None
    assert graph.value(graph.value(s, DCAT.contactPoint), VCARD.hasEmail) is None
    assert graph.value(s, DCT.title) is not None  # the rest is still there
    assert "landing_page" in caplog.text and "contact_email" in caplog.text


def test_a_missing_description_is_stood_in_by_the_title(session):
    dataset = full_dataset(session)
    dataset.description = ""
    graph = dataset_graph(dataset, BASE)
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    assert graph.value(s, DCT.description) == Literal("广西人口抽样调查", lang="zh")


def test_the_three_streamed_writers_and_rdflib_agree(session):
    dataset = full_dataset(session)
    chunk = dataset_chunk(dataset, PublishContext(BASE))
    reference = to_graph(chunk, prefixes(BASE))
    for suffix, rdflib_format in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        text = "".join(BY_SUFFIX[suffix].write([chunk], BASE))
        parsed = Graph().parse(data=text, format=rdflib_format)
        assert isomorphic(parsed, reference), suffix
    rdfxml = "".join(BY_SUFFIX["rdf"].write([chunk], BASE))
    assert isomorphic(Graph().parse(data=rdfxml, format="xml"), reference)


def test_turtle_escapes_what_must_be_escaped(session):
    dataset = full_dataset(session)
    dataset.title = 'A "quoted"\ntitle with \\ and\ttab'
    chunk = dataset_chunk(dataset, PublishContext(BASE))
    text = "".join(BY_SUFFIX["ttl"].write([chunk], BASE))
    graph = Graph().parse(data=text, format="turtle")
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    assert str(graph.value(s, DCT.title)) == dataset.title


def test_the_ontology_defines_every_gx_property_of_the_table():
    graph = to_graph(ontology_chunk(BASE))
    gx = gx_namespace(BASE)
    kinds = {OWL.DatatypeProperty, OWL.ObjectProperty}
    for row in (*DATASET_FIELDS, *DISTRIBUTION_FIELDS):
        term = row.term(gx)
        if str(term).startswith(str(gx)):
            assert set(graph.objects(term, RDF.type)) & kinds, term
            assert graph.value(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("https://data.gxzf.gov.cn/", True),
        ("http://example.org/a?b=c#d", True),
        ("ftp://example.org/", False),
        ("http://bad uri", False),
        ("见网站", False),
        ("", False),
        (None, False),
    ],
)
def test_iri_check(value, valid):
    assert uris.is_valid_iri(value) is valid


def machine_readable_share(dataset):
    """A real quality metric: the share of the dataset's files in machine-readable formats."""
    files = dataset.distributions
    share = sum(d.machine_readable for d in files) / len(files) if files else 0.0
    yield Measurement(f"{BASE}/ns#machineReadableShare", share, datetime(2026, 1, 1))


def test_quality_scores_are_published_as_dqv_measurements(session):
    dataset = full_dataset(session)
    ctx = PublishContext(BASE, quality=machine_readable_share)
    graph = to_graph(dataset_chunk(dataset, ctx))
    dqv = "http://www.w3.org/ns/dqv#"
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    measurement = graph.value(s, URIRef(dqv + "hasQualityMeasurement"))
    assert graph.value(measurement, URIRef(dqv + "isMeasurementOf")) == URIRef(
        f"{BASE}/ns#machineReadableShare"
    )
    assert graph.value(measurement, URIRef(dqv + "value")) == Literal("1", datatype=ns.XSD.decimal)
    assert dataset_graph(dataset, BASE).value(s, URIRef(dqv + "hasQualityMeasurement")) is None


DATASET_TYPE = "http://publications.europa.eu/resource/authority/dataset-type/"
SKOS = ns.SKOS


@pytest.mark.parametrize(
    ("overrides", "kind"),
    [
        ({}, "STATISTICAL"),
        ({"category": "geospatial"}, "GEOSPATIAL"),
        ({"is_sample": True}, "SYNTHETIC_DATA"),
    ],
)
def test_each_dataset_has_a_dct_type_of_the_eu_dataset_type_table(session, overrides, kind):
    dataset = full_dataset(session, **overrides)
    graph = dataset_graph(dataset, BASE)
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    (value,) = graph.objects(s, DCT.type)
    assert value == URIRef(DATASET_TYPE + kind)
    # described beside the record, as DCAT-AP's range and vocabulary shapes ask
    assert (value, RDF.type, SKOS.Concept) in graph
    assert (value, SKOS.inScheme, URIRef(DATASET_TYPE.rstrip("/"))) in graph
    labels = {label.language for label in graph.objects(value, SKOS.prefLabel)}
    assert {"en", "zh"} <= labels


def test_the_industry_is_also_a_chinese_keyword(session):
    dataset = full_dataset(session)
    graph = dataset_graph(dataset, BASE)
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    keywords = set(graph.objects(s, DCAT.keyword))
    assert keywords == {Literal(k, lang="zh") for k in [*dataset.keywords, dataset.industry]}
    assert dataset.industry == "公共管理、社会保障和社会组织"


def test_a_dataset_without_industry_publishes_only_its_keywords(session):
    dataset = full_dataset(session, industry=None)
    graph = dataset_graph(dataset, BASE)
    s = URIRef(uris.dataset_uri(BASE, dataset.id))
    assert set(graph.objects(s, DCAT.keyword)) == {Literal(k, lang="zh") for k in dataset.keywords}

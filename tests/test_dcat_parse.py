"""The parse direction of the DCAT-AP profile: real DCAT-AP, W3C and opendata.swiss RDF into
drafts; broken documents fail with a typed error; JSON-LD contexts are never fetched."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from factories import full_dataset
from rdflib import BNode, Graph, Literal, URIRef

from catalog import uris
from catalog.drafts import DatasetDraft, DistributionDraft
from exports.dcat.documents import DocumentError, next_page, parse_document, rdf_syntax
from exports.dcat.parse import dataset_draft, dataset_subjects, describe, read_catalog
from exports.dcat.profile import DATASET_FIELDS, DISTRIBUTION_FIELDS
from exports.dcat.write import dataset_graph
from vocab import categories, frequencies, licences, open_types
from vocab import namespaces as ns

FIXTURES = Path(__file__).parent / "fixtures" / "dcat"
BASE = "http://portal.example"


def _read(path: Path) -> Graph:
    data = path.read_bytes()
    return parse_document(data, rdf_syntax(None, path.name, data))


@pytest.mark.parametrize("name", ["basic-example", "csiro-dap-examples", "ga-courts"])
def test_turtle_and_rdf_xml_give_the_same_drafts(name):
    turtle = read_catalog(_read(FIXTURES / "w3c-dcat3" / f"{name}.ttl"))
    rdf_xml = read_catalog(_read(FIXTURES / "w3c-dcat3" / f"{name}.rdf"))
    assert turtle.drafts and turtle.drafts == rdf_xml.drafts


@pytest.mark.parametrize("syntax", ["nt", "json-ld", "xml", "turtle"])
def test_every_syntax_reads_the_w3c_basic_example(syntax):
    graph = _read(FIXTURES / "w3c-dcat3" / "basic-example.ttl")
    data = graph.serialize(format=syntax, encoding="utf-8")
    assert rdf_syntax(None, None, data) == syntax
    (draft,) = read_catalog(parse_document(data, syntax)).drafts
    assert draft.title == "Imaginary dataset"
    assert draft.uri == "https://dcat.example.org/dataset-001"
    assert draft.keywords == ["accountability", "payments", "transparency"]
    assert draft.issued == datetime(2011, 12, 5) and draft.modified == datetime(2011, 12, 15)
    assert (draft.temporal_start, draft.temporal_end) == (date(2011, 7, 1), date(2011, 9, 30))
    (csv,) = draft.distributions
    assert csv.download_url == "http://dcat.example.org/files/001.csv"
    assert csv.media_type == "text/csv" and csv.byte_size == 5120
    assert csv.title == "CSV distribution of imaginary dataset 001"


def test_dcat_ap_hvd_example_maps_formats_and_keeps_unknown_frequency():
    warnings: list = []
    graph = _read(FIXTURES / "dcat-ap-hvd-3.0.0" / "example-ms_dataset_2_distributions.ttl")
    (subject,) = dataset_subjects(graph)
    draft = dataset_draft(graph, subject, warnings=warnings)
    assert draft.identifier == "https://data.exampleMS.gov/id/dataset/1T2p3o4B"
    assert sorted(d.format for d in draft.distributions) == ["RDF_TURTLE", "SHP"]
    assert draft.update_frequency is None  # BIENNIAL is not one of the portal's frequencies
    biennial = "http://publications.europa.eu/resource/authority/frequency/BIENNIAL"
    assert draft.extras["source_values"]["update_frequency"] == [biennial]
    assert [w.code for w in warnings] == ["unknown-update-frequency"]


@pytest.mark.parametrize(
    "path",
    [
        "dcat-ap-3.0.1/example-bee-population-dataset-series-api.ttl",
        "dcat-ap-3.0.1/example-bee-population-dataset-series-combined.ttl",
        "dcat-ap-hvd-3.0.0/example-bees_wasps_dataset.ttl",
    ],
)
def test_broken_official_examples_fail_cleanly(path):
    with pytest.raises(DocumentError) as raised:
        _read(FIXTURES / path)
    assert raised.value.code == "malformed-rdf"
    assert "turtle" in raised.value.message


def test_a_dataset_without_title_is_an_error_not_a_crash():
    graph = _read(FIXTURES / "dcat-ap-3.0.1" / "example-bee-population-dataset-series.ttl")
    read = read_catalog(graph)
    assert read.drafts == [] and {e.code for e in read.errors} == {"missing-title"}


def test_ckanext_dcat_unbound_prefix_fails_cleanly(shared_reference):
    path = shared_reference / "ckanext-dcat-examples" / "dcat" / "dataset.ttl"
    with pytest.raises(DocumentError) as raised:
        _read(path)
    assert raised.value.code == "malformed-rdf" and "healthdcatap" in raised.value.message


def test_opendata_swiss_catalog_with_blank_nodes_and_four_languages(shared_reference):
    graph = _read(shared_reference / "dcat-rdf-real" / "opendata-swiss-dcatapch" / "catalog.xml")
    read = read_catalog(graph)
    assert read.errors == []
    identifiers = sorted(d.identifier for d in read.drafts)
    assert identifiers == [
        "346252@bundesamt-fur-statistik-bfs",
        "346266@bundesamt-fur-statistik-bfs",
    ]
    draft = next(d for d in read.drafts if d.identifier.startswith("346252"))
    assert draft.uri is None  # a blank node: the identifier names it
    assert draft.title == "Statistisches Jahrbuch der Schweiz 1894"  # no zh or en: de first
    assert draft.extras["translations"]["title"] == {"fr": "Annuaire statistique de la Suisse 1894"}
    assert draft.publisher_uri == "https://www.bfs.admin.ch/"
    assert draft.contact_email == "auskunftsdienst@bfs.admin.ch"
    assert draft.licence == "CC0-1.0"  # the licence page, known to the licence table
    assert (draft.temporal_start, draft.temporal_end) == (date(1894, 1, 1), date(1894, 12, 31))


def _with_title(graph: Graph) -> tuple[Graph, URIRef | BNode]:
    (subject,) = dataset_subjects(graph)
    graph.add((subject, ns.DCT.title, Literal("Datetimes")))
    return graph, subject


def test_opendata_swiss_valid_dates_are_read(shared_reference):
    folder = shared_reference / "dcat-rdf-real" / "opendata-swiss-dcatapch"
    graph, subject = _with_title(_read(folder / "dataset-datetimes.xml"))
    warnings: list = []
    draft = dataset_draft(graph, subject, warnings=warnings)
    assert (draft.temporal_start, draft.temporal_end) == (date(1990, 1, 1), date(2009, 1, 1))
    assert warnings == []
    issued = sorted(d.issued for d in draft.distributions)
    assert issued == [
        datetime(1990, 1, 1),
        datetime(1992, 1, 2),
        datetime(1994, 4, 1),
        datetime(1996, 1, 1),
    ]


def test_opendata_swiss_bad_dates_are_skipped_with_warnings(shared_reference):
    folder = shared_reference / "dcat-rdf-real" / "opendata-swiss-dcatapch"
    graph, subject = _with_title(_read(folder / "dataset-datetimes-bad.xml"))
    warnings: list = []
    draft = dataset_draft(graph, subject, warnings=warnings)
    bad = {w.message.split("'")[1] for w in warnings if w.code == "invalid-date"}
    assert {"1991-04", "2010-01-35", "2008-01-01T00:00:75", "2012-15", "16"} <= bad
    assert "1992-01-04T12:20:00" in bad  # a dateTime where xsd:date is declared
    # Only well-formed values remain: xsd:gYear "2000"-like values and proper dates.
    assert draft.temporal_start is not None and draft.temporal_start.year >= 1990


def test_hydra_next_and_next_page():
    for predicate in ("next", "nextPage"):
        data = f"""@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
        <http://x.example/catalog?page=1> a hydra:PartialCollectionView ;
            hydra:{predicate} <catalog?page=2> ."""
        graph = parse_document(data.encode(), "turtle", base="http://x.example/catalog")
        assert next_page(graph, "http://x.example/catalog?page=1") == (
            "http://x.example/catalog?page=2"
        )
    assert next_page(Graph()) is None


class _CountingHandler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        body = json.dumps({"@context": {"title": "http://purl.org/dc/terms/title"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_json_ld_contexts_are_resolved_locally_never_fetched():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        context_url = f"http://127.0.0.1:{server.server_port}/context.jsonld"
        document = {
            "@context": context_url,
            "@id": "http://x.example/d/1",
            "@type": "http://www.w3.org/ns/dcat#Dataset",
            "title": "远程上下文",
        }
        data = json.dumps(document).encode()
        with pytest.raises(DocumentError) as raised:
            parse_document(data, "json-ld")
        assert raised.value.code == "jsonld-remote-context"
        local = {context_url: {"@context": {"title": "http://purl.org/dc/terms/title"}}}
        graph = parse_document(data, "json-ld", contexts=local)
        (draft,) = read_catalog(graph).drafts
        assert draft.title == "远程上下文"
        assert _CountingHandler.requests == []
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_inline_json_ld_context_with_at_graph(shared_reference):
    path = shared_reference / "ckanext-dcat-examples" / "dcat" / "catalog_with_at_graph.jsonld"
    (draft,) = read_catalog(_read(path)).drafts
    assert draft.title == "Title dataset"
    assert draft.uri.endswith("#dataset") and len(draft.distributions) == 1


def test_describe_keeps_one_dataset_and_what_it_reaches():
    graph = _read(FIXTURES / "w3c-dcat3" / "basic-example.ttl")
    (subject,) = dataset_subjects(graph)
    description = describe(graph, subject)
    assert set(description.subjects(ns.RDF.type, ns.DCAT.Dataset)) == {subject}
    assert (None, ns.RDF.type, ns.DCAT.Catalog) not in description
    data = description.serialize(format="nt", encoding="utf-8")
    again = parse_document(data, "nt")
    assert dataset_draft(again, dataset_subjects(again)[0]) == dataset_draft(graph, subject)


# -- the table read back -------------------------------------------------------------------------


def _write_row(graph, node, row, predicate, value):
    """What the profile table says a row is in RDF (the serializer's side, in brief)."""
    if row.kind == "text":
        graph.add((node, predicate, Literal(value, lang="zh")))
    elif row.kind == "keywords":
        for keyword in value:
            graph.add((node, predicate, Literal(keyword, lang="zh")))
    elif row.kind == "datetime":
        graph.add((node, predicate, Literal(value, datatype=ns.XSD.dateTime)))
    elif row.kind in ("string", "integer", "nonnegative", "boolean"):
        graph.add((node, predicate, Literal(value)))
    elif row.kind == "uri":
        graph.add((node, predicate, URIRef(value)))
    elif row.kind == "concept":
        scheme = {"categories": categories}.get(row.scheme)
        concept = scheme.scheme().require(value) if scheme else None
        path = concept.uri(BASE) if concept else f"{BASE}/vocab/{row.scheme}/{value}"
        graph.add((node, predicate, URIRef(path)))
    elif row.attribute == "open_type":
        graph.add((node, predicate, URIRef(open_types.access_right(value))))
    elif row.attribute == "update_frequency":
        graph.add((node, predicate, URIRef(frequencies.eu_frequency(value))))
    elif row.attribute == "licence":
        graph.add((node, predicate, URIRef(licences.eu_licence(value))))
    elif row.attribute == "format":
        graph.add((node, predicate, ns.EU_FILE_TYPE[value]))
    elif row.attribute == "media_type":
        graph.add((node, predicate, ns.IANA_MEDIA[value]))


def test_every_row_of_the_table_is_read_back():
    draft = DatasetDraft(
        title="南宁市公交车站点信息",
        description="南宁市公交站点的位置与线路。",
        identifier="gx-0001",
        uri=f"{BASE}/dataset/gx-0001",
        publisher_name="南宁市交通运输局",
        keywords=["交通", "公交"],
        category="transport",
        topic="交通出行",
        industry="交通运输、仓储和邮政业",
        open_type="conditional",
        access_conditions="需申请",
        service_item="公共交通运营监管",
        result_name="站点名录",
        is_e_licence=False,
        source_system="公交调度系统",
        application_scenarios="出行规划",
        update_frequency="monthly",
        licence="CC-BY-4.0",
        issued=datetime(2021, 4, 21, 9, 51, 58),
        modified=datetime(2022, 1, 1),
        record_count=1234,
        landing_page=f"{BASE}/dataset/gx-0001",
        version="1.0",
        distributions=[
            DistributionDraft(
                title="站点.csv",
                format="CSV",
                media_type="text/csv",
                download_url="https://files.example/站点.csv",
                byte_size=2048,
            )
        ],
    )
    graph = Graph()
    subject = URIRef(draft.uri)
    graph.add((subject, ns.RDF.type, ns.DCAT.Dataset))
    gx = ns.gx_namespace(BASE)
    for row in DATASET_FIELDS:
        value = getattr(draft, row.attribute)
        if value is not None:
            _write_row(graph, subject, row, row.term(gx), value)
    publisher = BNode()
    graph.add((subject, ns.DCT.publisher, publisher))
    graph.add((publisher, ns.FOAF.name, Literal(draft.publisher_name, lang="zh")))
    node = URIRef(f"{BASE}/dataset/gx-0001/resource/1")
    graph.add((subject, ns.DCAT.distribution, node))
    for row in DISTRIBUTION_FIELDS:
        value = getattr(draft.distributions[0], row.attribute)
        if value is not None:
            _write_row(graph, node, row, row.term(gx), value)

    read = dataset_draft(graph, subject)  # the base URL is found from the gx: predicates
    assert read.distributions[0].uri == str(node)
    read.distributions[0].uri = None
    assert read == draft


# -- the portal's own output read back ---------------------------------------------------------


def test_what_the_portal_publishes_reads_back_as_it_was(session):
    """The serializer (exports/dcat/write.py) and this parser on the same table: a dataset
    with every field written as DCAT-AP and read back gives the values it was made of."""
    dataset = full_dataset(
        session,
        open_type="conditional",
        sensitivity="internal",
        share_type="conditional",
        access_conditions="需提交申请",
    )
    graph = dataset_graph(dataset, BASE)
    warnings: list = []
    draft = dataset_draft(graph, URIRef(uris.dataset_uri(BASE, dataset.id)), BASE, warnings)
    for name in draft.dataset_fields():
        assert getattr(draft, name) == getattr(dataset, name), name
    assert set(draft.dataset_fields()) >= {f.attribute for f in DATASET_FIELDS}
    assert draft.publisher_name == "广西壮族自治区统计局"
    (distribution,) = draft.distributions
    original = dataset.distributions[0]
    for name in ("title", "description", "byte_size", "sha256", "issued",
                 "modified", "format", "media_type"):  # fmt: skip
        assert getattr(distribution, name) == getattr(original, name), name
    # a conditional file's links are not published: its access URL is the application page
    assert distribution.download_url is None
    assert distribution.access_url == uris.application_page(BASE, dataset.slug)
    assert [w.code for w in warnings] == []


def test_an_open_file_reads_back_with_its_links(session):
    dataset = full_dataset(session)
    graph = dataset_graph(dataset, BASE)
    draft = dataset_draft(graph, URIRef(uris.dataset_uri(BASE, dataset.id)), BASE, [])
    (distribution,) = draft.distributions
    original = dataset.distributions[0]
    assert distribution.download_url == original.download_url
    assert distribution.access_url == original.access_url


def test_the_industry_keyword_reads_back_as_the_industry_not_a_keyword(session):
    """Harvesting the portal's own output (re-harvest) must not grow the keywords with the
    industry, which is published as a keyword too; publishing the draft again is stable."""
    dataset = full_dataset(session)
    graph = dataset_graph(dataset, BASE)
    subject = URIRef(uris.dataset_uri(BASE, dataset.id))
    assert Literal(dataset.industry, lang="zh") in set(graph.objects(subject, ns.DCAT.keyword))
    draft = dataset_draft(graph, subject, BASE, [])
    assert draft.industry == dataset.industry
    assert draft.keywords == sorted(dataset.keywords)
    assert dataset.industry not in draft.keywords


def test_keywords_of_a_source_without_the_industry_field_are_all_kept():
    graph = Graph()
    subject = URIRef("https://data.example.cn/dataset/1")
    graph.add((subject, ns.RDF.type, ns.DCAT.Dataset))
    graph.add((subject, ns.DCT.title, Literal("公交线路", lang="zh")))
    for word in ("交通运输、仓储和邮政业", "公交"):
        graph.add((subject, ns.DCAT.keyword, Literal(word, lang="zh")))
    draft = dataset_draft(graph, subject)
    assert draft.keywords == ["交通运输、仓储和邮政业", "公交"] and draft.industry is None

"""What DCAT readers and search engines get from the demo catalog.

A source link that is a page (the source site's home page) is a landing page, never a file;
Google's Dataset rules on the embedded schema.org; the labels ckanext-dcat reads.
"""

from __future__ import annotations

import json
import re

import pytest
from rdflib import Graph, Namespace, URIRef

from catalog.access import is_not_a_file, public_distribution
from catalog.models import Dataset, Department
from catalog.queries import public_datasets
from exports.schema_org import GENERATED_NOTE, dataset_jsonld

DCAT = Namespace("http://www.w3.org/ns/dcat#")
HOME = "https://data.gxzf.gov.cn/"
BASE = "http://gxdata.test"


@pytest.fixture(scope="module")
def home_linked(demo_app) -> tuple[str, str, str]:
    """(id, slug, distribution id) of an open demo dataset whose files link the source's home."""
    with demo_app.extensions["gxdata"].session_factory() as session:
        for dataset in session.scalars(public_datasets().order_by(Dataset.id)):
            for d in dataset.distributions:
                if d.access_url == HOME and public_distribution(dataset, d).files_open:
                    return dataset.id, dataset.slug, d.id
    raise AssertionError("no demo dataset links the source's home page")


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://data.gxzf.gov.cn/", True),
        ("https://data.gxzf.gov.cn", True),
        ("https://data.gxzf.gov.cn/?", True),
        ("https://data.gxzf.gov.cn/dataset/1", False),
        ("https://data.gxzf.gov.cn/files/a.csv", False),
        ("https://example.org/?id=3", False),
        ("https://example.org/landing/", True),  # the dataset's landing page
        ("https://dept.example.org/Home", True),  # the department's homepage
    ],
)
def test_which_links_are_pages_not_files(url, page):
    department = Department(name="部门", slug="d", homepage="https://DEPT.example.org/Home/")
    dataset = Dataset(title="t", landing_page="https://example.org/landing", department=department)
    assert is_not_a_file(url, dataset) is page


def test_a_home_page_is_a_landing_page_never_an_access_url(demo_client, home_linked):
    dataset_id, slug, _ = home_linked
    graph = Graph().parse(data=demo_client.get(f"/dataset/{dataset_id}.ttl").data, format="turtle")
    s = URIRef(f"{BASE}/dataset/{dataset_id}")
    assert not list(graph.triples((None, DCAT.accessURL, URIRef(HOME))))
    assert not list(graph.triples((None, DCAT.downloadURL, URIRef(HOME))))
    assert URIRef(HOME) in set(graph.objects(s, DCAT.landingPage))
    page = URIRef(f"{BASE}/dataset/{slug}")
    for d in graph.objects(s, DCAT.distribution):
        assert graph.value(d, DCAT.accessURL) == page


def _schema_org(html: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    return json.loads(found[0])


def test_a_home_page_is_no_content_url_nor_datapackage_path(demo_client, home_linked):
    _, slug, distribution_id = home_linked
    html = demo_client.get(f"/dataset/{slug}").get_data(as_text=True)
    node = _schema_org(html)
    assert HOME not in [d.get("contentUrl") for d in node.get("distribution", [])]
    package = demo_client.get(f"/dataset/{slug}/datapackage.json").get_json()
    assert HOME not in [r.get("path") for r in package.get("resources", [])]
    assert "在源平台查看" in html and "前往源平台获取" not in html
    resource = demo_client.get(f"/dataset/{slug}/resource/{distribution_id}")
    assert "在源平台查看" in resource.get_data(as_text=True)


# -- schema.org against Google's Dataset rules -------------------------------------------------

ISO_DATE = r"\d{4}-\d{2}-\d{2}"
ISO_INTERVAL = re.compile(rf"^({ISO_DATE}|\.\.)/({ISO_DATE}|\.\.)$")


def google_dataset_problems(node: dict) -> list[str]:
    """What Google's Dataset rules (and its Rich Results checks) would reject in ``node``."""
    problems = []
    if node.get("@type") != "Dataset":
        problems.append("@type")
    if not isinstance(node.get("name"), str) or not node["name"].strip():
        problems.append("name")
    description = node.get("description")
    if not isinstance(description, str) or not 50 <= len(description) <= 5000:
        problems.append(f"description length {len(description or '')}")
    for key in ("url", "license"):
        if key in node and not str(node[key]).startswith(("http://", "https://")):
            problems.append(key)
    if "temporalCoverage" in node and not ISO_INTERVAL.match(node["temporalCoverage"]):
        problems.append("temporalCoverage")
    place = node.get("spatialCoverage")
    if place is not None and not (place.get("@type") == "Place" and place.get("name")):
        problems.append("spatialCoverage")
    for download in node.get("distribution", []):
        if download.get("@type") != "DataDownload" or not download.get("contentUrl"):
            problems.append("distribution")
    return problems


def test_every_demo_dataset_passes_googles_dataset_rules(demo_app):
    with demo_app.extensions["gxdata"].session_factory() as session:
        datasets = list(session.scalars(public_datasets()))
        failing = {
            d.title: p for d in datasets if (p := google_dataset_problems(dataset_jsonld(d, BASE)))
        }
    assert len(datasets) > 1000 and failing == {}


def test_the_embedded_json_ld_parses_and_passes(demo_client, home_linked):
    _, slug, _ = home_linked
    node = _schema_org(demo_client.get(f"/dataset/{slug}").get_data(as_text=True))
    assert google_dataset_problems(node) == []


def test_a_missing_description_is_generated_from_the_fields_and_marked(demo_app):
    with demo_app.extensions["gxdata"].session_factory() as session:
        dataset = next(
            d
            for d in session.scalars(public_datasets().order_by(Dataset.id))
            if (not d.description or d.description == d.title)
            and d.department is not None
            and d.update_frequency
            and d.distributions
        )
        text = dataset_jsonld(dataset, BASE)["description"]
        assert text.endswith(GENERATED_NOTE) and f"“{dataset.title}”" in text
        assert dataset.department.name in text and "更新频率" in text and "格式为" in text
        given = next(
            d for d in session.scalars(public_datasets()) if len(d.description or "") >= 60
        )
        assert dataset_jsonld(given, BASE)["description"] == given.description.strip()


# -- labels of the concepts the output uses (what ckanext-dcat reads) --------------------------

DCT = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
CONCEPT_PREDICATES = (
    DCT["format"], DCT.accessRights, DCT.accrualPeriodicity, DCAT.theme, DCT.language, DCT.license,
    DCT.spatial, URIRef(f"{BASE}/ns#highValueCategory"),
)  # fmt: skip


def ckanext_dcat_format(graph: Graph, distribution: URIRef) -> tuple[str | None, str | None]:
    """(media type, label) as ckanext-dcat's ``_distribution_format`` reads them: the labels of
    a ``dct:format`` node only when its first ``rdf:type`` is ``dct:IMT``, else the URI."""
    fmt = next(graph.objects(distribution, DCT["format"]), None)
    imt = next((str(o) for o in graph.objects(distribution, DCAT.mediaType)), None)
    if fmt is None:
        return imt, None
    if next(graph.objects(fmt, RDF.type), None) == DCT.IMT:
        labels = list(graph.objects(fmt, RDFS_LABEL))
        label = next((str(o) for o in labels if o.language == "en"), str(labels[0]))
        return imt or str(graph.value(fmt, RDF.value)), label
    return imt, str(fmt)


def _unlabelled(graph: Graph) -> set[str]:
    missing = set()
    for predicate in CONCEPT_PREDICATES:
        for value in set(graph.objects(None, predicate)):
            for label in (RDFS_LABEL, PREF_LABEL):
                langs = {o.language for o in graph.objects(value, label)}
                if not {"zh", "en"} <= langs:
                    missing.add(f"{predicate} {value} {label} {langs}")
    return missing


@pytest.fixture(scope="module")
def labelled_sample(demo_app) -> list[str]:
    """Datasets with formats, a frequency, a category and an open type."""
    with demo_app.extensions["gxdata"].session_factory() as session:
        found = [
            d.id
            for d in session.scalars(public_datasets().order_by(Dataset.id))
            if d.category and d.update_frequency and any(x.format for x in d.distributions)
        ]
    return found[:5]


def test_a_ckan_reader_gets_format_labels_not_uris(demo_client, labelled_sample):
    read = []
    for dataset_id in labelled_sample:
        body = demo_client.get(f"/dataset/{dataset_id}.ttl").data
        graph = Graph().parse(data=body, format="turtle")
        for d in graph.objects(URIRef(f"{BASE}/dataset/{dataset_id}"), DCAT.distribution):
            if (d, DCT["format"], None) in graph:
                read.append(ckanext_dcat_format(graph, d))
    assert read and all(label and not label.startswith("http") for _, label in read), read


def test_every_concept_used_is_labelled_in_zh_and_en(demo_client, labelled_sample):
    paths = [f"/dataset/{i}.ttl" for i in labelled_sample] + ["/catalog.ttl?category=health"]
    for path in paths:
        graph = Graph().parse(data=demo_client.get(path).data, format="turtle")
        assert _unlabelled(graph) == set(), path


def test_the_sparql_shared_graph_has_the_labels():
    from exports.vocabularies import all_vocabulary_chunks

    triples = {(s, p, o) for chunk in all_vocabulary_chunks(BASE) for s, p, o in chunk}
    csv = "http://publications.europa.eu/resource/authority/file-type/CSV"
    annual = "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    labels = {(s, o.lang) for s, p, o in triples if p == str(RDFS_LABEL) and hasattr(o, "lang")}
    assert {(csv, "zh"), (csv, "en"), (annual, "zh"), (annual, "en")} <= labels
    assert (csv, str(RDF.type), str(DCT.IMT)) in triples


def test_the_departments_topic_is_a_dcat_theme_too(demo_app, demo_client):
    with demo_app.extensions["gxdata"].session_factory() as session:
        dataset = next(
            d for d in session.scalars(public_datasets().order_by(Dataset.id)) if d.topic
        )
        dataset_id, topic = dataset.id, dataset.topic
    graph = Graph().parse(data=demo_client.get(f"/dataset/{dataset_id}.ttl").data, format="turtle")
    scheme = URIRef(f"{BASE}/vocab/topics")
    in_scheme = URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
    themes = set(graph.objects(URIRef(f"{BASE}/dataset/{dataset_id}"), DCAT.theme))
    found = [t for t in themes if (t, in_scheme, scheme) in graph]
    assert len(found) == 1, (topic, themes)
    assert (
        topic
        in {str(o) for o in graph.objects(found[0], RDFS_LABEL)}
        | {str(o) for o in graph.objects(found[0], PREF_LABEL)}
        or graph.value(found[0], RDFS_LABEL) is not None
    )

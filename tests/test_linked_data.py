"""Linked data over HTTP: suffix URLs, content negotiation, paging, the dump, vocabularies."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import full_dataset
from rdflib import Graph, Literal, URIRef
from sqlalchemy import select

from catalog.models import Dataset
from catalog.queries import public_datasets
from catalog.services.datasets import create_dataset, publish_dataset
from exports.formats import FORMATS
from vocab.namespaces import DCAT, DCT, FOAF, HYDRA, RDF, SKOS

RDFLIB = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld", "nt": "nt"}
BASE = "http://gxdata.test"


@pytest.fixture(scope="module")
def demo_ids(demo_app):
    services = demo_app.extensions["gxdata"]
    with services.session_factory() as session:
        rows = session.execute(public_datasets().with_only_columns(Dataset.id, Dataset.slug))
        return {slug: dataset_id for dataset_id, slug in rows}


def _parse(response, suffix):
    return Graph().parse(data=response.get_data(as_text=True), format=RDFLIB[suffix])


def test_dataset_page_lists_its_rdf_alternates(demo_client, demo_ids):
    slug, dataset_id = next(iter(demo_ids.items()))
    response = demo_client.get(f"/dataset/{slug}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    for fmt in FORMATS:
        assert f'<{BASE}/dataset/{dataset_id}.{fmt.suffix}>; rel="alternate"' in link
    html = response.get_data(as_text=True)
    assert f'href="/dataset/{dataset_id}.ttl"' in html


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
def test_dataset_suffix_urls_and_accept_header_agree(demo_client, demo_ids, fmt):
    slug, dataset_id = next(iter(demo_ids.items()))
    by_suffix = demo_client.get(f"/dataset/{dataset_id}.{fmt.suffix}")
    assert by_suffix.status_code == 200
    assert by_suffix.mimetype == fmt.media_type.split(";")[0]
    graph = _parse(by_suffix, fmt.suffix)
    subject = URIRef(f"{BASE}/dataset/{dataset_id}")
    assert (subject, RDF.type, DCAT.Dataset) in graph
    negotiated = demo_client.get(f"/dataset/{slug}", headers={"Accept": fmt.accepts[0]})
    assert negotiated.mimetype == fmt.media_type.split(";")[0]
    assert negotiated.headers["Content-Location"] == f"{BASE}/dataset/{dataset_id}.{fmt.suffix}"
    assert "Accept" in negotiated.headers["Vary"]
    assert len(_parse(negotiated, fmt.suffix)) == len(graph)


def test_browsers_get_html_and_weighted_accept_headers_are_honoured(demo_client, demo_ids):
    slug = next(iter(demo_ids))
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert demo_client.get(f"/dataset/{slug}", headers={"Accept": browser}).mimetype == "text/html"
    prefers_turtle = "text/html;q=0.5, text/turtle"
    response = demo_client.get(f"/dataset/{slug}", headers={"Accept": prefers_turtle})
    assert response.mimetype == "text/turtle"
    assert demo_client.get("/dataset/no-such-dataset.ttl").status_code == 404
    assert demo_client.get(f"/dataset/{slug}/resource/x").status_code == 404  # routes intact


def test_catalog_negotiates_and_pages_with_hydra(demo_client, demo_ids):
    html = demo_client.get("/catalog")
    assert html.mimetype == "text/html" and f"<{BASE}/catalog.ttl>" in html.headers["Link"]
    response = demo_client.get("/catalog", headers={"Accept": "application/n-triples"})
    assert response.mimetype == "application/n-triples"
    graph = _parse(demo_client.get("/catalog.ttl"), "ttl")
    catalog = URIRef(f"{BASE}/catalog")
    assert graph.value(catalog, HYDRA.totalItems).toPython() == len(demo_ids)
    view = graph.value(catalog, HYDRA.view)
    assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
    assert graph.value(view, HYDRA.previous) is None
    assert str(graph.value(view, HYDRA.next)) == f"{BASE}/catalog.ttl?page=2"
    assert graph.value(view, HYDRA.nextPage) == graph.value(view, HYDRA.next)  # older harvesters
    last = -(-len(demo_ids) // 100)
    assert str(graph.value(view, HYDRA.last)) == f"{BASE}/catalog.ttl?page={last}"
    assert len(list(graph.objects(catalog, DCAT.dataset))) == 100
    assert len(list(graph.objects(catalog, DCAT.service))) == 3
    assert len(list(graph.objects(catalog, DCT.hasPart))) > 100  # one per department


def test_walking_the_pages_gives_every_public_dataset_once(demo_client, demo_ids):
    seen: list[str] = []
    url = "/catalog.jsonld"
    while url:
        graph = _parse(demo_client.get(url), "jsonld")
        seen += [str(d) for d in graph.objects(URIRef(f"{BASE}/catalog"), DCAT.dataset)]
        view = graph.value(URIRef(f"{BASE}/catalog"), HYDRA.view)
        following = graph.value(view, HYDRA.next)
        url = str(following).removeprefix(BASE) if following else None
    assert len(seen) == len(set(seen)) == len(demo_ids)
    assert {s.rsplit("/", 1)[1] for s in seen} == set(demo_ids.values())


def test_page_links_keep_filters_and_use_the_base_url(demo_client):
    response = demo_client.get(
        "/catalog.ttl?category=health&page=1", headers={"Host": "evil.example"}
    )
    graph = _parse(response, "ttl")
    catalog = URIRef(f"{BASE}/catalog")
    view = graph.value(catalog, HYDRA.view)
    for link in (view, graph.value(view, HYDRA.first), graph.value(view, HYDRA.last)):
        parts = urlsplit(str(link))
        assert parts.netloc == "gxdata.test"
        assert parse_qs(parts.query)["category"] == ["health"]
    total = graph.value(catalog, HYDRA.totalItems).toPython()
    datasets = list(graph.objects(catalog, DCAT.dataset))
    assert 0 < total == len(datasets) < 100
    health = URIRef(f"{BASE}/vocab/categories/health")
    assert all((d, DCAT.theme, health) in graph for d in datasets)


def test_modified_since_filters_and_bad_filters_are_400(demo_client):
    future = _parse(demo_client.get("/catalog.nt?modified_since=2999-01-01"), "nt")
    assert future.value(URIRef(f"{BASE}/catalog"), HYDRA.totalItems) == Literal(0)
    past = _parse(demo_client.get("/catalog.nt?modified_since=2000-01-01T00:00:00Z"), "nt")
    assert past.value(URIRef(f"{BASE}/catalog"), HYDRA.totalItems).toPython() > 1000
    assert demo_client.get("/catalog.ttl?modified_since=yesterday").status_code == 400
    assert demo_client.get("/catalog.ttl?page=0").status_code == 400
    assert demo_client.get("/catalog.ttl?page=999").status_code == 404


def test_text_search_filter(demo_client):
    graph = _parse(demo_client.get("/catalog.ttl?q=气象"), "ttl")
    datasets = list(graph.objects(URIRef(f"{BASE}/catalog"), DCAT.dataset))
    assert datasets
    assert all("气象" in "".join(map(str, graph.objects(d, DCT.title)))
               or "气象" in "".join(map(str, graph.objects(d, DCT.description)))
               or "气象" in "".join(map(str, graph.objects(d, DCAT.keyword)))
               for d in datasets)  # fmt: skip


def test_dump_streams_the_whole_catalog(demo_client, demo_ids):
    response = demo_client.get("/catalog/dump.nt.gz")
    assert response.status_code == 200 and response.is_streamed
    text = gzip.decompress(response.get_data()).decode("utf-8")
    graph = Graph().parse(data=text, format="nt")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert {str(d).rsplit("/", 1)[1] for d in datasets} == set(demo_ids.values())


def test_no_closed_dataset_is_published(demo_app, demo_client):
    services = demo_app.extensions["gxdata"]
    with services.session_factory() as session:
        closed = session.scalars(select(Dataset.id).where(Dataset.open_type == "closed")).all()
    assert closed
    text = gzip.decompress(demo_client.get("/catalog/dump.nt.gz").get_data()).decode("utf-8")
    assert not any(dataset_id in text for dataset_id in closed)
    assert demo_client.get(f"/dataset/{closed[0]}.ttl").status_code == 404


def test_concept_uris_dereference(demo_client):
    html = demo_client.get("/vocab/categories/health")
    assert html.status_code == 200 and "医疗卫生" in html.get_data(as_text=True)
    assert f"<{BASE}/vocab/categories/health.ttl>" in html.headers["Link"]
    rdf = demo_client.get("/vocab/categories/health", headers={"Accept": "text/turtle"})
    graph = _parse(rdf, "ttl")
    concept = URIRef(f"{BASE}/vocab/categories/health")
    assert (concept, SKOS.prefLabel, Literal("医疗卫生", lang="zh")) in graph
    assert (concept, SKOS.inScheme, URIRef(f"{BASE}/vocab/categories")) in graph
    scheme = _parse(demo_client.get("/vocab/divisions.nt"), "nt")
    assert len(set(scheme.subjects(SKOS.inScheme, URIRef(f"{BASE}/vocab/divisions")))) > 100
    assert demo_client.get("/vocab/categories/nothing").status_code == 404
    assert demo_client.get("/vocab").status_code == 200


def test_every_concept_a_dataset_points_to_dereferences(demo_client, demo_ids):
    dataset_id = next(iter(demo_ids.values()))
    graph = _parse(demo_client.get(f"/dataset/{dataset_id}.ttl"), "ttl")
    ours = {o for o in graph.objects() if str(o).startswith(f"{BASE}/vocab/")}
    assert ours
    for concept in ours:
        path = str(concept).removeprefix(BASE)
        response = demo_client.get(path, headers={"Accept": "application/ld+json"})
        assert response.status_code == 200, path


def test_ontology_is_published(demo_client):
    graph = _parse(demo_client.get("/ns.ttl"), "ttl")
    term = URIRef(f"{BASE}/ns#serviceItem")
    assert (
        term,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("所属事项名称", lang="zh"),
    ) in graph
    page = demo_client.get("/ns")
    assert page.mimetype == "text/html" and "gx:serviceItem" in page.get_data(as_text=True)


def test_dataset_page_embeds_schema_org(demo_client, demo_ids):
    slug, dataset_id = next(iter(demo_ids.items()))
    html = demo_client.get(f"/dataset/{slug}").get_data(as_text=True)
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(found.group(1))
    assert data["@type"] == "Dataset" and data["@id"] == f"{BASE}/dataset/{dataset_id}"
    assert data["name"] and data["includedInDataCatalog"]["url"] == f"{BASE}/catalog"
    assert data["@context"] == "https://schema.org/"
    # a page (the source site's home page) is no DataDownload: only files are listed
    assert all(
        d["@type"] == "DataDownload" and d["contentUrl"] for d in data.get("distribution", [])
    )


def test_table_schema_is_served_for_data_package_files(demo_client):
    graph = _parse(demo_client.get("/catalog.nt?q=人口"), "nt")
    schemas = {
        str(o) for o in graph.objects(None, DCT.conformsTo) if str(o).endswith("schema.json")
    }
    assert schemas
    response = demo_client.get(next(iter(schemas)).removeprefix(BASE))
    assert response.status_code == 200 and "fields" in response.get_json()


def test_cli_exports_the_catalog(app, runner, session, tmp_path):
    publish_dataset(session, create_dataset(session, title="测试数据集", department=None))
    session.commit()
    for suffix in ("ttl", "nt", "jsonld"):
        output = tmp_path / f"catalog.{suffix}"
        result = runner.invoke(args=["export", "dcat", "--format", suffix, "--output", str(output)])
        assert result.exit_code == 0, result.output
        graph = Graph().parse(output, format=RDFLIB[suffix])
        assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 1
    bad = runner.invoke(args=["export", "dcat", "--format", "rdf", "--output", str(tmp_path / "x")])
    assert bad.exit_code != 0


def test_search_department_and_category_pages_link_to_the_same_selection(demo_client):
    search = demo_client.get("/dataset?q=气象&format=CSV&page=2")
    link = search.headers["Link"]
    assert f"<{BASE}/catalog.ttl?" in link and "format=CSV" in link and "page=2" not in link
    nt_url = re.search(r"<([^>]+\.nt\?[^>]*)>", link).group(1).removeprefix(BASE)
    graph = _parse(demo_client.get(nt_url), "nt")
    assert graph.value(URIRef(f"{BASE}/catalog"), HYDRA.totalItems) is not None
    category = demo_client.get("/category/health").headers["Link"]
    assert f"<{BASE}/catalog.jsonld?category=health>" in category


def test_sub_catalog_uris_dereference(demo_client):
    graph = _parse(demo_client.get("/catalog.ttl?modified_since=2999-01-01"), "ttl")
    part = next(graph.objects(URIRef(f"{BASE}/catalog"), DCT.hasPart))
    slug = str(part).rsplit("/", 1)[1]
    assert (part, RDF.type, DCAT.Catalog) in graph
    assert graph.value(part, DCT.publisher) == URIRef(f"{BASE}/organization/{slug}")
    html = demo_client.get(f"/catalog/department/{slug}")
    assert html.status_code == 303 and html.location == f"{BASE}/organization/{slug}"
    rdf = demo_client.get(f"/catalog/department/{slug}", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 303 and rdf.location == f"{BASE}/catalog.ttl?department={slug}"
    page = _parse(demo_client.get(f"/catalog.ttl?department={slug}"), "ttl")
    datasets = set(page.objects(URIRef(f"{BASE}/catalog"), DCAT.dataset))
    assert datasets and datasets == set(page.objects(part, DCAT.dataset))
    assert demo_client.get("/catalog/department/no-such-department").status_code == 404


# -- dereferencing distributions, departments, the operator and the services -------------------


def _a_distribution(demo_app, open_type="unconditional"):
    """(dataset id, distribution id, stored file name) of a public file of that open type."""
    services = demo_app.extensions["gxdata"]
    with services.session_factory() as session:
        rows = session.scalars(public_datasets().where(Dataset.open_type == open_type))
        for dataset in rows:
            for distribution in dataset.distributions:
                if distribution.stored_file:
                    return dataset.id, distribution.id, distribution.file_name
    raise AssertionError(f"the demo has no stored file of a {open_type} dataset")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
def test_distribution_uris_dereference_to_rdf(demo_app, demo_client, fmt):
    dataset_id, distribution_id, _name = _a_distribution(demo_app)
    path = f"/dataset/{dataset_id}/resource/{distribution_id}"
    iri = URIRef(BASE + path)
    for response in (
        demo_client.get(path, headers={"Accept": fmt.accepts[0]}),
        demo_client.get(f"{path}.{fmt.suffix}"),
    ):
        assert response.status_code == 200 and response.mimetype == fmt.accepts[0]
        graph = _parse(response, fmt.suffix)
        assert (iri, RDF.type, DCAT.Distribution) in graph
        assert (URIRef(f"{BASE}/dataset/{dataset_id}"), DCAT.distribution, iri) in graph
        assert graph.value(iri, DCAT.downloadURL) is not None
    html = demo_client.get(path)
    assert html.mimetype == "text/html" and "Accept" in html.headers["Vary"]
    assert f'<{BASE}{path}.ttl>; rel="alternate"; type="text/turtle"' in html.headers["Link"]


def test_a_conditional_files_rdf_names_no_file_address(demo_app, demo_client):
    dataset_id, distribution_id, name = _a_distribution(demo_app, "conditional")
    path = f"/dataset/{dataset_id}/resource/{distribution_id}"
    response = demo_client.get(path, headers={"Accept": "text/turtle"})
    graph = _parse(response, "ttl")
    iri = URIRef(BASE + path)
    assert (iri, RDF.type, DCAT.Distribution) in graph
    assert graph.value(iri, DCAT.downloadURL) is None
    assert "/download" not in response.get_data(as_text=True)
    apply_page = graph.value(iri, DCAT.accessURL)  # where the file is applied for
    assert apply_page is not None and str(apply_page).endswith("/apply")
    assert demo_client.get(str(apply_page).removeprefix(BASE)).status_code in (200, 302)


def _a_department(demo_app):
    services = demo_app.extensions["gxdata"]
    with services.session_factory() as session:
        return session.scalars(public_datasets()).first().department.slug


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
def test_department_uris_dereference_to_rdf(demo_app, demo_client, fmt):
    slug = _a_department(demo_app)
    iri = URIRef(f"{BASE}/organization/{slug}")
    for response in (
        demo_client.get(f"/organization/{slug}", headers={"Accept": fmt.accepts[0]}),
        demo_client.get(f"/organization/{slug}.{fmt.suffix}"),
    ):
        assert response.status_code == 200, response.get_data(as_text=True)
        graph = _parse(response, fmt.suffix)
        assert (iri, RDF.type, FOAF.Agent) in graph and graph.value(iri, FOAF.name) is not None
    html = demo_client.get(f"/organization/{slug}")
    assert f"<{iri}.ttl>" in html.headers["Link"]
    assert demo_client.get("/organization/no-such.ttl").status_code == 404


def test_the_operator_dereferences_to_rdf(demo_client):
    for response in (
        demo_client.get("/about", headers={"Accept": "text/turtle"}),
        demo_client.get("/about.ttl"),
    ):
        graph = _parse(response, "ttl")
        operator = URIRef(f"{BASE}/about#operator")
        assert (operator, RDF.type, FOAF.Agent) in graph
        assert graph.value(operator, FOAF.name) is not None
    assert demo_client.get("/about").mimetype == "text/html"


@pytest.mark.parametrize("path", ["/api/v1/", "/api/3", "/sparql"])
def test_the_services_dereference_to_rdf(demo_client, path):
    response = demo_client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = _parse(response, "ttl")
    service = URIRef(BASE + path.rstrip("/"))
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == service
    suffixed = demo_client.get(f"{path.rstrip('/')}.jsonld")
    assert (service, RDF.type, DCAT.DataService) in _parse(suffixed, "jsonld")
    assert "Accept" in response.headers["Vary"]


def test_apis_still_answer_json_by_default(demo_client):
    for path in ("/api/v1/", "/api/3"):
        for accept in (None, "application/json", "*/*"):
            headers = {"Accept": accept} if accept else {}
            response = demo_client.get(path, headers=headers)
            assert response.status_code == 200 and response.is_json


NEGOTIATED = ["/catalog", "/ns", "/vocab/categories", "/about", "/sparql", "/api/3"]


@pytest.mark.parametrize("accept", ["image/png", "text/turtle;q=0", "text/html;q=0, */*;q=0"])
def test_no_fitting_representation_is_a_406(demo_app, demo_client, demo_ids, accept):
    dataset_id, distribution_id, _name = _a_distribution(demo_app)
    paths = [
        *NEGOTIATED,
        f"/dataset/{dataset_id}",
        f"/dataset/{dataset_id}/resource/{distribution_id}",
        f"/organization/{_a_department(demo_app)}",
    ]
    for path in paths:
        response = demo_client.get(path, headers={"Accept": accept})
        assert response.status_code == 406, path
        body = response.get_data(as_text=True)
        assert "可用格式" in body and "text/turtle" in body and "application/ld+json" in body
        assert "Accept" in response.headers["Vary"]


# -- validators: ETag, Last-Modified and 304 -----------------------------------------------------


def _validated_paths(demo_app, demo_ids):
    dataset_id = next(iter(demo_ids.values()))
    file_dataset, distribution_id, _name = _a_distribution(demo_app)
    resource = f"/dataset/{file_dataset}/resource/{distribution_id}"
    slug = _a_department(demo_app)
    return [
        f"/dataset/{dataset_id}",
        f"/dataset/{dataset_id}.ttl",
        resource,
        f"{resource}.jsonld",
        f"/organization/{slug}",
        f"/organization/{slug}.ttl",
        "/catalog",
        "/catalog.ttl",
        "/category/health",
    ]


def test_pages_and_documents_answer_304_to_their_validators(demo_app, demo_client, demo_ids):
    for path in _validated_paths(demo_app, demo_ids):
        first = demo_client.get(path)
        assert first.status_code == 200, path
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag.startswith('W/"'), path
        again = demo_client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and not again.get_data(), path
        assert demo_client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        changed = demo_client.get(path, headers={"If-None-Match": 'W/"other"'})
        assert changed.status_code == 200 and changed.get_data() == first.get_data()


def test_the_etag_follows_the_language(demo_client, demo_ids):
    path = f"/dataset/{next(iter(demo_ids.values()))}"
    zh = demo_client.get(f"{path}?lang=zh")
    en = demo_client.get(f"{path}?lang=en")
    assert zh.headers["ETag"] != en.headers["ETag"]
    assert "Cookie" in zh.headers["Vary"]
    stale = demo_client.get(f"{path}?lang=en", headers={"If-None-Match": zh.headers["ETag"]})
    assert stale.status_code == 200


def test_an_edit_changes_the_validators(app, client, session):
    with session.begin():
        dataset_id = full_dataset(session).id
    path = f"/dataset/{dataset_id}.ttl"
    first = client.get(path)
    with session.begin():
        session.get(Dataset, dataset_id).title = "测试数据集（改）"
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and "（改）" in second.get_data(as_text=True)

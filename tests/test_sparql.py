"""The SPARQL endpoint: protocol, result formats, limits, errors, and staying in step."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph

from catalog.services.datasets import (
    create_dataset,
    publish_dataset,
    update_dataset,
    withdraw_dataset,
)

COUNT = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
TITLES = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?d ?title WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; dct:title ?title }
ORDER BY ?title LIMIT 3"""
CONSTRUCT = """CONSTRUCT { ?c ?p ?o }
WHERE { ?c a <http://www.w3.org/ns/dcat#Catalog> ; ?p ?o } LIMIT 20"""


def _count(client) -> int:
    body = client.get("/sparql", query_string={"query": COUNT}).get_json(force=True)
    return int(body["results"]["bindings"][0]["n"]["value"])


def test_the_whole_catalog_is_queryable(demo_client, demo_app):
    services = demo_app.extensions["gxdata"]
    assert _count(demo_client) == services.search.count() == 1055


def test_get_and_both_post_forms(demo_client):
    get = demo_client.get("/sparql", query_string={"query": TITLES})
    assert get.status_code == 200 and get.mimetype == "application/sparql-results+json"
    assert get.headers["Access-Control-Allow-Origin"] == "*"
    rows = get.get_json(force=True)["results"]["bindings"]
    assert len(rows) == 3 and rows[0]["title"]["xml:lang"] == "zh"
    form = demo_client.post("/sparql", data={"query": TITLES})
    body = demo_client.post(
        "/sparql", data=TITLES.encode(), content_type="application/sparql-query"
    )
    assert form.get_json(force=True) == body.get_json(force=True) == get.get_json(force=True)


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_result_formats_by_accept(demo_client, accept, mimetype):
    response = demo_client.get(
        "/sparql", query_string={"query": TITLES}, headers={"Accept": accept}
    )
    assert response.mimetype == mimetype
    text = response.get_data(as_text=True)
    if mimetype.endswith("xml"):
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        assert len(ET.fromstring(text).findall(".//r:result", ns)) == 3
    elif mimetype == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["d", "title"] and len(rows) == 4
    else:
        lines = text.strip().split("\n")
        assert lines[0] == "?d\t?title" and lines[1].startswith("<http://gxdata.test/dataset/")


def test_format_parameter_ask_and_construct(demo_client):
    csv_text = demo_client.get("/sparql", query_string={"query": TITLES, "format": "csv"})
    assert csv_text.mimetype == "text/csv"
    ask = demo_client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert ask.get_json(force=True)["boolean"] is True
    construct = demo_client.get(
        "/sparql",
        query_string={"query": CONSTRUCT},
        headers={"Accept": "text/turtle"},
    )
    assert construct.mimetype == "text/turtle"
    assert len(Graph().parse(data=construct.get_data(as_text=True), format="turtle")) == 20


def test_vocabularies_are_in_the_store(demo_client):
    query = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?label WHERE { <http://gxdata.test/vocab/categories/meteorology> skos:prefLabel ?label
    FILTER(lang(?label) = "zh") }"""
    rows = demo_client.get("/sparql", query_string={"query": query}).get_json(force=True)
    assert rows["results"]["bindings"][0]["label"]["value"] == "气象"


def test_malformed_queries_and_updates_are_clear_4xx(demo_client):
    bad = demo_client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert bad.get_json()["code"] == "malformed-query"
    update = demo_client.post("/sparql", data=b"DROP ALL", content_type="application/sparql-update")
    assert update.status_code == 403 and update.get_json()["code"] == "read-only"
    smuggled = demo_client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert smuggled.status_code == 400
    assert _count(demo_client) == 1055
    assert demo_client.get("/sparql", query_string={"query": " "}).status_code == 400


def test_slow_queries_stop_at_the_time_limit(demo_app, demo_client):
    slow = """SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"""
    demo_app.config["SPARQL_TIMEOUT"] = 0.2
    try:
        response = demo_client.get("/sparql", query_string={"query": slow})
    finally:
        demo_app.config["SPARQL_TIMEOUT"] = 10.0
    assert response.status_code == 422
    assert response.get_json()["code"] == "query-timeout"


def test_results_stop_at_the_row_limit(demo_app, demo_client):
    demo_app.config["SPARQL_MAX_ROWS"] = 5
    try:
        response = demo_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    finally:
        demo_app.config["SPARQL_MAX_ROWS"] = 10_000
    assert len(response.get_json(force=True)["results"]["bindings"]) == 5
    assert response.headers["X-SPARQL-MaxRows"] == "5"


def test_the_form_has_chinese_examples(demo_client):
    html = demo_client.get("/sparql").get_data(as_text=True)
    assert "SPARQL 查询" in html and "各部门发布的数据集数量" in html


def test_the_store_follows_the_database(app, client, session):
    assert _count(client) == 0
    dataset = create_dataset(session, title="同步测试数据集", department=None)
    session.commit()
    assert _count(client) == 0  # a draft is not public
    publish_dataset(session, dataset)
    session.commit()
    assert _count(client) == 1
    update_dataset(session, dataset, title="改名后的数据集")
    session.commit()
    query = "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t }"
    titles = [
        b["t"]["value"]
        for b in client.get("/sparql", query_string={"query": query}).get_json(force=True)[
            "results"
        ]["bindings"]
    ]
    assert "改名后的数据集" in titles and "同步测试数据集" not in titles
    withdraw_dataset(session, dataset)
    session.commit()
    assert _count(client) == 0


def test_rebuild_command(app, runner, session):
    publish_dataset(session, create_dataset(session, title="重建测试", department=None))
    session.commit()
    result = runner.invoke(args=["sparql", "rebuild"])
    assert result.exit_code == 0 and "loaded 1 public datasets" in result.output

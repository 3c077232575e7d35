"""The quality scores reach the DCAT output as DQV measurements."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from sqlalchemy import select

from catalog.models import Dataset
from vocab.namespaces import DQV, XSD

BASE = "http://gxdata.test"


def _dataset_turtle(demo_app, demo_client, title):
    with demo_app.extensions["gxdata"].session_factory() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.title == title))
        dataset_id = dataset.id
    response = demo_client.get(f"/dataset/{dataset_id}.ttl")
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    return graph, URIRef(f"{BASE}/dataset/{dataset_id}")


def test_scores_are_published_as_dqv_measurements(demo_app, demo_client):
    graph, subject = _dataset_turtle(demo_app, demo_client, "世界各国和地区人口数")
    values = {}
    for node in graph.objects(subject, DQV.hasQualityMeasurement):
        values[str(graph.value(node, DQV.isMeasurementOf))] = graph.value(node, DQV.value)
    assert set(values) == {
        f"{BASE}/ns#{name}"
        for name in (
            "mqaScore",
            "mqaFindability",
            "mqaAccessibility",
            "mqaInteroperability",
            "mqaReusability",
            "mqaContextuality",
            "dataQualityIndex",
        )
    }
    total = float(values[f"{BASE}/ns#mqaScore"])
    parts = sum(
        float(values[f"{BASE}/ns#mqa{d}"])
        for d in (
            "Findability",
            "Accessibility",
            "Interoperability",
            "Reusability",
            "Contextuality",
        )
    )
    assert 0 < total <= 405 and abs(total - parts) < 0.05
    assert 0 <= float(values[f"{BASE}/ns#dataQualityIndex"]) <= 100
    assert values[f"{BASE}/ns#mqaScore"].datatype == XSD.decimal


def test_the_metrics_are_defined_in_the_portal_vocabulary(demo_client):
    graph = Graph().parse(data=demo_client.get("/ns.ttl").get_data(as_text=True), format="turtle")
    metric = URIRef(f"{BASE}/ns#dataQualityIndex")
    assert (metric, None, DQV.Metric) in graph
    assert Literal("数据质量指数", lang="zh") in set(graph.objects(metric, None))


def test_catalog_pages_leave_the_scores_out(demo_client):
    body = demo_client.get("/catalog.ttl?page=1").get_data(as_text=True)
    assert "dcat:Dataset" in body and "hasQualityMeasurement" not in body

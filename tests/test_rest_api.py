"""The REST API /api/v1: search, facets, cursors, ETags, CORS, problems, and its OpenAPI."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import select

from catalog.models import Dataset

BASE = "http://gxdata.test"


@pytest.fixture(scope="module")
def spec(demo_app):
    return demo_app.test_client().get("/api/v1/openapi.json").get_json()


def check(spec, path: str, response) -> None:
    """Validate a response body against the schema the OpenAPI description gives it."""
    operation = spec["paths"][path]["get"]
    status = str(response.status_code)
    answer = operation["responses"].get(status, operation["responses"]["default"])
    schema = answer["content"][response.mimetype]["schema"]
    root = {**schema, "components": spec["components"]}  # so "#/components/…" resolves
    Draft202012Validator(root).validate(response.get_json())


def test_the_description_is_valid_openapi(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1") and spec["servers"][0]["url"] == f"{BASE}/api/v1"


def test_every_path_answers_as_described(demo_client, spec):
    dataset = demo_client.get("/api/v1/datasets?limit=1").get_json()["results"][0]
    distribution = demo_client.get(f"/api/v1/datasets/{dataset['id']}").get_json()["distributions"][
        0
    ]
    department = dataset["department"]["slug"]
    values = {
        "dataset_id": dataset["id"],
        "distribution_id": distribution["id"],
        "slug": department,
        "code": "health",
        "name": "categories",
    }
    for path, item in spec["paths"].items():
        if "get" not in item:  # a write only (tests/test_rest_write.py)
            continue
        if "security" in item["get"]:  # needs a token (tests/test_application_pages.py)
            continue
        url = "/api/v1" + path.format(**values)
        response = demo_client.get(url)
        assert response.status_code == 200, url
        check(spec, path, response)
    missing = demo_client.get("/api/v1/datasets/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    check(spec, "/datasets/{dataset_id}", missing)


def test_search_filters_and_facets(demo_client):
    everything = demo_client.get("/api/v1/datasets").get_json()
    assert everything["total"] == 1055 and len(everything["results"]) == 20
    assert {"category", "department", "format"} <= set(everything["facets"])
    health = demo_client.get("/api/v1/datasets?category=health&facets=false").get_json()
    assert 0 < health["total"] < everything["total"] and "facets" not in health
    assert all(d["category"]["code"] == "health" for d in health["results"])
    text = demo_client.get("/api/v1/datasets?q=气象").get_json()
    assert 0 < text["total"] < 100
    facet_counts = dict((f["value"], f["count"]) for f in everything["facets"]["category"])
    assert facet_counts["health"] == health["total"]
    english = demo_client.get("/api/v1/datasets?category=health&lang=en").get_json()
    assert english["results"][0]["category"]["label"] == "Health"


def test_cursors_walk_every_dataset_once(demo_client):
    seen: list[str] = []
    url = "/api/v1/datasets?limit=100&facets=false"
    while url:
        page = demo_client.get(url).get_json()
        seen += [d["id"] for d in page["results"]]
        url = page["links"]["next"].removeprefix(BASE) if page["next"] else None
    assert len(seen) == len(set(seen)) == 1055
    assert seen == sorted(seen)  # ordered by id: a cursor always continues after one record


def test_etags_cache_control_and_cors(demo_client):
    first = demo_client.get("/api/v1/categories")
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = demo_client.get("/api/v1/categories", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    preflight = demo_client.options(
        "/api/v1/datasets",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/api/v1/datasets?limit=0", "invalid-limit"),
        ("/api/v1/datasets?limit=abc", "invalid-limit"),
        ("/api/v1/datasets?cursor=%%%", "invalid-parameter"),
        ("/api/v1/datasets?modified_since=tomorrow", "invalid-parameter"),
        ("/api/v1/vocabularies/nothing", "not-found"),
        ("/api/v1/no-such-route", "not-found"),
    ],
)
def test_errors_are_problem_json(demo_client, url, code):
    response = demo_client.get(url)
    assert response.status_code in (400, 404)
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert body["code"] == code and body["type"].endswith(f"/problems/{code}")
    assert body["status"] == response.status_code


def test_closed_datasets_never_appear(demo_client, demo_app):
    with demo_app.extensions["gxdata"].session_factory() as session:
        closed = session.scalar(select(Dataset.id).where(Dataset.open_type == "closed"))
    assert demo_client.get(f"/api/v1/datasets/{closed}").status_code == 404


def test_browsable_page_lists_every_path(demo_client, spec):
    html = demo_client.get("/api/v1/docs").get_data(as_text=True)
    for path, item in spec["paths"].items():
        assert f"/api/v1{path}" in html
        for operation in item.values():
            assert operation["summary"].split(" · ")[0] in html  # e.g. 检索数据集
            for parameter in operation["parameters"]:
                assert f"<code>{parameter['name']}</code>" in html
    assert "gxdata user token add USER NAME --scope publish" in html  # how to get a token
    assert "/account" in html and "curl -X POST" in html

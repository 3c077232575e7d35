"""Hostile requests to the pages and the APIs: each answers 4xx (or the right 2xx), never 500,
and no header grows with what the client sent."""

from __future__ import annotations

import io

import pytest
from factories import full_dataset

from catalog.indexing import rebuild_index
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import store_file

CKAN = "/api/3/action"


@pytest.fixture
def published(session, services):
    with session.begin():
        dataset = full_dataset(session)
    rebuild_index(session, services.search)
    return dataset


def test_a_cursor_of_non_ascii_text_is_a_400_problem(client, published):
    response = client.get("/api/v1/datasets?cursor=%C2%88")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "invalid-parameter"


@pytest.mark.parametrize("query", ["", "?name=", "?name=no_such_action"])
def test_help_show_without_a_known_name_is_an_error_envelope(client, query):
    response = client.get(f"{CKAN}/help_show{query}")
    body = response.get_json()
    assert response.status_code in (404, 409) and body["success"] is False
    if response.status_code == 409:
        assert body["error"]["name"] == ["Missing value"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "\\ud800"}',
        '{"id": "a\\u0000b"}',
        '{"\\udfff": "x"}',
        '{"id": "' + "x" * 10_001 + '"}',
    ],
    ids=["deep-list", "deep-value", "lone-surrogate", "nul", "surrogate-key", "too-long"],
)
def test_package_show_with_hostile_json_is_a_400_validation_error(client, published, body):
    response = client.post(f"{CKAN}/package_show", data=body, content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["__type"] == "Validation Error" and error["message"].startswith("Bad request")


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(client):
    body = '{"id": "x", "pad": "' + "x" * (1024 * 1024) + '"}'
    response = client.post(f"{CKAN}/package_show", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["success"] is False


@pytest.mark.parametrize(
    "url",
    [
        f"{CKAN}/package_show?id=a%00b",
        f"{CKAN}/package_search?q=a%00b",
        f"{CKAN}/organization_show?id=%00",
        "/api/v1/datasets/a%00b",
        "/api/v1/datasets?q=a%00b",
        "/api/v1/departments/%00",
        "/dataset/a%00b",
        "/organization/%00",
        "/dataset?q=%00",
    ],
)
def test_nul_anywhere_in_the_request_is_a_400(client, published, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith(CKAN):
        assert response.get_json()["error"]["__type"] == "Validation Error"
    elif url.startswith("/api/v1"):
        assert response.get_json()["code"] == "invalid-parameter"


def test_a_ckan_form_post_with_nul_is_a_400(client, published):
    response = client.post(f"{CKAN}/package_show", data={"id": "a\x00b"})
    assert response.status_code == 400 and response.get_json()["success"] is False


def test_a_very_long_search_is_refused_and_the_link_header_stays_small(client, published):
    response = client.get("/dataset", query_string={"q": "人口" * 30_000})
    assert response.status_code == 400
    assert len(response.headers.get("Link", "")) < 2000


def test_the_link_header_carries_the_selection_as_the_search_read_it(client, published):
    response = client.get("/dataset", query_string={"q": "人" * 3000, "category": "x" * 3000})
    assert response.status_code == 200
    assert 0 < len(response.headers["Link"]) < 6 * 2000
    assert "x" * 200 not in response.headers["Link"]


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("post", "/dataset", "GET"),
        ("delete", "/api/v1/datasets", "GET"),
        ("put", f"{CKAN}/package_show", "POST"),
    ],
)
def test_405_names_the_allowed_methods(client, method, url, allowed):
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert allowed in {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.fixture
def stored_file(session, services):
    content = bytes(range(256)) * 500  # 128,000 bytes
    with session.begin():
        department = get_or_create_department(session, "南宁市统计局")
        dataset = create_dataset(session, title="人口", department=department)
        dist = store_file(
            session,
            services.files,
            dataset,
            file_name="人口.csv",
            stream=io.BytesIO(content),
            max_bytes=1_000_000,
        )
        publish_dataset(session, dataset)
    return f"/dataset/{dataset.slug}/resource/{dist.id}/download", content


def test_a_suffix_range_longer_than_the_file_answers_the_whole_file(client, stored_file):
    url, content = stored_file
    response = client.get(url, headers={"Range": "bytes=-999999"})
    assert response.status_code == 206 and response.data == content
    assert response.headers["Content-Range"] == f"bytes 0-{len(content) - 1}/{len(content)}"
    tail = client.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.data == content[-100:]
    beyond = client.get(url, headers={"Range": f"bytes={len(content)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(content)}"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/datasets?limit=%C2%B2", 400),  # "²".isdigit() is true, int("²") fails
        ("/api/v1/datasets?source=%C2%B2", 400),
        ("/catalog.ttl?source=%C2%B2", 400),
        ("/api/v1/datasets?source=99999999999999999999", 400),
        (f"{CKAN}/organization_show?id=%C2%B2", 404),
        (f"{CKAN}/organization_show?id=99999999999999999999", 404),
        ("/organization/%C2%B2", 404),
        ("/organization/99999999999999999999", 404),
        ("/api/v1/departments/2147483648", 404),
    ],
)
def test_numbers_that_are_not_ids_are_not_looked_up(client, published, url, status):
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/datasets?modified_since=0001-01-01T00:00:00%2B14:00", 400),
        ("/api/v1/datasets?modified_since=9999-12-31T23:59:59-14:00", 400),
        ("/catalog.ttl?modified_since=0001-01-01T00:00:00%2B14:00", 400),
        (f"{CKAN}/organization_list?sort=%20", 409),
        (f"{CKAN}/group_list?sort=%20", 409),
    ],
)
def test_edge_values_of_dates_and_sorts_are_client_errors(client, published, url, status):
    assert client.get(url).status_code == status


def test_logged_paths_are_bounded_and_on_one_line(app):
    from portal.errors import MAX_LOGGED_PATH, _logged_path

    with app.test_request_context("/x" + "a" * 100_000):
        assert len(_logged_path()) == MAX_LOGGED_PATH + 1  # and an ellipsis
    with app.test_request_context("/x%0Aforged%20line"):
        assert "\n" not in _logged_path() and "forged" in _logged_path()

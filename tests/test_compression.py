"""Compressed responses: gzip and Brotli as asked, never for stored files or ranges."""

from __future__ import annotations

import gzip

import brotli
import pytest

from catalog.models import Dataset
from catalog.queries import public_datasets


@pytest.fixture(scope="module")
def stored_file(demo_app):
    services = demo_app.extensions["gxdata"]
    with services.session_factory() as session:
        for dataset in session.scalars(
            public_datasets().where(Dataset.open_type == "unconditional")
        ):
            for distribution in dataset.distributions:
                if distribution.stored_file and distribution.format == "CSV":
                    return f"/dataset/{dataset.id}/resource/{distribution.id}/download"
    raise AssertionError("the demo has no stored CSV file")


@pytest.fixture(scope="module")
def dataset_path(demo_app):
    services = demo_app.extensions["gxdata"]
    with services.session_factory() as session:
        return f"/dataset/{session.scalars(public_datasets()).first().id}"


def _paths(dataset_path):
    return [
        dataset_path,  # HTML
        f"{dataset_path}.ttl",  # RDF
        "/api/3/action/package_search?rows=5",  # JSON
        "/stats/openness.csv",  # CSV
        "/static/css/portal.css",
        "/static/js/openness.js",
    ]


@pytest.mark.parametrize("encoding, decode", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_responses_are_compressed_when_asked(demo_client, dataset_path, encoding, decode):
    for path in _paths(dataset_path):
        plain = demo_client.get(path)
        assert plain.status_code == 200, path
        assert "Content-Encoding" not in plain.headers, path
        packed = demo_client.get(path, headers={"Accept-Encoding": encoding})
        assert packed.headers.get("Content-Encoding") == encoding, path
        assert "Accept-Encoding" in packed.headers["Vary"], path
        assert decode(packed.get_data()) == plain.get_data(), path
        assert int(packed.headers["Content-Length"]) == len(packed.get_data())


def test_a_compressed_page_keeps_its_validator(demo_client, dataset_path):
    packed = demo_client.get(dataset_path, headers={"Accept-Encoding": "gzip"})
    again = demo_client.get(
        dataset_path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304 and not again.get_data()


def test_gzip_refused_by_q_zero_is_not_used(demo_client, dataset_path):
    response = demo_client.get(dataset_path, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in response.headers


def test_stored_files_and_ranges_are_sent_as_stored(demo_client, stored_file):
    whole = demo_client.get(stored_file, follow_redirects=True)
    assert whole.status_code == 200
    body = whole.get_data()
    asked = demo_client.get(
        stored_file, headers={"Accept-Encoding": "gzip, br"}, follow_redirects=True
    )
    assert "Content-Encoding" not in asked.headers and asked.get_data() == body
    assert asked.headers.get("ETag") == whole.headers.get("ETag")
    part = demo_client.get(
        stored_file,
        headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"},
        follow_redirects=True,
    )
    assert part.status_code == 206 and part.get_data() == body[:10]
    assert "Content-Encoding" not in part.headers


def test_the_dump_is_not_compressed_twice(demo_client):
    response = demo_client.get("/catalog/dump.nt.gz", headers={"Accept-Encoding": "gzip, br"})
    assert response.is_streamed and "Content-Encoding" not in response.headers
    assert gzip.decompress(response.get_data()).startswith(b"<")

"""Harvesting Frictionless data packages: the real country-codes, GDP and population packages
served over HTTP, the Frictionless fixtures from a local path, schemas given by reference,
and descriptors that are not data packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.harvest.models import HarvestJobRecord
from catalog.models import Dataset

DEMO = Path(__file__).resolve().parents[1] / "catalog" / "demo" / "data"
FIXTURES = Path(__file__).parent / "fixtures" / "frictionless"


@pytest.mark.parametrize(
    ("name", "resources"), [("country-codes", 1), ("gdp", 2), ("population", 1)]
)
def test_real_packages_over_http(name, resources, source_server, new_source, harvest, session):
    base = source_server.directory("/packages", DEMO)
    new_source(name, "datapackage", f"{base}{name}/datapackage.json")
    report = harvest(name)
    assert report.status == "succeeded" and report.counts["added"] == 1, report
    dataset = session.scalars(select(Dataset)).one()
    descriptor = json.loads((DEMO / name / "datapackage.json").read_text(encoding="utf-8"))
    assert dataset.title == descriptor["title"]
    assert dataset.licence == descriptor["licenses"][0]["name"] == "ODC-PDDL-1.0"
    assert len(dataset.distributions) == resources
    for distribution, resource in zip(dataset.distributions, descriptor["resources"], strict=True):
        assert distribution.download_url == f"{base}{name}/{resource['path']}"
        assert distribution.table_schema == resource["schema"]  # kept whole
        assert distribution.format == "CSV"


def test_local_package_keeps_schemas_and_warns_about_local_files(new_source, harvest, session):
    new_source("testing", "datapackage", str(FIXTURES / "package" / "datapackage.json"))
    report = harvest("testing")
    assert report.counts["added"] == 1
    dataset = session.scalars(select(Dataset)).one()
    assert dataset.title == "testing"
    data, data2 = dataset.distributions
    assert data.table_schema["primaryKey"] == "id"
    assert data2.table_schema["foreignKeys"][0]["reference"]["resource"] == "data"
    assert data.download_url is None
    row = session.scalars(select(HarvestJobRecord)).one()
    codes = [w["code"] for w in row.warnings]
    assert codes == ["local-resource", "local-resource", "missing-open-type"]


def test_schema_by_reference_is_fetched_and_kept(source_server, new_source, harvest, session):
    schema = (FIXTURES / "schema-valid.json").read_bytes()
    source_server.file("/pkg/schema.json", schema, "application/json")
    descriptor = {
        "name": "capitals",
        "title": "各国首都",
        "contributors": [{"title": "广西壮族自治区大数据发展局", "role": "publisher"}],
        "resources": [
            {"name": "capitals", "path": "capital-valid.csv", "schema": "schema.json",
             "hash": "sha256:" + "ab" * 32, "bytes": 50},
            {"name": "missing", "path": "x.csv", "schema": "nowhere.json"},
        ],
    }  # fmt: skip
    url = source_server.file("/pkg/datapackage.json", json.dumps(descriptor).encode())
    new_source("capitals", "datapackage", url)
    assert harvest("capitals").counts["added"] == 1
    dataset = session.scalars(select(Dataset)).one()
    assert dataset.department.name == "广西壮族自治区大数据发展局"
    capitals, missing = dataset.distributions
    assert capitals.conforms_to == source_server.url("/pkg/schema.json")
    assert capitals.table_schema == json.loads(schema)
    assert capitals.sha256 == "ab" * 32 and capitals.byte_size == 50
    assert missing.table_schema is None
    row = session.scalars(select(HarvestJobRecord)).one()
    assert "unreadable-schema" in {w["code"] for w in row.warnings}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[1, 2, 3]", "not-a-data-package"),
        (b'{"name": "x"}', "not-a-data-package"),
        (b'{"name": "x", "resources": [', "malformed-response"),
    ],
)
def test_what_is_not_a_data_package_fails_cleanly(body, code, source_server, new_source, harvest):
    new_source("bad", "datapackage", source_server.file("/datapackage.json", body))
    report = harvest("bad")
    assert report.status == "failed" and report.error_code == code


def test_a_schema_nested_past_the_stack_is_a_warning(source_server, new_source, harvest, session):
    """A referenced Table Schema is checked for depth before it is parsed: one nested 100,000
    deep (a RecursionError in json.loads) is an unreadable schema, not a failed job."""
    source_server.file("/deep/schema.json", b"[" * 100_000 + b"]" * 100_000, "application/json")
    descriptor = {
        "name": "deep",
        "title": "深层嵌套",
        "resources": [{"name": "deep", "path": "deep.csv", "schema": "schema.json"}],
    }
    url = source_server.file("/deep/datapackage.json", json.dumps(descriptor).encode())
    new_source("deep", "datapackage", url)
    report = harvest("deep")
    assert report.status == "succeeded" and report.counts["added"] == 1, report
    row = session.scalars(select(HarvestJobRecord)).one()
    assert "unreadable-schema" in {w["code"] for w in row.warnings}

"""The CKAN-compatible action API on the demo catalog: Flask's client, ckanapi and its CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import ckanapi
import pytest
from browsers import serving
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalog.ckan_filters import parse_date, parse_sort
from catalog.db import utcnow
from catalog.models import CLOSED, Dataset, Distribution
from catalog.queries import public_datasets
from catalog.search import solr_query
from catalog.search.solr_query import And, Everything, Match, Not, Or, Range
from catalog.services.datasets import create_dataset, publish_dataset, update_dataset
from catalog.services.departments import create_department
from exports.ckan import CkanQueryError, CkanValidationError, parse_search
from vocab import sensitivity

BASE = "http://gxdata.test"
CKANAPI_CLI = Path(sys.executable).with_name("ckanapi")
PACKAGE_KEYS = {
    "id", "name", "title", "notes", "url", "author", "maintainer", "maintainer_email",
    "license_id", "license_title", "state", "type", "private", "metadata_created",
    "metadata_modified", "organization", "owner_org", "tags", "num_tags", "groups",
    "resources", "num_resources", "extras",
}  # fmt: skip
GOVERNMENT_KEYS = {
    "open_type", "share_type", "sensitivity", "service_item", "result_name", "is_e_licence",
    "source_system", "application_scenarios", "delivery_channel", "update_frequency",
    "division", "record_count", "category", "topic", "identifier",
}  # fmt: skip
RESOURCE_KEYS = {
    "id", "package_id", "name", "description", "format", "mimetype", "size", "hash", "url",
    "url_type", "created", "last_modified", "position", "machine_readable", "non_proprietary",
    "rdf",
}  # fmt: skip


def call(client: FlaskClient, action: str, /, status: int = 200, **params: Any) -> Any:
    """GET an action; check the envelope and the status; return the result (or error)."""
    response = client.get(f"/api/3/action/{action}", query_string=params)
    return _unwrap(response, action, status)


def post(client: FlaskClient, action: str, /, status: int = 200, **body: Any) -> Any:
    response = client.post(f"/api/3/action/{action}", json=body)
    return _unwrap(response, action, status)


def _unwrap(response: Any, name: str, status: int) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["help"] == f"{BASE}/api/3/action/help_show?name={name}"
    assert body["success"] is (status == 200)
    if status == 200:
        assert "error" not in body
        return body["result"]
    assert "result" not in body
    assert body["error"]["message"]
    return body["error"]


@pytest.fixture(scope="module")
def facts(demo_app: Flask) -> dict[str, Any]:
    """What the database says, to compare the API against."""
    with demo_app.extensions["gxdata"].session_factory() as session:
        closed = session.scalar(select(Dataset).where(Dataset.open_type == CLOSED))
        assert closed is not None
        public = public_datasets().subquery()
        stored = session.execute(
            select(Distribution.id, Distribution.dataset_id, Distribution.sha256)
            .join(public, public.c.id == Distribution.dataset_id)
            .where(Distribution.stored_file.is_not(None), public.c.open_type == "unconditional")
        ).first()
        conditional = session.scalars(
            public_datasets().where(Dataset.open_type == "conditional")
        ).all()
        return {
            "public_count": session.scalar(select(func.count()).select_from(public)),
            "closed": {
                "id": closed.id,
                "slug": closed.slug,
                "title": closed.title,
                "resources": [d.id for d in closed.distributions],
            },
            "stored": stored,
            "conditional": [d.id for d in conditional],
        }


@pytest.fixture(scope="module")
def all_names(demo_app: Flask) -> list[str]:
    return call(demo_app.test_client(), "package_list")


# -- envelope and errors -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/3", "/api/3/"])
def test_api_root_gives_the_version(demo_client: FlaskClient, path: str) -> None:
    response = demo_client.get(path)
    assert response.status_code == 200
    assert response.get_json() == {"version": 3}


def test_get_post_json_and_form_reach_the_same_action(demo_client: FlaskClient) -> None:
    via_get = call(demo_client, "package_list", limit=3, offset=2)
    assert post(demo_client, "package_list", limit=3, offset=2) == via_get
    form = demo_client.post("/api/3/action/package_list", data={"limit": "3", "offset": "2"})
    assert _unwrap(form, "package_list", 200) == via_get
    curl_style = demo_client.post(  # curl -d '{"limit": 3, ...}' sends JSON as a form
        "/api/3/action/package_list",
        data='{"limit": 3, "offset": 2}',
        content_type="application/x-www-form-urlencoded",
    )
    assert _unwrap(curl_style, "package_list", 200) == via_get
    unversioned = demo_client.get("/api/action/package_list?limit=3&offset=2").get_json()
    assert unversioned["success"] and unversioned["result"] == via_get


def test_unknown_action_is_a_bad_request(demo_client: FlaskClient) -> None:
    error = call(demo_client, "no_such_action", status=400)
    assert error["__type"] == "Bad Request"
    assert error["message"] == "Bad request - Action name not known: no_such_action"


def test_write_actions_are_not_authorized(demo_client: FlaskClient) -> None:
    error = post(demo_client, "package_create", status=403, name="x", title="x")
    assert error["__type"] == "Authorization Error"
    assert error["message"].startswith("Access denied")


@pytest.mark.parametrize("body", [b'{"id": ', b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    demo_client: FlaskClient, body: bytes
) -> None:
    response = demo_client.post(
        "/api/3/action/package_show", data=body, content_type="application/json"
    )
    error = _unwrap(response, "package_show", 400)
    assert error["__type"] == "Bad Request"
    assert error["message"].startswith("Bad request - JSON Error")


def test_unknown_id_is_not_found(demo_client: FlaskClient) -> None:
    for name in ("package_show", "resource_show", "organization_show", "group_show"):
        error = call(demo_client, name, status=404, id="does-not-exist")
        assert error["__type"] == "Not Found Error"
        assert error["message"].startswith("Not found")


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("package_list", {"limit": "abc"}, "limit"),
        ("package_list", {"offset": "1.5"}, "offset"),
        ("package_search", {"rows": "ten"}, "rows"),
        ("package_search", {"start": "[]"}, "start"),
        ("package_search", {"facet.limit": "many"}, "facet.limit"),
        ("package_search", {"facet.field": "organization"}, "facet.field"),
        ("organization_list", {"limit": "x"}, "limit"),
        ("organization_list", {"sort": "colour asc"}, "sort"),
        ("current_package_list_with_resources", {"limit": "x"}, "limit"),
        ("package_show", {}, "id"),
        ("resource_show", {}, "id"),
    ],
)
def test_bad_parameters_are_validation_errors(
    demo_client: FlaskClient, name: str, params: dict[str, str], field: str
) -> None:
    error = call(demo_client, name, status=409, **params)
    assert error["__type"] == "Validation Error"
    assert error["message"].startswith(f"{field}: ")
    assert isinstance(error[field], list) and error[field]


def test_bad_limit_in_a_json_body_is_a_validation_error(demo_client: FlaskClient) -> None:
    error = post(demo_client, "package_search", status=409, rows={"n": 1})
    assert error["__type"] == "Validation Error" and "rows" in error


UNSUPPORTED_FQ = [
    "views_total:5",  # a field the portal does not have
    "tags:[a TO b]",  # a range on a multi-valued field
    "res_format:CS*V",  # an inner wildcard
    "title:公交~2",  # fuzzy
    "{!lucene}organization:x",  # local parameters
    "metadata_modified:[yesterday TO *]",  # not a date
    "num_resources:[one TO *]",  # not a number
    "organization:(a OR b",  # unbalanced
    "metadata_modified:[NOW TO",  # unclosed range
    "isopen:maybe",
    "metadata_modified:[0001-01-01T00:00:00+14:00 TO *]",  # before year 1 in UTC
    "num_resources:[99999999999999999999 TO *]",  # beyond BIGINT
    "(" * 30 + "a" + ")" * 30,  # too deep
    " OR ".join(f"name:n{i}" for i in range(300)),  # too many clauses
]


@pytest.mark.parametrize("fq", UNSUPPORTED_FQ)
def test_filters_the_portal_cannot_honour_are_search_query_errors(
    demo_client: FlaskClient, fq: str
) -> None:
    error = call(demo_client, "package_search", status=409, fq=fq)
    assert error["__type"] == "Search Query Error" and error["message"]


@pytest.mark.parametrize("sort", ["views_recent desc", "name sideways", "id asc desc", "name;"])
def test_sorts_the_portal_cannot_honour_are_search_query_errors(
    demo_client: FlaskClient, sort: str
) -> None:
    error = call(demo_client, "package_search", status=409, sort=sort)
    assert error["__type"] == "Search Query Error"


def test_extra_keys_clients_send_are_ignored(
    demo_client: FlaskClient, all_names: list[str]
) -> None:
    extras = {
        "include_private": True,
        "include_drafts": False,
        "use_default_schema": True,
        "include_tracking": True,
        "include_datasets": False,
        "include_users": False,
        "include_password_hash": True,
        "callback": "x",
    }
    assert post(demo_client, "package_list", **extras) == all_names
    shown = post(demo_client, "package_show", id=all_names[0], **extras)
    assert shown["name"] == all_names[0]
    found = post(demo_client, "package_search", q="公交", ext_bbox="1,2,3,4", **extras)
    assert found["count"] > 0
    orgs = call(
        demo_client,
        "organization_list",
        include_dataset_count="true",
        include_extras="true",
        include_users="false",
    )
    assert orgs


# -- package_list, package_show, resource_show ---------------------------------------------


def test_package_list_holds_every_public_dataset(
    demo_client: FlaskClient, all_names: list[str], facts: dict[str, Any]
) -> None:
    assert len(all_names) == facts["public_count"] == 1055
    assert all_names == sorted(all_names) and len(set(all_names)) == len(all_names)
    paged = (
        call(demo_client, "package_list", limit=400)
        + call(demo_client, "package_list", limit=400, offset=400)
        + call(demo_client, "package_list", limit=400, offset=800)
    )
    assert paged == all_names
    assert call(demo_client, "package_list", offset=10**6) == []
    assert call(demo_client, "package_list", limit=-5) == all_names  # clamped to 0: no limit


def test_package_show_by_id_and_name_in_ckan_shape(
    demo_client: FlaskClient, all_names: list[str]
) -> None:
    by_name = call(demo_client, "package_show", id="gong-jiao-qi-ye-ming-lu")
    assert PACKAGE_KEYS | GOVERNMENT_KEYS <= set(by_name)
    assert call(demo_client, "package_show", id=by_name["id"]) == by_name
    assert by_name["name"] in all_names and by_name["title"] == "公交企业名录"
    assert (by_name["state"], by_name["type"], by_name["private"]) == ("active", "dataset", False)
    organization = by_name["organization"]
    assert organization["name"] == "yu-lin-shi-jiao-tong-yun-shu-ju"
    assert organization["title"] == "玉林市交通运输局" and organization["is_organization"]
    assert by_name["owner_org"] == organization["id"]
    assert by_name["groups"][0]["name"] == "transport"
    assert by_name["groups"][0]["title"] == "交通和基础设施"
    assert by_name["num_tags"] == len(by_name["tags"]) == 1
    assert by_name["tags"][0]["name"] == by_name["tags"][0]["display_name"] == "交通运输"
    assert by_name["num_resources"] == len(by_name["resources"]) == 5
    assert {r["format"] for r in by_name["resources"]} >= {"CSV", "XLS", "JSON", "RDF_XML"}
    for resource in by_name["resources"]:
        assert RESOURCE_KEYS <= set(resource) and resource["package_id"] == by_name["id"]
    rdf = next(r for r in by_name["resources"] if r["format"] == "RDF_XML")
    assert (rdf["machine_readable"], rdf["non_proprietary"], rdf["rdf"]) == (True, True, True)
    xls = next(r for r in by_name["resources"] if r["format"] == "XLS")
    assert (xls["machine_readable"], xls["non_proprietary"]) == (True, False)


def test_government_fields_are_extras_and_top_level_keys(demo_client: FlaskClient) -> None:
    sample = call(demo_client, "package_show", id="shi-li-qi-ye-na-shui-xin-yong-ping-jia-jie-guo")
    extras = {row["key"]: row["value"] for row in sample["extras"]}
    assert all(isinstance(value, str) for value in extras.values())
    assert sample["open_type"] == "conditional" and extras["open_type"] == "有条件开放"
    assert sample["service_item"] == extras["service_item"] == "纳税信用评价"
    assert sample["result_name"] == extras["result_name"] == "纳税信用等级评价结果"
    assert sample["source_system"] == extras["source_system"] == "金税三期税收管理系统"
    assert sample["is_e_licence"] is False and extras["is_e_licence"] == "false"
    assert sample["update_frequency"] == "annual" and extras["update_frequency"] == "每年"
    assert sample["category"] == "finance-tax" and extras["category"] != "finance-tax"
    level = sensitivity.scheme().by_notation(sample["sensitivity"])
    assert level is not None and extras["sensitivity"] == level.label("zh")
    assert sample["delivery_channel"] == "download" and extras["delivery_channel"] == "数据下载"
    assert "签署数据使用承诺书" in sample["access_conditions"]
    assert sample["is_sample"] is True
    english = call(demo_client, "package_show", id=sample["id"], lang="en")
    assert {r["key"]: r["value"] for r in english["extras"]}["update_frequency"] != "每年"


def test_conditional_resources_never_link_to_the_file(
    demo_client: FlaskClient, facts: dict[str, Any]
) -> None:
    assert len(facts["conditional"]) == 5
    for dataset_id in facts["conditional"]:
        package = call(demo_client, "package_show", id=dataset_id)
        page = f"{BASE}/dataset/{package['name']}"
        assert package["resources"] and package["isopen"] is False
        for resource in package["resources"]:
            assert resource["url"] == page and resource["url_type"] is None
            assert call(demo_client, "resource_show", id=resource["id"])["url"] == page
        assert "/download" not in json.dumps(package)
        assert (
            demo_client.get(
                f"/dataset/{dataset_id}/resource/{package['resources'][0]['id']}/download"
            ).status_code
            == 403
        )


def test_stored_files_of_open_datasets_link_to_their_download(
    demo_client: FlaskClient, facts: dict[str, Any]
) -> None:
    resource_id, dataset_id, sha256 = facts["stored"]
    resource = call(demo_client, "resource_show", id=resource_id)
    assert resource["package_id"] == dataset_id and resource["url_type"] == "upload"
    assert resource["url"].startswith(
        f"{BASE}/dataset/{dataset_id}/resource/{resource_id}/download/"
    )
    assert resource["hash"] == f"sha256:{sha256}" and resource["size"] > 0
    download = demo_client.get(resource["url"].removeprefix(BASE))
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == sha256


def test_the_closed_sample_never_appears(
    demo_client: FlaskClient, all_names: list[str], facts: dict[str, Any]
) -> None:
    closed = facts["closed"]
    assert closed["slug"] not in all_names
    for key in ("id", "slug"):
        call(demo_client, "package_show", status=404, id=closed[key])
    for resource_id in closed["resources"]:
        call(demo_client, "resource_show", status=404, id=resource_id)
    assert call(demo_client, "package_search", q="涉密案件")["count"] == 0
    everything = (
        call(demo_client, "package_search", rows=1000, start=0)["results"]
        + call(demo_client, "package_search", rows=1000, start=1000)["results"]
    )
    assert len(everything) == len(all_names)
    newest = call(demo_client, "current_package_list_with_resources", limit=1000, offset=0)
    facets = call(demo_client, "package_search", **{"facet.field": '["open_type","tags"]'})
    dumped = json.dumps([everything, newest, facets], ensure_ascii=False)
    assert closed["id"] not in dumped and closed["title"] not in dumped
    assert "closed" not in facets["facets"]["open_type"]
    assert "不予开放" not in call(demo_client, "tag_list")


# -- package_search ------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["公交", "气象"])
def test_search_chinese_words(demo_client: FlaskClient, word: str) -> None:
    found = call(demo_client, "package_search", q=word, rows=50)
    assert 0 < found["count"] < 1055 and len(found["results"]) == min(found["count"], 50)
    top = found["results"][0]
    assert word in top["title"] + top["notes"]


@pytest.mark.parametrize("q", ["", "*:*", "*"])
def test_empty_query_finds_everything(demo_client: FlaskClient, q: str) -> None:
    found = call(demo_client, "package_search", q=q)
    assert found["count"] == 1055 and len(found["results"]) == 10  # CKAN's default rows


def test_filter_on_organization(demo_client: FlaskClient) -> None:
    orgs = call(demo_client, "organization_list", all_fields=True, sort="package_count desc")
    org = orgs[1]
    found = call(demo_client, "package_search", fq=f"organization:{org['name']}", rows=1000)
    assert found["count"] == org["package_count"] > 1
    assert {p["organization"]["name"] for p in found["results"]} == {org["name"]}
    quoted = call(demo_client, "package_search", fq=f'+organization:"{org["name"]}"')
    assert quoted["count"] == found["count"]
    other = orgs[0]["name"]
    both = call(demo_client, "package_search", fq=f"organization:({org['name']} OR {other})")
    assert both["count"] == org["package_count"] + orgs[0]["package_count"]
    neither = call(
        demo_client, "package_search", fq=f"organization:{org['name']} organization:{other}"
    )
    assert neither["count"] == 0 and neither["results"] == []


def test_filter_on_format_group_and_open_type(demo_client: FlaskClient) -> None:
    xlsx = call(demo_client, "package_search", fq="res_format:XLSX", rows=1000)
    assert 0 < xlsx["count"] < 1055
    assert all(any(r["format"] == "XLSX" for r in p["resources"]) for p in xlsx["results"])
    weather = call(demo_client, "package_search", fq="groups:meteorology", rows=1000)
    assert weather["count"] == call(demo_client, "group_show", id="meteorology")["package_count"]
    assert weather["count"] > 0
    assert all(p["groups"][0]["name"] == "meteorology" for p in weather["results"])
    conditional = call(demo_client, "package_search", fq="open_type:conditional")
    assert conditional["count"] == 5
    assert all(p["title"].startswith("【示例】") for p in conditional["results"])


def test_combined_filters_and_query(demo_client: FlaskClient) -> None:
    org = call(demo_client, "package_search", q="公交", rows=1)["results"][0]["organization"]
    fq = f'+organization:"{org["name"]}" +res_format:"CSV" +dataset_type:dataset'
    found = call(demo_client, "package_search", fq=fq, rows=1000)
    assert 0 < found["count"] <= call(demo_client, "package_search", fq="res_format:CSV")["count"]
    for package in found["results"]:
        assert package["organization"]["name"] == org["name"]
        assert "CSV" in {r["format"] for r in package["resources"]}
    in_q = call(demo_client, "package_search", q=f"organization:{org['name']}", fq="res_format:CSV")
    assert in_q["count"] == found["count"]
    assert call(demo_client, "package_search", fq="dataset_type:harvest")["count"] == 0
    narrowed = call(demo_client, "package_search", q="公交", fq=f"organization:{org['name']}")
    assert 0 < narrowed["count"] <= call(demo_client, "package_search", q="公交")["count"]


def test_rows_and_start_page_through_results(demo_client: FlaskClient) -> None:
    def ids(**params: Any) -> list[str]:
        params.setdefault("sort", "metadata_modified desc")
        return [p["id"] for p in call(demo_client, "package_search", **params)["results"]]

    first_250 = ids(rows=250)
    assert len(first_250) == 250 and len(set(first_250)) == 250
    pieces = ids(rows=7, start=0) + ids(rows=7, start=7) + ids(rows=93, start=14)
    pieces += ids(rows=143, start=107)
    assert pieces == first_250
    assert len(ids(rows=5000)) == 1000  # clamped to 1000
    assert len(ids(rows=10, start=1054)) == 1
    assert ids(rows=10, start=2000) == []
    counted = call(demo_client, "package_search", rows=0, **{"facet.field": '["groups"]'})
    assert counted["results"] == [] and counted["count"] == 1055 and counted["facets"]["groups"]


def test_sorts(demo_client: FlaskClient) -> None:
    def packages(sort: str) -> list[dict[str, Any]]:
        return [
            p
            for start in (0, 1000)
            for p in call(demo_client, "package_search", sort=sort, rows=1000, start=start)[
                "results"
            ]
        ]

    def ids(sort: str) -> list[str]:
        return [p["id"] for p in packages(sort)]

    everything = packages("id asc")
    assert len(everything) == 1055 and ids("id asc") == sorted(p["id"] for p in everything)
    assert ids("id desc") == ids("id asc")[::-1]
    by_title = sorted(everything, key=lambda p: (p["title"], p["id"]))
    assert ids("title_string asc") == [p["id"] for p in by_title]
    by_title_desc = sorted(everything, key=lambda p: p["id"])
    by_title_desc.sort(key=lambda p: p["title"], reverse=True)  # ties stay by id
    assert ids("title_string desc") == [p["id"] for p in by_title_desc]
    assert [p["name"] for p in packages("name asc")] == sorted(p["name"] for p in everything)
    newest = [p["metadata_modified"] for p in packages("metadata_modified desc")]
    assert newest == sorted(newest, reverse=True)
    created = packages("metadata_created asc, name desc")
    keys = [(p["metadata_created"], p["name"]) for p in created]
    assert all(a[0] < b[0] or a[0] == b[0] and a[1] > b[1] for a, b in pairwise(keys))
    oldest = call(demo_client, "package_search", sort="metadata_modified asc", rows=1)["results"]
    assert oldest[0]["metadata_modified"] == min(newest)
    relevance = call(
        demo_client, "package_search", q="公交", sort="score desc, metadata_modified desc"
    )
    assert relevance["sort"] == "score desc, metadata_modified desc" and relevance["count"] > 0
    worst_first = call(demo_client, "package_search", q="公交", sort="score asc", rows=1000)
    best_first = call(demo_client, "package_search", q="公交", sort="score desc", rows=1000)
    assert {p["id"] for p in worst_first["results"]} == {p["id"] for p in best_first["results"]}
    assert best_first["results"][0]["id"] != worst_first["results"][0]["id"]


def test_facets_in_ckan_shape_with_counts(demo_client: FlaskClient) -> None:
    fields = ["organization", "res_format", "groups", "tags", "open_type", "license_id"]
    found = call(demo_client, "package_search", rows=1000, **{"facet.field": json.dumps(fields)})
    rest = call(demo_client, "package_search", rows=1000, start=1000)["results"]
    everything = found["results"] + rest
    facets, search_facets = found["facets"], found["search_facets"]
    assert set(facets) == set(search_facets) == set(fields)
    assert facets["license_id"] == dict(Counter(p["license_id"] for p in everything))
    organizations = Counter(p["organization"]["name"] for p in everything)
    top = sorted(organizations.items(), key=lambda kv: (-kv[1], kv[0]))[:50]
    assert facets["organization"] == dict(top)
    tags = Counter(t["name"] for p in everything for t in p["tags"])
    assert facets["tags"] == dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:50])
    groups = Counter(g["name"] for p in everything for g in p["groups"])
    assert facets["groups"] == dict(groups)
    assert (
        facets["res_format"]["CSV"]
        == call(demo_client, "package_search", fq="res_format:CSV")["count"]
    )
    assert facets["open_type"] == {"unconditional": 1050, "conditional": 5}
    items = search_facets["groups"]["items"]
    assert search_facets["groups"]["title"] == "groups"
    meteorology = next(item for item in items if item["name"] == "meteorology")
    assert meteorology["count"] == facets["groups"]["meteorology"]
    assert meteorology["display_name"] == "气象"
    org_item = search_facets["organization"]["items"][0]
    assert org_item["display_name"] != org_item["name"]  # the department's Chinese name
    limited = call(
        demo_client,
        "package_search",
        q="公交",
        **{"facet.field": '["organization","tags"]', "facet.limit": 1},
    )
    assert all(len(values) <= 1 for values in limited["facets"].values())
    assert call(demo_client, "package_search")["facets"] == {}


@pytest.mark.parametrize("field", ["res_format", "division", "update_frequency", "groups"])
def test_each_facet_count_is_what_its_filter_finds(demo_client: FlaskClient, field: str) -> None:
    facets = call(demo_client, "package_search", rows=0, **{"facet.field": json.dumps([field])})
    values = list(facets["facets"][field].items())
    assert len(values) >= 3
    for value, count in values[:2] + values[-1:]:
        assert call(demo_client, "package_search", fq=f'{field}:"{value}"')["count"] == count


def test_facet_fields_as_repeated_get_parameters(demo_client: FlaskClient) -> None:
    response = demo_client.get(
        "/api/3/action/package_search?facet.field=groups&facet.field=res_format&rows=0"
    )
    assert set(_unwrap(response, "package_search", 200)["facets"]) == {"groups", "res_format"}


# -- fq on every field, over HTTP -------------------------------------------------------------


@pytest.fixture(scope="module")
def everything(demo_app: Flask) -> list[dict[str, Any]]:
    client = demo_app.test_client()
    return [
        p
        for start in (0, 1000)
        for p in call(client, "package_search", sort="id asc", rows=1000, start=start)["results"]
    ]


def _count(client: FlaskClient, fq: str, **params: Any) -> int:
    return call(client, "package_search", fq=fq, rows=0, **params)["count"]


def test_fq_on_dates_as_incremental_harvesters_send_it(
    demo_client: FlaskClient, everything: list[dict[str, Any]]
) -> None:
    modified = sorted(p["metadata_modified"] for p in everything)
    middle = modified[len(modified) // 2]
    after = sum(m >= middle for m in modified)
    assert _count(demo_client, f"metadata_modified:[{middle}Z TO *]") == after
    assert _count(demo_client, f"(metadata_modified:[{middle}Z TO *])") == after
    assert _count(demo_client, f"metadata_modified:{{{middle}Z TO *]") == after - modified.count(
        middle
    )
    assert _count(demo_client, f"metadata_modified:[* TO {middle}Z}}") == len(modified) - after
    assert _count(demo_client, "metadata_modified:[* TO NOW]") == len(everything)
    assert _count(demo_client, "metadata_modified:[NOW+1DAY TO *]") == 0
    assert _count(demo_client, "metadata_created:[NOW-100YEARS/DAY TO NOW+1DAY]") == 1055
    first = min(p["metadata_created"] for p in everything)
    assert _count(demo_client, f'metadata_created:"{first}Z"') == sum(
        p["metadata_created"] == first for p in everything
    )


def test_fq_on_each_field(demo_client: FlaskClient, everything: list[dict[str, Any]]) -> None:
    def expect(fq: str, keep: Any) -> None:
        assert _count(demo_client, fq) == sum(1 for p in everything if keep(p)), fq

    tags = Counter(t["name"] for p in everything for t in p["tags"])
    tag, other_tag = (name for name, _ in tags.most_common(2))
    has = lambda p, name: any(t["name"] == name for t in p["tags"])  # noqa: E731
    expect(f'tags:"{tag}"', lambda p: has(p, tag))
    expect(f'-tags:"{tag}"', lambda p: not has(p, tag))
    expect(f'tags:("{tag}" OR "{other_tag}")', lambda p: has(p, tag) or has(p, other_tag))
    expect(f'tags:"{tag}" AND tags:"{other_tag}"', lambda p: has(p, tag) and has(p, other_tag))
    expect(f'tags:"{tag}" NOT tags:"{other_tag}"', lambda p: has(p, tag) and not has(p, other_tag))
    for licence in {p["license_id"] for p in everything}:
        expect(f'license_id:"{licence}"', lambda p, licence=licence: p["license_id"] == licence)
    expect("isopen:true", lambda p: p["isopen"])
    expect("isopen:false", lambda p: not p["isopen"])
    one, two = everything[3], everything[700]
    expect(f"name:{one['name']}", lambda p: p["name"] == one["name"])
    expect(f'id:"{one["id"]}" OR name:{two["name"]}', lambda p: p in (one, two))
    expect(f"name:{one['name'][:3]}*", lambda p: p["name"].startswith(one["name"][:3]))
    expect(f"owner_org:{one['owner_org']}", lambda p: p["owner_org"] == one["owner_org"])
    org, other = one["organization"]["name"], two["organization"]["name"]
    expect(
        f"(organization:{org} OR organization:{other}) AND NOT res_format:CSV",
        lambda p: (
            p["organization"]["name"] in (org, other)
            and all(r["format"] != "CSV" for r in p["resources"])
        ),
    )
    expect("num_resources:[2 TO *]", lambda p: p["num_resources"] >= 2)
    expect("num_resources:{2 TO 5}", lambda p: 2 < p["num_resources"] < 5)
    expect("num_resources:0", lambda p: p["num_resources"] == 0)
    expect("res_format:*", lambda p: any(r["format"] for r in p["resources"]))
    expect("groups:meteorology", lambda p: [g["name"] for g in p["groups"]] == ["meteorology"])
    expect("type:dataset AND state:active", lambda p: True)
    expect("state:deleted OR type:harvest", lambda p: False)
    expect("*:* -type:dataset", lambda p: False)
    text = call(demo_client, "package_search", q="公交", rows=1000)["results"]
    assert _count(demo_client, "text:公交") == len(text) > 0
    assert _count(demo_client, "公交") == len(text)
    only = post(
        demo_client, "package_search", fq_list=[f"organization:{org}", "res_format:CSV"], rows=0
    )
    assert only["count"] == sum(
        1
        for p in everything
        if p["organization"]["name"] == org and any(r["format"] == "CSV" for r in p["resources"])
    )


def test_isopen_agrees_with_the_licence(
    demo_client: FlaskClient, everything: list[dict[str, Any]]
) -> None:
    register = {item["id"]: item for item in call(demo_client, "license_list")}
    for package in everything:
        entry = register[package["license_id"]]  # every licence is in the register
        assert package["isopen"] is (entry["od_conformance"] == "approved"), package["name"]
    assert not any(p["isopen"] for p in everything if p["license_id"] == "notspecified")
    # A dataset naming no licence carries the platform's terms, never reviewed: not open.
    assert any(p["license_id"] == "gxdata-terms" and not p["isopen"] for p in everything)


def test_paging_is_stable_under_every_sort(
    demo_client: FlaskClient, everything: list[dict[str, Any]]
) -> None:
    for sort in ("metadata_modified desc", "title_string asc", "score desc", "name desc"):
        pages = [
            p["id"]
            for start in range(0, 1055, 97)
            for p in call(demo_client, "package_search", sort=sort, rows=97, start=start)["results"]
        ]
        assert len(pages) == len(set(pages)) == 1055, sort


def test_facet_limit_and_mincount(demo_client: FlaskClient) -> None:
    facets = call(
        demo_client,
        "package_search",
        rows=0,
        **{"facet.field": '["tags", "license_id"]', "facet.limit": -1, "facet.mincount": 5},
    )["facets"]
    assert facets["tags"] and min(facets["tags"].values()) >= 5
    all_tags = call(
        demo_client, "package_search", rows=0, **{"facet.field": '["tags"]', "facet.limit": -1}
    )["facets"]["tags"]
    assert len(all_tags) > len(facets["tags"]) and facets["tags"] == {
        k: n for k, n in all_tags.items() if n >= 5
    }
    assert facets["license_id"] and min(facets["license_id"].values()) >= 5


# -- the other actions ---------------------------------------------------------------------


def test_organization_list_and_show(demo_client: FlaskClient) -> None:
    names = call(demo_client, "organization_list")
    detailed = call(demo_client, "organization_list", all_fields="true")
    assert names == [o["name"] for o in detailed] and len(names) > 50
    assert all(o["package_count"] > 0 and o["type"] == "organization" for o in detailed)
    assert sum(o["package_count"] for o in detailed) == 1055
    assert call(demo_client, "organization_list", limit=5, offset=5) == names[5:10]
    by_count = call(demo_client, "organization_list", all_fields=True, sort="package_count desc")
    counts = [o["package_count"] for o in by_count]
    assert counts == sorted(counts, reverse=True)
    biggest = by_count[0]
    shown = call(demo_client, "organization_show", id=biggest["name"], include_datasets=True)
    assert shown["package_count"] == biggest["package_count"] == len(shown["packages"])
    assert {p["organization"]["name"] for p in shown["packages"]} == {biggest["name"]}
    by_id = call(demo_client, "organization_show", id=biggest["id"])
    assert by_id["name"] == biggest["name"] and "packages" not in by_id
    assert (by_id["users"], by_id["groups"], by_id["tags"]) == ([], [], [])


def test_group_list_and_show(demo_client: FlaskClient) -> None:
    groups = call(demo_client, "group_list", all_fields=True)
    assert len(groups) == 10 and "meteorology" in call(demo_client, "group_list")
    assert sum(g["package_count"] for g in groups) <= 1055
    shown = call(demo_client, "group_show", id="transport", include_datasets="true")
    assert shown["title"] == "交通和基础设施" and len(shown["packages"]) == shown["package_count"]


def test_tag_list(demo_client: FlaskClient) -> None:
    tags = call(demo_client, "tag_list")
    assert "交通运输" in tags and tags == sorted(tags)
    assert call(demo_client, "tag_list", query="交通") == [t for t in tags if "交通" in t]
    assert call(demo_client, "tag_list", query="交通", all_fields=True)[0]["name"] == "交通运输"


def test_tag_show(demo_client: FlaskClient, everything: list[dict[str, Any]]) -> None:
    tag = call(demo_client, "tag_show", id="交通运输", include_datasets=True)
    assert tag["name"] == tag["display_name"] == tag["id"] == "交通运输"
    tagged = [p["id"] for p in everything if any(t["name"] == "交通运输" for t in p["tags"])]
    assert sorted(p["id"] for p in tag["packages"]) == sorted(tagged) and tagged
    assert "packages" not in call(demo_client, "tag_show", id="交通运输")
    assert (
        call(demo_client, "tag_show", status=404, id="没有这个标签")["__type"] == "Not Found Error"
    )


def test_license_list_is_the_licence_vocabulary_in_ckan_shape(demo_client: FlaskClient) -> None:
    licences_ = call(demo_client, "license_list")
    ids = [item["id"] for item in licences_]
    assert {"CC-BY-4.0", "CC0-1.0", "ODbL-1.0", "notspecified"} <= set(ids)
    keys = {"id", "title", "url", "od_conformance", "osd_conformance", "status"}
    assert all(keys <= set(item) for item in licences_)
    cc_by = next(item for item in licences_ if item["id"] == "CC-BY-4.0")
    assert cc_by["od_conformance"] == "approved" and cc_by["url"].startswith("https://")
    assert cc_by["title"] == "知识共享署名 4.0 国际许可协议"
    assert next(i for i in licences_ if i["id"] == "notspecified")["od_conformance"] != "approved"


def test_resource_search(demo_client: FlaskClient, everything: list[dict[str, Any]]) -> None:
    resources = [r for p in everything for r in p["resources"]]
    csv = call(demo_client, "resource_search", query="format:CSV", limit=1000)
    assert csv["count"] == sum(1 for r in resources if "csv" in r["format"].casefold())
    assert all("csv" in r["format"].casefold() for r in csv["results"])
    name = resources[10]["name"]
    by_name = call(demo_client, "resource_search", query=f"name:{name}")
    assert resources[10]["id"] in {r["id"] for r in by_name["results"]}
    both = call(demo_client, "resource_search", query=["format:CSV", f"name:{name}"])
    assert both["count"] <= by_name["count"]
    paged = call(demo_client, "resource_search", query="format:CSV", limit=5, offset=5)
    assert [r["id"] for r in paged["results"]] == [r["id"] for r in csv["results"][5:10]]
    bad = call(demo_client, "resource_search", status=409, query="colour:red")
    assert bad["__type"] == "Validation Error"


def test_resource_search_never_finds_a_file_the_public_may_not_fetch(
    demo_app: Flask, demo_client: FlaskClient, facts: dict[str, Any]
) -> None:
    with demo_app.extensions["gxdata"].session_factory() as session:
        hidden = session.scalars(
            select(Distribution)
            .join(Dataset)
            .where(Dataset.open_type == "conditional", Distribution.stored_file.is_not(None))
        ).all()
        assert hidden
        hidden_ids = [d.id for d in hidden]
    stored_id = facts["stored"][0]  # an open dataset's stored file: its download URL names it
    assert call(demo_client, "resource_search", query=f"url:{stored_id}")["count"] == 1
    for resource_id in hidden_ids:
        # the file's download address would name its id; the public URL is the dataset page
        assert call(demo_client, "resource_search", query=f"url:{resource_id}")["count"] == 0
        (shown,) = call(demo_client, "resource_search", query=f"id:{resource_id}")["results"]
        assert "/download" not in shown["url"] and resource_id not in shown["url"]
    closed = call(demo_client, "resource_search", query=f"id:{facts['closed']['resources'][0]}")
    assert closed["count"] == 0


def test_package_and_format_autocomplete(
    demo_client: FlaskClient, everything: list[dict[str, Any]]
) -> None:
    found = call(demo_client, "package_autocomplete", q="公交", limit=5)
    assert 0 < len(found) <= 5
    assert all("公交" in item["title"] for item in found)
    assert set(found[0]) == {"name", "title", "match_field", "match_displayed"}
    by_name = call(demo_client, "package_autocomplete", q=everything[0]["name"])
    assert by_name[0]["name"] == everything[0]["name"]
    assert call(demo_client, "package_autocomplete", q="") == []
    formats = call(demo_client, "format_autocomplete", q="cs")
    assert formats[0] == "CSV" and all("cs" in f.casefold() for f in formats)
    assert len(call(demo_client, "format_autocomplete", q="", limit=2)) == 2


def test_package_activity_list_lists_the_versions(
    demo_client: FlaskClient, everything: list[dict[str, Any]]
) -> None:
    """Loading the demo published each dataset: its first version (portal/versions)."""
    [first] = call(demo_client, "package_activity_list", id=everything[0]["name"])
    assert first["activity_type"] == "new package" and first["object_id"] == everything[0]["id"]
    assert first["data"]["url"] == f"{BASE}/dataset/{everything[0]['id']}/versions/1"
    assert call(demo_client, "package_activity_list", status=404, id="nope")


def test_status_show(demo_client: FlaskClient) -> None:
    status = call(demo_client, "status_show")
    assert status["ckan_version"].startswith("2.10")
    assert status["site_url"] == BASE and status["site_title"] == "广西公共数据开放平台"
    assert status["locale_default"] == "zh_Hans_CN" and status["extensions"] == []


def test_current_package_list_with_resources(demo_client: FlaskClient) -> None:
    default = call(demo_client, "current_package_list_with_resources")
    assert len(default) == 10 and all("resources" in p for p in default)
    second = call(demo_client, "current_package_list_with_resources", limit=5, offset=5)
    assert [p["id"] for p in second] == [p["id"] for p in default[5:10]]
    assert [
        p["id"] for p in call(demo_client, "current_package_list_with_resources", limit=5, page=2)
    ] == [p["id"] for p in second]


def test_help_show_describes_each_action(demo_client: FlaskClient) -> None:
    assert "fq" in call(demo_client, "help_show", name="package_search")
    assert "owner_org" in call(demo_client, "help_show", name="package_create")
    call(demo_client, "help_show", status=404, name="group_create")


# -- the CKAN dialect, without HTTP --------------------------------------------------------


def test_parse_search_reads_ckan_filters() -> None:
    search = parse_search(
        {
            "q": "title:公交 groups:transport -地铁",
            "fq": '+organization:"nan-ning" +res_format:(CSV OR XLS) +state:active',
            "fq_list": ["-tags:x"],
            "sort": "title_string desc, id asc",
            "facet.field": '["organization", "tags"]',
            "facet.limit": "-1",
            "facet.mincount": "2",
        }
    )
    assert search.text == "公交 -地铁"
    assert search.filter == And(
        (
            And(
                (
                    Match("organization", "nan-ning"),
                    Or((Match("res_format", "CSV"), Match("res_format", "XLS"))),
                    Match("state", "active"),
                )
            ),
            Not(Match("tags", "x")),
            Match("groups", "transport"),
        )
    )
    assert search.sort == (("title", True), ("id", False))
    assert search.facet_fields == ("organization", "tags")
    assert (search.facet_limit, search.facet_mincount) == (-1, 2)
    with pytest.raises(CkanQueryError):
        parse_search({"fq": "tags:[a TO b"})
    with pytest.raises(CkanValidationError):
        parse_search({"facet.limit": "x"})


# -- the Solr filter parser ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fq", "tree"),
    [
        ("*:*", Everything()),
        ("", Everything()),
        (
            "metadata_modified:[2026-12-01T18:50:00Z TO *]",
            Range("metadata_modified", "2026-12-01T18:50:00Z", None),
        ),
        ("num_resources:{1 TO 5]", Range("num_resources", "1", "5", False, True)),
        ("num_resources:[-1 TO 5]", Range("num_resources", "-1", "5")),
        (
            "metadata_created:[NOW-1DAY/DAY TO NOW]",
            Range("metadata_created", "NOW-1DAY/DAY", "NOW"),
        ),
        ('name:"a \\"b\\""', Match("name", 'a "b"')),
        ("name:abc*", Match("name", "abc", prefix=True)),
        ("res_format:*", Match("res_format", "", prefix=True)),
        ("公交", Match("text", "公交")),
        ("-tags:x", Not(Match("tags", "x"))),
        ("NOT tags:x", Not(Match("tags", "x"))),
        (
            "tags:(a OR b) AND NOT groups:x",
            And((Or((Match("tags", "a"), Match("tags", "b"))), Not(Match("groups", "x")))),
        ),
        ("a || b && c", Or((Match("text", "a"), And((Match("text", "b"), Match("text", "c")))))),
        ("id:a\\:b", Match("id", "a:b")),
    ],
)
def test_the_solr_parser_builds_filter_trees(fq: str, tree: object) -> None:
    assert solr_query.parse(fq) == tree


@pytest.mark.parametrize(
    "fq",
    [
        "a:",
        "(a",
        "a)",
        "OR a",
        "a OR",
        '"open',
        "x:[1 TO",
        "x:[1 2]",
        "x:a~1",
        "x:a^2",
        "x:a?",
        "{!func}x",
        "-" * 50 + "a",
        "(" * 25 + "a" + ")" * 25,
        "a " * 3000,
    ],
)
def test_hostile_or_broken_filters_raise_query_errors_only(fq: str) -> None:
    with pytest.raises(solr_query.SolrQueryError):
        solr_query.parse(fq)


def test_dates_and_date_math() -> None:
    now = datetime(2026, 12, 1, 22, 30, 15)
    assert parse_date("NOW", now) == now
    assert parse_date("NOW-1DAY", now) == datetime(2026, 11, 30, 22, 30, 15)
    assert parse_date("NOW/DAY", now) == datetime(2026, 12, 1)
    assert parse_date("NOW-7DAYS/DAY", now) == datetime(2026, 11, 24)
    assert parse_date("NOW+2HOURS/HOUR", now) == datetime(2026, 12, 2, 0, 0)
    assert parse_date("2026-01-31T00:00:00Z+1MONTH", now) == datetime(2026, 2, 28)
    half = datetime(2026, 12, 1, 10, 50, 0, 500000)
    assert parse_date("2026-12-01T18:50:00.5+08:00", now) == half
    assert parse_date("2026-12-01", now) == datetime(2026, 12, 1)
    bad_dates = ("yesterday", "NOW-1FORTNIGHT", "2026-13-01", "NOW+999999YEARS")
    for bad in bad_dates + ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        with pytest.raises(solr_query.SolrQueryError):
            parse_date(bad, now)
    assert parse_sort("id asc") == (("id", False),)
    assert parse_sort("") == (("score", True), ("modified", True))


# -- real clients --------------------------------------------------------------------------


def test_ckanapi_remote_client(live_server: str, all_names: list[str]) -> None:
    with ckanapi.RemoteCKAN(live_server, user_agent="gxdata-tests") as remote:
        found = remote.action.package_search(
            q="公交", fq="res_format:CSV", rows=5, **{"facet.field": ["organization", "groups"]}
        )
        assert found["count"] > 0 and found["search_facets"]["organization"]["items"]
        shown = remote.action.package_show(id=found["results"][0]["name"])
        assert shown["id"] == found["results"][0]["id"]
        organizations = remote.action.organization_list(all_fields=True)
        assert sum(o["package_count"] for o in organizations) == len(all_names)
        assert remote.action.status_show()["ckan_version"].startswith("2.10")
        with pytest.raises(ckanapi.NotFound):
            remote.action.package_show(id="does-not-exist")
        with pytest.raises(ckanapi.ValidationError):
            remote.action.package_list(limit="many")
        with pytest.raises(ckanapi.NotAuthorized):
            remote.action.package_create(name="x")
    with ckanapi.RemoteCKAN(live_server, get_only=True) as remote:
        assert remote.action.package_list(limit=3) == all_names[:3]


def _search_like_ckanext_harvest(
    remote: ckanapi.RemoteCKAN, fq_terms: list[str], rows: int = 100
) -> list[dict[str, Any]]:
    """ckanext-harvest's CKANHarvester._search_for_datasets: ``sort=id asc``, the fq terms
    joined by OR in brackets, ``rows``/``start`` paging until an empty page, duplicates out."""
    params: dict[str, Any] = {"rows": rows, "start": 0, "sort": "id asc"}
    if fq_terms:
        params["fq"] = f"({' OR '.join(fq_terms)})"
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    while True:
        page = remote.call_action("package_search", params)["results"]
        found += [p for p in page if p["id"] not in seen]
        seen |= {p["id"] for p in page}
        if not page:
            return found
        params["start"] += rows


def _since(last_run: datetime) -> str:
    """The incremental term ckanext-harvest sends: the last run's start, an hour earlier."""
    return f"metadata_modified:[{(last_run - timedelta(hours=1)).isoformat()}Z TO *]"


def test_ckanapi_searches_as_ckanext_harvest_does(
    live_server: str, everything: list[dict[str, Any]]
) -> None:
    with ckanapi.RemoteCKAN(live_server, get_only=True, user_agent="ckanext-harvest") as remote:
        full = _search_like_ckanext_harvest(remote, [])
        assert [p["id"] for p in full] == sorted(p["id"] for p in everything)
        newest = max(datetime.fromisoformat(p["metadata_modified"]) for p in everything)
        recent = _search_like_ckanext_harvest(remote, [_since(newest)], rows=7)
        expected = {
            p["id"]
            for p in everything
            if datetime.fromisoformat(p["metadata_modified"]) >= newest - timedelta(hours=1)
        }
        assert {p["id"] for p in recent} == expected and expected
        org = everything[0]["organization"]["name"]
        scoped = _search_like_ckanext_harvest(remote, [f"organization:{org}"], rows=10)
        assert {p["organization"]["name"] for p in scoped} == {org}
        with pytest.raises(ckanapi.SearchQueryError):
            remote.action.package_search(fq="metadata_modified:[last week TO *]")


def test_an_fq_driven_incremental_sync_receives_exactly_the_edited_dataset(
    app: Flask, services: Any
) -> None:
    long_ago = utcnow() - timedelta(days=2)
    with services.session_factory() as session, session.begin():
        department = create_department(session, "广西壮族自治区测绘地理信息局")
        for n in range(5):
            dataset = create_dataset(session, title=f"测绘成果目录 {n}", department=department)
            publish_dataset(session, dataset)
            session.flush()
            dataset.metadata_modified = dataset.created_at = long_ago
    with serving(app) as url, ckanapi.RemoteCKAN(url, get_only=True) as remote:
        first_run = utcnow()
        harvested = {p["id"]: p for p in _search_like_ckanext_harvest(remote, [], rows=2)}
        assert len(harvested) == 5
        assert _search_like_ckanext_harvest(remote, [_since(first_run)]) == []  # nothing new
        edited_id = sorted(harvested)[2]
        with services.session_factory() as session, session.begin():
            dataset = session.get(Dataset, edited_id)
            update_dataset(session, dataset, title="测绘成果目录（修订）")
        changes = _search_like_ckanext_harvest(remote, [_since(first_run)], rows=2)
        assert [(p["id"], p["title"]) for p in changes] == [(edited_id, "测绘成果目录（修订）")]
        assert harvested[edited_id]["title"] != changes[0]["title"]


def test_ckanapi_dump_datasets_all(live_server: str, all_names: list[str], tmp_path: Path) -> None:
    output = tmp_path / "datasets.jsonl"
    completed = subprocess.run(
        [
            str(CKANAPI_CLI),
            "dump",
            "datasets",
            "--all",
            "-q",
            "-p",
            "2",
            "-r",
            live_server,
            "-O",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PATH": f"{CKANAPI_CLI.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # the workers it starts are found on PATH
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(all_names)
    records = [json.loads(line) for line in lines]
    assert sorted(r["name"] for r in records) == all_names
    assert all(r["resources"] and r["organization"] for r in records[:50])

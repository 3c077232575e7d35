"""The REST calls of the sandbox (portal/api/v1_grants.py): a conditional token lists its
granted tables, asks aggregate queries (answered, or refused with a code and logged either
way), reads its query log, asks for a result's export and, once a reviewer approved it,
downloads it once under a delivery identifier; counted at the conditions' rate."""

from __future__ import annotations

import csv
import io
from collections import Counter

from flask import Flask
from flask_babel import force_locale
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from signing_in import make_person
from sqlalchemy import select
from test_application_pages import ROWS, SECRET_ID, Site, _grant, _granted, _reviewer, _token, site
from test_applications import CONDITIONS
from test_verification_api import _stating

from catalog import audit
from catalog.accounts.models import CONDITIONAL, READ
from catalog.applications.models import Delivery
from catalog.db import utcnow
from catalog.sandbox import service
from catalog.sandbox.models import SandboxQuery
from portal.admin.messages import action_label

__all__ = ["site"]  # the fixture
SANDBOXED = {**CONDITIONS, "delivery_channel": "sandbox"}
TOTAL = "SELECT count(*) AS n FROM data"
SPREAD = "SELECT count(*) AS n, min(出生日期) AS first, max(出生日期) AS last FROM data"


def _ready(app: Flask, client, site: Site, stated: dict) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    _stating(app, site, stated)
    _granted(client, site)
    grant = _grant(site)
    headers = {"Authorization": f"Bearer {_token(app, site.applicant_id, CONDITIONAL)}"}
    return f"/api/v1/grants/{grant.id}/sandbox", headers


def _logged(app: Flask) -> list[SandboxQuery]:
    with app.extensions["gxdata"].session_factory() as db:
        return list(db.scalars(select(SandboxQuery).order_by(SandboxQuery.id)))


def _decide(site: Site, export_id: int, approve: bool, reason: str | None) -> None:
    """The reviewer's decision, through the domain (the review pages are not this module's)."""
    with site.app.extensions["gxdata"].session_factory() as db, db.begin():
        service.decide_export(db, _reviewer(db, site), export_id, approve, reason, utcnow())


def test_the_tables_k_and_limits(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, {**SANDBOXED, "sandbox_k": 6})
    listed = app.test_client().get(path, headers=headers)
    assert listed.status_code == 200, listed.text
    assert listed.headers["Cache-Control"] == "private, no-store"
    body = listed.get_json()
    assert body["k"] == 6 and body["limits"] == {"seconds": 10.0, "max_rows": 1000}
    (table,) = body["tables"]
    assert table["name"] == "data" and table["rows"] == 30
    assert table["file"]["id"] == site.csv_id and table["file"]["title"]
    assert table["columns"] == ["身份证号", "姓名", "出生日期"]  # the grant's fields only
    assert table["identifiers"] == ["身份证号", "姓名"]  # may be counted, never shown
    assert SECRET_ID not in listed.text
    assert _logged(app) == []  # listing the tables is no query
    grants = app.test_client().get("/api/v1/grants", headers=headers).get_json()
    (grant,) = grants
    assert grant["channel"] == "sandbox" and grant["sandbox"].endswith(path)
    assert grant["files"][0]["download"] is None  # the data does not leave the portal


def test_queries_are_answered_or_refused_and_logged(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, SANDBOXED)
    api = app.test_client()
    answered = api.post(f"{path}/query", headers=headers, json={"sql": SPREAD})
    assert answered.status_code == 200, answered.text
    assert answered.headers["Cache-Control"] == "private, no-store"
    body = answered.get_json()
    years = sorted(int(r[4][:4]) for r in ROWS[1:])
    assert body["columns"] == ["n", "first", "last"]
    assert body["rows"] == [[30, years[0], years[-1]]]
    assert (body["suppressed"], body["truncated"], body["k"], body["rows_touched"]) == (
        0,
        False,
        5,
        30,
    )
    assert isinstance(body["query"], int) and body["seconds"] >= 0

    listing = api.post(f"{path}/query", headers=headers, json={"sql": "SELECT * FROM data"})
    assert listing.status_code == 422 and listing.mimetype == "application/problem+json"
    refused = listing.get_json()
    assert refused["code"] == "not-aggregated" and refused["detail"]
    assert SECRET_ID not in listing.text

    reading = api.post(f"{path}/query", headers=headers,
                       json={"sql": "SELECT count(*) FROM read_csv('/etc/passwd')"})  # fmt: skip
    assert reading.status_code == 422 and reading.get_json()["code"]
    assert "root" not in reading.text

    # differencing: the total, then the total less one person
    (once,) = [y for y, n in Counter(int(r[4][:4]) for r in ROWS[1:]).items() if n == 1][:1]
    assert api.post(f"{path}/query", headers=headers, json={"sql": TOTAL}).status_code == 200
    isolating = api.post(f"{path}/query", headers=headers,
                         json={"sql": f"{TOTAL} WHERE 出生日期 <> {once}"})  # fmt: skip
    assert isolating.status_code == 422 and isolating.get_json()["code"] == "filter-isolates"

    logged = _logged(app)
    assert [(q.state, q.refusal) for q in logged] == [
        ("answered", None),
        ("refused", "not-aggregated"),
        ("refused", reading.get_json()["code"]),
        ("answered", None),
        ("refused", "filter-isolates"),
    ]
    problems = [listing, reading, isolating]
    assert [p.get_json()["query"] for p in problems] == [logged[i].id for i in (1, 2, 4)]

    log = api.get(f"{path}/queries", headers=headers)
    assert log.status_code == 200 and log.headers["Cache-Control"] == "private, no-store"
    entries = log.get_json()
    assert [e["id"] for e in entries] == [q.id for q in reversed(logged)]  # newest first
    refused_entry = entries[3]
    assert (refused_entry["sql"], refused_entry["state"], refused_entry["refusal"]) == (
        "SELECT * FROM data",
        "refused",
        "not-aggregated",
    )
    first = entries[-1]
    assert (first["rows_touched"], first["result_rows"], first["suppressed"]) == (30, 1, 0)
    assert first["at"].endswith("Z") and first["export"] is None
    assert len(api.get(f"{path}/queries?limit=2", headers=headers).get_json()) == 2
    for limit in ("0", "201", "x", "١"):
        bad = api.get(f"{path}/queries?limit={limit}", headers=headers)
        assert bad.status_code == 400 and bad.get_json()["code"] == "invalid-limit", limit


def test_a_malformed_body_is_400_and_nothing_is_logged(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, SANDBOXED)
    api = app.test_client()
    for data, kind in [
        ("not json", "application/json"),
        ('{"sql": 5}', "application/json"),
        ('["SELECT 1"]', "application/json"),
        (f'{{"sql": "{TOTAL}"}}', "text/plain"),
        ('{"sql": "SELECT count(*) FROM data \\ud800"}', "application/json"),
        ('{"sql": "SELECT count(*) FROM data \\u0000"}', "application/json"),
    ]:
        bad = api.post(f"{path}/query", headers=headers, data=data, content_type=kind)
        assert bad.status_code == 400, (data, bad.text)
        assert bad.get_json()["code"] == "invalid-query"
    huge = {"sql": "SELECT count(*) FROM data -- " + "x" * (service.MAX_SQL_CHARS * 7)}
    too_large = api.post(f"{path}/query", headers=headers, json=huge)
    assert too_large.status_code == 413 and too_large.get_json()["code"] == "query-too-large"
    assert _logged(app) == []
    too_long = {"sql": TOTAL + " " * service.MAX_SQL_CHARS}  # within the body, past 20,000
    refused = api.post(f"{path}/query", headers=headers, json=too_long)
    assert refused.status_code == 422 and refused.get_json()["code"] == "query-too-long"
    assert [q.refusal for q in _logged(app)] == ["query-too-long"]


def test_past_the_rate_429_with_retry_after(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, {**SANDBOXED, "rate_per_minute": 2})
    api = app.test_client()
    assert api.post(f"{path}/query", headers=headers, json={"sql": TOTAL}).status_code == 200
    refused = api.post(f"{path}/query", headers=headers, json={"sql": "SELECT * FROM data"})
    assert refused.status_code == 422  # a refused query counts too
    limited = api.post(f"{path}/query", headers=headers, json={"sql": TOTAL})
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert limited.get_json()["code"] == "rate-limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert len(_logged(app)) == 2  # the query past the rate did not run


def test_only_the_holders_conditional_token_under_the_channel(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, SANDBOXED)
    api = app.test_client()
    query = {"sql": TOTAL}
    assert client.get(path).status_code == 401  # the holder's session cookie is no token
    assert client.post(f"{path}/query", json=query).status_code == 401
    read = {"Authorization": f"Bearer {_token(app, site.applicant_id, READ)}"}
    for response in (api.get(path, headers=read),
                     api.post(f"{path}/query", headers=read, json=query),
                     api.get(f"{path}/queries", headers=read)):  # fmt: skip
        assert response.status_code == 403 and response.get_json()["code"] == "token-scope"
    other = make_person(app, "o@example.org")
    theirs = {"Authorization": f"Bearer {_token(app, other, CONDITIONAL)}"}
    for response in (api.get(path, headers=theirs),
                     api.post(f"{path}/query", headers=theirs, json=query),
                     api.get(f"{path}/queries", headers=theirs),
                     api.get(f"{path}/exports/1", headers=theirs),
                     api.post(f"{path}/queries/1/export", headers=theirs)):  # fmt: skip
        assert response.status_code == 403, response.text
        assert response.get_json()["code"] == "no-active-grant"
    nobody = api.post(path.replace("/grants/", "/grants/x") + "/query", headers=headers, json=query)
    assert nobody.status_code == 403 and nobody.get_json()["code"] == "no-active-grant"
    assert _logged(app) == []
    _stating(app, site, {**CONDITIONS, "delivery_channel": "download"})
    wrong = api.post(f"{path}/query", headers=headers, json=query)
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "wrong-channel"
    assert api.get(path, headers=headers).get_json()["code"] == "wrong-channel"


def test_an_export_is_approved_then_downloaded_once(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, SANDBOXED)
    api = app.test_client()
    answered = api.post(f"{path}/query", headers=headers, json={"sql": SPREAD}).get_json()
    refused = api.post(f"{path}/query", headers=headers, json={"sql": "SELECT * FROM data"})
    not_answered = api.post(f"{path}/queries/{refused.get_json()['query']}/export", headers=headers)
    assert not_answered.status_code == 422
    assert not_answered.get_json()["code"] == "export-not-answered"
    for missing in (999, 2**40):
        absent = api.post(f"{path}/queries/{missing}/export", headers=headers)
        assert absent.status_code == 404 and absent.get_json()["code"] == "not-found"

    asked = api.post(f"{path}/queries/{answered['query']}/export", headers=headers)
    assert asked.status_code == 201, asked.text
    export_id = asked.get_json()["export"]
    assert asked.get_json() == {"export": export_id, "state": "submitted"}
    assert asked.headers["Location"] == f"http://gxdata.test{path}/exports/{export_id}"
    again = api.post(f"{path}/queries/{answered['query']}/export", headers=headers)
    assert again.status_code == 422 and again.get_json()["code"] == "export-exists"
    early = api.post(f"{path}/exports/{export_id}/download", headers=headers)
    assert early.status_code == 422 and early.get_json()["code"] == "export-not-approved"
    state = api.get(f"{path}/exports/{export_id}", headers=headers).get_json()
    assert (state["state"], state["decided_at"], state["delivery"]) == ("submitted", None, None)

    _decide(site, export_id, True, "结果为汇总数据")
    state = api.get(f"{path}/exports/{export_id}", headers=headers).get_json()
    assert (state["state"], state["reason"]) == ("approved", "结果为汇总数据")
    assert state["decided_at"].endswith("Z") and state["query"] == answered["query"]
    log = api.get(f"{path}/queries", headers=headers).get_json()
    assert log[-1]["export"] == {"id": export_id, "state": "approved"}

    got = api.post(f"{path}/exports/{export_id}/download", headers=headers)
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert got.headers["Cache-Control"] == "private, no-store"
    delivery_id = got.headers["X-Delivery-Id"]
    assert delivery_id.startswith("dlv-")
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{delivery_id}.csv" in disposition
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert rows[0] == ["n", "first", "last", "delivery"]
    assert rows[1:] == [[*map(str, answered["rows"][0]), delivery_id]]
    second = api.post(f"{path}/exports/{export_id}/download", headers=headers)
    assert second.status_code == 422 and second.get_json()["code"] == "export-downloaded"
    state = api.get(f"{path}/exports/{export_id}", headers=headers).get_json()
    assert (state["state"], state["delivery"]) == ("downloaded", delivery_id)

    with app.extensions["gxdata"].session_factory() as db:
        delivery = db.get(Delivery, delivery_id)
        assert delivery is not None and delivery.channel == "sandbox"
        assert delivery.bytes == len(got.data)
        entry = audit.AuditEntry
        actions = list(db.scalars(select(entry.action).where(
            entry.object_type == "sandbox_export").order_by(entry.id)))  # fmt: skip
    assert actions == ["sandbox.export.request", "sandbox.export.approve",
                       "sandbox.export.download"]  # fmt: skip
    with app.test_request_context(), force_locale("zh"):
        labels = [action_label(action) for action in actions]
        assert labels == ["申请导出沙箱查询结果", "批准导出沙箱查询结果", "下载沙箱查询结果"]
        assert action_label("sandbox.export.reject") == "驳回导出沙箱查询结果"


def test_a_rejected_export_is_never_downloaded(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, SANDBOXED)
    api = app.test_client()
    answered = api.post(f"{path}/query", headers=headers, json={"sql": TOTAL}).get_json()
    export_id = api.post(f"{path}/queries/{answered['query']}/export",
                         headers=headers).get_json()["export"]  # fmt: skip
    _decide(site, export_id, False, "分组过细")
    state = api.get(f"{path}/exports/{export_id}", headers=headers).get_json()
    assert (state["state"], state["reason"]) == ("rejected", "分组过细")
    refused = api.post(f"{path}/exports/{export_id}/download", headers=headers)
    assert refused.status_code == 422 and refused.get_json()["code"] == "export-not-approved"
    assert "X-Delivery-Id" not in refused.headers
    for missing in (export_id + 1, 2**40):
        absent = api.get(f"{path}/exports/{missing}", headers=headers)
        assert absent.status_code == 404 and absent.mimetype == "application/problem+json"
        gone = api.post(f"{path}/exports/{missing}/download", headers=headers)
        assert gone.status_code == 404
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(Delivery)).all() == []


def _conforms(spec: dict, path: str, method: str, response) -> None:  # type: ignore[no-untyped-def]
    """The response's status is described, and its JSON body matches the schema given."""
    answers = spec["paths"][path][method]["responses"]
    assert str(response.status_code) in answers, (path, response.status_code)
    schema = answers[str(response.status_code)]["content"][response.mimetype]["schema"]
    root = {**schema, "components": spec["components"]}
    Draft202012Validator(root).validate(response.get_json())


def test_the_sandbox_answers_as_the_openapi_document_says(app, client, site) -> None:  # type: ignore[no-untyped-def]
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    validate_spec(spec)
    path, headers = _ready(app, client, site, SANDBOXED)
    api = app.test_client()
    base = "/grants/{grant_id}/sandbox"
    _conforms(spec, base, "get", api.get(path, headers=headers))
    _conforms(spec, base, "get", api.get(path))  # 401
    answered = api.post(f"{path}/query", headers=headers, json={"sql": SPREAD})
    _conforms(spec, f"{base}/query", "post", answered)
    refused = api.post(f"{path}/query", headers=headers, json={"sql": "SELECT * FROM data"})
    _conforms(spec, f"{base}/query", "post", refused)
    _conforms(spec, f"{base}/query", "post", api.post(f"{path}/query", headers=headers, json={}))
    _conforms(spec, f"{base}/queries", "get", api.get(f"{path}/queries", headers=headers))
    query = answered.get_json()["query"]
    asked = api.post(f"{path}/queries/{query}/export", headers=headers)
    _conforms(spec, f"{base}/queries/{{query_id}}/export", "post", asked)
    export = asked.get_json()["export"]
    state = api.get(f"{path}/exports/{export}", headers=headers)
    _conforms(spec, f"{base}/exports/{{export_id}}", "get", state)
    _conforms(spec, f"{base}/exports/{{export_id}}", "get",
              api.get(f"{path}/exports/{export + 1}", headers=headers))  # fmt: skip
    early = api.post(f"{path}/exports/{export}/download", headers=headers)
    _conforms(spec, f"{base}/exports/{{export_id}}/download", "post", early)
    _decide(site, export, True, None)
    got = api.post(f"{path}/exports/{export}/download", headers=headers)
    answers = spec["paths"][f"{base}/exports/{{export_id}}/download"]["post"]["responses"]
    assert got.status_code == 200 and got.mimetype in answers["200"]["content"]
    _conforms(spec, f"{base}/exports/{{export_id}}", "get",
              api.get(f"{path}/exports/{export}", headers=headers))  # fmt: skip

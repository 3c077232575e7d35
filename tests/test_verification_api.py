"""The REST calls of the verification and api channels (portal/api/v1_grants.py): a
conditional token asks match / no match or pages masked rows under its grant, counted per grant
at the conditions' rate, 429 with Retry-After past it, everything logged."""

from __future__ import annotations

from flask import Flask
from openapi_spec_validator import validate as validate_spec
from signing_in import sign_in_client
from sqlalchemy import select
from test_application_pages import ROWS, SECRET_ID, Site, _grant, _granted, _token, site
from test_applications import CONDITIONS
from test_rest_api import check

from catalog import audit, conditions
from catalog.accounts.models import CONDITIONAL, READ
from catalog.applications.models import Delivery
from catalog.models import Dataset

__all__ = ["site"]  # the fixture
NAME = ROWS[1][1]
VERIFYING = {**CONDITIONS, "delivery_channel": "verification",
             "verify_fields": ["身份证号", "姓名"], "rate_per_minute": 3}  # fmt: skip
API_ROWS = {**CONDITIONS, "delivery_channel": "api", "rate_per_minute": 2}


def _stating(app: Flask, site: Site, stated: dict) -> None:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        dataset = db.get(Dataset, site.dataset_id)
        assert dataset is not None
        dataset.conditions = conditions.to_stored(stated)


def _ready(app: Flask, client, site: Site, stated: dict) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    _stating(app, site, stated)
    site.reference = _granted(client, site)  # type: ignore[attr-defined]
    grant = _grant(site)
    headers = {"Authorization": f"Bearer {_token(app, site.applicant_id, CONDITIONAL)}"}
    return f"/api/v1/grants/{grant.id}/files/{site.csv_id}", headers


def test_verify_answers_match_or_no_match_then_429(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, VERIFYING)
    api = app.test_client()
    asked = api.post(f"{path}/verify", headers=headers,
                     json={"fields": {"身份证号": SECRET_ID, "姓名": NAME}})  # fmt: skip
    assert asked.status_code == 200 and asked.get_json() == {"answer": "match"}
    assert asked.headers["Cache-Control"] == "private, no-store"
    other = api.post(f"{path}/verify", headers=headers,
                     json={"fields": {"身份证号": SECRET_ID, "姓名": ROWS[2][1]}})  # fmt: skip
    assert other.get_json() == {"answer": "no match"}
    for body in (other, asked):
        assert SECRET_ID not in body.text and ROWS[1][2] not in body.text
    refused = api.post(f"{path}/verify", headers=headers,
                       json={"fields": {"手机号": ROWS[1][2]}})  # fmt: skip
    assert refused.status_code == 422 and refused.get_json()["code"] == "field-not-verifiable"
    limited = api.post(f"{path}/verify", headers=headers,
                       json={"fields": {"身份证号": SECRET_ID, "姓名": NAME}})  # fmt: skip
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert limited.get_json()["code"] == "rate-limited"
    assert int(limited.headers["Retry-After"]) >= 1
    with app.extensions["gxdata"].session_factory() as db:
        logged = db.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "verification.ask")
        ).all()
    assert [e.summary for e in logged] == ["answer=match; fields=身份证号,姓名",
                                           "answer=no match; fields=身份证号,姓名"]  # fmt: skip


def test_verify_refuses_without_grant_token_or_channel(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, {**CONDITIONS, "delivery_channel": "download"})
    api = app.test_client()
    question = {"fields": {"身份证号": SECRET_ID, "姓名": NAME}}
    assert api.post(f"{path}/verify", json=question).status_code == 401
    read = {"Authorization": f"Bearer {_token(app, site.applicant_id, READ)}"}
    assert api.post(f"{path}/verify", headers=read, json=question).status_code == 403
    wrong = api.post(f"{path}/verify", headers=headers, json=question)
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "wrong-channel"
    bad = api.post(f"{path}/verify", headers=headers, json={"身份证号": SECRET_ID})
    assert bad.status_code == 400 and bad.get_json()["code"] == "invalid-question"
    nobody = api.post(path.replace(site.csv_id, "0" * 36) + "/verify", headers=headers,
                      json=question)  # fmt: skip
    assert nobody.status_code == 403 and nobody.get_json()["code"] == "no-active-grant"


def test_rows_are_paged_masked_logged_and_rated(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, API_ROWS)
    api = app.test_client()
    first = api.get(f"{path}/rows?page=1&limit=10", headers=headers)
    assert first.status_code == 200, first.text
    body = first.get_json()
    assert body["fields"] == ["身份证号", "姓名", "出生日期"]  # the grant's fields only
    assert len(body["rows"]) == 10 and body["more"] and body["page"] == 1
    assert SECRET_ID not in first.text and NAME not in first.text
    assert [str(r[2]) for r in body["rows"]] == [r[4][:4] for r in ROWS[1:11]]
    last = api.get(f"{path}/rows?page=3&limit=10", headers=headers).get_json()
    assert len(last["rows"]) == 10 and not last["more"]  # 30 rows
    limited = api.get(f"{path}/rows?page=4&limit=10", headers=headers)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    bad = api.get(f"{path}/rows?limit=5000", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["code"] == "invalid-paging"
    with app.extensions["gxdata"].session_factory() as db:
        logged = db.scalars(select(Delivery)).all()
    assert sorted(d.id for d in logged) == sorted([body["delivery"], last["delivery"]])
    assert {d.channel for d in logged} == {"api"}


def test_the_rows_of_another_channel_are_refused(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, VERIFYING)
    refused = app.test_client().get(f"{path}/rows", headers=headers)
    assert refused.status_code == 422 and refused.get_json()["code"] == "wrong-channel"


def test_the_calls_answer_as_the_openapi_document_says(app, client, site) -> None:  # type: ignore[no-untyped-def]
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    validate_spec(spec)
    path, headers = _ready(app, client, site, API_ROWS)
    api = app.test_client()
    rows = "/grants/{grant_id}/files/{distribution_id}/rows"
    check(spec, rows, api.get(f"{path}/rows?limit=2", headers=headers))
    check(spec, rows, api.get(f"{path}/rows?limit=2"))
    verify = "/grants/{grant_id}/files/{distribution_id}/verify"
    assert {"200", "429"} <= set(spec["paths"][verify]["post"]["responses"])
    assert {"200", "429"} <= set(spec["paths"][rows]["get"]["responses"])


def test_the_holder_and_the_reviewer_see_the_statistics(app, client, site) -> None:  # type: ignore[no-untyped-def]
    path, headers = _ready(app, client, site, VERIFYING)
    api = app.test_client()
    for name in (NAME, ROWS[3][1]):
        api.post(f"{path}/verify", headers=headers,
                 json={"fields": {"身份证号": SECRET_ID, "姓名": name}})  # fmt: skip
    zh = {"Accept-Language": "zh-CN"}
    reference = site.reference  # type: ignore[attr-defined]
    holder = client.get(f"/account/applications/{reference}", headers=zh).text
    reviewer = app.test_client()
    sign_in_client(app, reviewer, site.reviewer_id)
    review = reviewer.get(f"/review/applications/{reference}", headers=zh).text
    for page in (holder, review):
        section = page[page.index('id="verifications"') :]
        assert "共核验 2 次，其中一致 1 次" in section
        assert SECRET_ID not in page and NAME not in page

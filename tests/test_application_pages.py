"""The applicant's pages of conditional data (portal/applications/, portal/api/v1_grants.py):
apply from the dataset page with CSRF on, answer a request for information, download a masked
copy through a signed link that every use checks again, the token API, usage reports."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from form_tokens import csrf
from openapi_spec_validator import validate as validate_spec
from signing_in import make_person, sign_in_client
from sqlalchemy import select
from test_accounts_pages import mails
from test_applications import CONDITIONS, PDF, REQUIREMENTS
from test_confidential import _outputs
from test_masking import csv_bytes, table
from test_rest_api import check

from catalog.accounts import tokens
from catalog.accounts.models import CONDITIONAL, ENTERPRISE, PUBLISH, READ, REVIEWER, User
from catalog.applications import acts, grants
from catalog.applications.models import Application, Delivery, Grant
from catalog.db import utcnow
from catalog.models import Dataset, Department
from catalog.permissions import Actor, actor_for
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.distributions import store_file
from portal.applications import links

ROWS = table(30)
SECRET_ID = ROWS[1][0]  # a resident ID number of the stored original


@dataclass
class Site:
    app: Flask
    slug: str
    dataset_id: str
    csv_id: str
    applicant_id: int
    reviewer_id: int


@pytest.fixture
def site(app: Flask) -> Site:
    services = app.extensions["gxdata"]
    with services.session_factory() as db, db.begin():
        department = Department(slug="mine", name="本厅")
        db.add(department)
        db.flush()
        dataset = create_dataset(
            db, title="居民信息", department=department, open_type="conditional",
            conditions=CONDITIONS,
        )  # fmt: skip
        stored = store_file(
            db, services.files, dataset, file_name="居民.csv",
            stream=io.BytesIO(csv_bytes(ROWS)), max_bytes=10**7,
        )  # fmt: skip
        publish_dataset(db, dataset)
        ids = dataset.slug, dataset.id, stored.id
    applicant = make_person(app, "e@example.org")
    reviewer = make_person(app, "r@example.org", REVIEWER, "mine")
    with services.session_factory() as db, db.begin():
        user = db.get(User, applicant)
        assert user is not None
        user.kind = ENTERPRISE
    return Site(app, *ids, applicant, reviewer)


def _reviewer(db, site: Site) -> Actor:
    user = db.get(User, site.reviewer_id)
    return actor_for(user, two_factor=True)


def _application(site: Site, reference: str, act, *args) -> None:
    """A reviewer's move, through the domain (the reviewer pages are not this module's)."""
    with site.app.extensions["gxdata"].session_factory() as db, db.begin():
        found = db.scalar(select(Application).where(Application.reference == reference))
        act(db, _reviewer(db, site), found, *args)


def _grant(site: Site) -> Grant:
    with site.app.extensions["gxdata"].session_factory() as db:
        grant = db.scalars(select(Grant)).one()
        db.expunge(grant)
        return grant


def _form(site: Site, **changes) -> dict:
    return {
        "purpose": "信用评估模型",
        "scenario": "小微企业贷款风控",
        "distribution_ids": [site.csv_id],
        "fields": ["身份证号", "姓名", "出生日期"],
        "period_days": "30",
        "commitments": REQUIREMENTS,
        "file": (io.BytesIO(PDF), "营业执照.pdf"),
        "action": "submit",
    } | changes


def _apply(client: FlaskClient, site: Site, **changes):
    page = client.get(f"/dataset/{site.slug}/apply")
    assert page.status_code == 200
    data = {"csrf_token": csrf(page.text), **_form(site, **changes)}
    return client.post(f"/dataset/{site.slug}/apply", data=data, content_type="multipart/form-data")


def _reference(response) -> str:
    found = re.search(r"/account/applications/(SQ-\d{4}-[0-9A-F]{8})", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def _signed_in(client: FlaskClient, site: Site) -> FlaskClient:
    sign_in_client(site.app, client, site.applicant_id)
    return client


def _granted(client: FlaskClient, site: Site) -> str:
    reference = _reference(_apply(_signed_in(client, site), site))
    _application(site, reference, acts.start_review)
    _application(site, reference, grants.approve)
    return reference


def _link(client: FlaskClient, reference: str, distribution_id: str) -> str:
    page = client.get(f"/account/applications/{reference}")
    response = client.post(
        f"/account/applications/{reference}/files/{distribution_id}/link",
        data={"csrf_token": csrf(page.text)},
    )
    assert response.status_code == 303
    return response.headers["Location"]


def _masked_rows(body: bytes) -> tuple[list[list[str]], dict]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        (data,) = [n for n in names if n.endswith(".csv")]
        package = json.loads(archive.read("datapackage.json"))
        text = archive.read(data).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text))), package


# -- the dataset page ------------------------------------------------------------------------


def test_the_dataset_page_offers_to_apply_and_shows_numbers_only(client, site):
    page = client.get(f"/dataset/{site.slug}")
    assert page.status_code == 200
    assert f'href="/dataset/{site.slug}/apply"' in page.text
    assert "申请使用" in page.text and "application-counts" in page.text
    reference = _granted(client, site)
    page = client.get(f"/dataset/{site.slug}")
    counts = re.search(r'<dl class="application-counts".*?</dl>', page.text, re.S)
    assert counts is not None
    numbers = re.findall(r"<dd>(.*?)</dd>", counts.group(0))
    assert numbers[:5] == ["1", "1", "0", "1", "0"]
    assert reference not in page.text and "e@example.org" not in page.text


def test_signed_out_the_form_sends_to_sign_in_and_back(client, site):
    response = client.get(f"/dataset/{site.slug}/apply")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]
    assert f"next=/dataset/{site.slug}/apply" in response.headers["Location"].replace("%2F", "/")


def test_an_open_dataset_takes_no_application(app, client, site):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        department = db.scalar(select(Department).where(Department.slug == "mine"))
        dataset = create_dataset(db, title="公开", department=department, open_type="unconditional")
        publish_dataset(db, dataset)
        slug = dataset.slug
    _signed_in(client, site)
    assert client.get(f"/dataset/{slug}/apply").status_code == 404


# -- the form ----------------------------------------------------------------------------------


def test_the_form_lists_files_masked_fields_and_one_commitment_each(client, site):
    page = _signed_in(client, site).get(f"/dataset/{site.slug}/apply")
    assert 'name="csrf_token"' in page.text and "居民.csv" in page.text
    assert page.text.count('name="commitments"') == len(REQUIREMENTS)
    assert page.text.count('name="fields"') == len(CONDITIONS["fields"])
    assert "替换为假名" in page.text or "pseudonym" in page.text.lower()
    assert "保存草稿" in page.text and "提交申请" in page.text


def test_a_post_without_the_csrf_token_is_refused(client, site):
    _signed_in(client, site)
    response = client.post(
        f"/dataset/{site.slug}/apply", data=_form(site), content_type="multipart/form-data"
    )
    assert response.status_code in (400, 422)
    with site.app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(Application)).all() == []


def test_a_draft_is_saved_then_submitted_with_a_receipt(client, site):
    response = _apply(_signed_in(client, site), site, action="draft", commitments=[])
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    reference = _reference(response)
    edit = client.get(f"/account/applications/{reference}/edit")
    assert "信用评估模型" in edit.text and "营业执照.pdf" in edit.text
    refused = client.post(
        f"/account/applications/{reference}/edit",
        data={"csrf_token": csrf(edit.text), **_form(site, commitments=REQUIREMENTS[:1])},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "每一项安全要求" in refused.text
    sent = client.post(
        f"/account/applications/{reference}/edit",
        data={"csrf_token": csrf(edit.text), **_form(site, file=(io.BytesIO(b""), ""))},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    listing = client.get("/account/applications")
    assert reference in listing.text and "已提交" in listing.text
    assert any(reference in mail and "已提交" in mail for mail in mails(site.app))


def test_an_attachment_is_checked_by_its_content_and_size(app, client, site):
    response = _apply(_signed_in(client, site), site, file=(io.BytesIO(b"MZ\x90\x00"), "执照.pdf"))
    assert response.status_code == 422 and "PDF、PNG 或 JPEG" in response.text
    assert "信用评估模型" in response.text  # what was typed is kept
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (acts.MAX_ATTACHMENT + 100 * 1024))
    page = client.get(f"/dataset/{site.slug}/apply")
    response = client.post(
        f"/dataset/{site.slug}/apply",
        data={"csrf_token": csrf(page.text), **_form(site, file=(big, "大.pdf"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(Application)).all() == []


def test_more_information_is_answered_and_resubmitted(client, site):
    reference = _reference(_apply(_signed_in(client, site), site))
    _application(site, reference, acts.start_review)
    _application(site, reference, acts.request_info, "请补充数据安全管理制度")
    detail = client.get(f"/account/applications/{reference}")
    assert "请补充数据安全管理制度" in detail.text and "待补充材料" in detail.text
    edit = client.get(f"/account/applications/{reference}/edit")
    assert "请补充数据安全管理制度" in edit.text and "重新提交" in edit.text
    response = client.post(
        f"/account/applications/{reference}/edit",
        data={"csrf_token": csrf(edit.text), **_form(site, purpose="补充后的用途")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    detail = client.get(f"/account/applications/{reference}")
    assert "已重新提交" in detail.text and "补充后的用途" in detail.text


def test_an_application_is_withdrawn(client, site):
    reference = _reference(_apply(_signed_in(client, site), site))
    detail = client.get(f"/account/applications/{reference}")
    assert "撤回申请" in detail.text
    client.post(
        f"/account/applications/{reference}/withdraw", data={"csrf_token": csrf(detail.text)}
    )
    detail = client.get(f"/account/applications/{reference}")
    assert "已撤回" in detail.text and "撤回申请" not in detail.text


def test_another_persons_application_is_not_found(app, client, site):
    reference = _reference(_apply(_signed_in(client, site), site))
    other = app.test_client()
    sign_in_client(app, other, make_person(app, "s@example.org"))
    assert other.get(f"/account/applications/{reference}").status_code == 404
    assert other.get(f"/account/applications/{reference}/edit").status_code == 404


# -- signed links ------------------------------------------------------------------------------


def test_a_signed_link_delivers_a_masked_traceable_copy(client, site):
    reference = _granted(client, site)
    detail = client.get(f"/account/applications/{reference}")
    assert "下载脱敏副本" in detail.text
    url = _link(client, reference, site.csv_id)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    delivery_id = response.headers["X-Delivery-Id"]
    assert delivery_id in response.headers["Content-Disposition"]
    rows, package = _masked_rows(response.data)
    assert delivery_id in json.dumps(package)
    assert rows[0] == ["身份证号", "姓名", "出生日期"]  # only the fields asked for
    assert SECRET_ID not in response.data.decode("latin-1") and rows[1][0] != SECRET_ID
    assert rows[1][2] == SECRET_ID[6:10]  # the birth date generalized to the year
    with site.app.extensions["gxdata"].session_factory() as db:
        (delivery,) = db.scalars(select(Delivery)).all()
        assert (delivery.id, delivery.channel) == (delivery_id, "link")
        assert delivery.bytes == len(response.data)


def test_an_expired_link_asks_for_a_new_one(client, site):
    reference = _granted(client, site)
    grant = _grant(site)
    claim = links.LinkClaim(grant.id, site.csv_id, site.applicant_id)
    old = links.sign("test-secret", claim, at=time.time() - links.LINK_SECONDS - 5)
    response = client.get(f"/grants/{grant.id}/files/{site.csv_id}?t={old}")
    assert response.status_code == 403 and "已过期" in response.text
    assert f"/account/applications/{reference}" in response.text
    fresh = links.sign("test-secret", claim, at=time.time() - links.LINK_SECONDS + 30)
    assert client.get(f"/grants/{grant.id}/files/{site.csv_id}?t={fresh}").status_code == 200


def test_a_link_is_bound_to_its_file_and_person(app, client, site):
    reference = _granted(client, site)
    url = _link(client, reference, site.csv_id)
    grant = _grant(site)
    tampered = url.replace(site.csv_id, "0" * 36)
    assert client.get(tampered).status_code in (403, 404)
    assert client.get(f"/grants/{grant.id}/files/{site.csv_id}?t=forged").status_code == 403
    other = app.test_client()
    sign_in_client(app, other, make_person(app, "s@example.org"))
    response = other.get(url)
    assert response.status_code == 403 and "另一个账户" in response.text
    signed_out = app.test_client().get(url)
    assert signed_out.status_code == 302 and "/account/sign-in" in signed_out.headers["Location"]
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(Delivery)).all() == []


def test_revocation_and_expiry_stop_a_live_link_at_once(client, site):
    reference = _granted(client, site)
    url = _link(client, reference, site.csv_id)
    with site.app.extensions["gxdata"].session_factory() as db, db.begin():
        db.scalars(select(Grant)).one().ends_at = utcnow() - timedelta(seconds=1)
    response = client.get(url)
    assert response.status_code == 403 and "没有涵盖此文件的有效授权" in response.text
    with site.app.extensions["gxdata"].session_factory() as db, db.begin():
        db.scalars(select(Grant)).one().ends_at = utcnow() + timedelta(days=1)
    assert client.get(url).status_code == 200
    with site.app.extensions["gxdata"].session_factory() as db, db.begin():
        grant = db.scalars(select(Grant)).one()
        grants.revoke(db, _reviewer(db, site), grant, "违反安全要求")
    response = client.get(url)
    assert response.status_code == 403 and "Traceback" not in response.text
    assert "下载脱敏副本" not in client.get(f"/account/applications/{reference}").text


# -- usage reports and closing -----------------------------------------------------------------


def test_usage_reports_and_closing_with_a_final_report(client, site):
    reference = _granted(client, site)
    detail = client.get(f"/account/applications/{reference}")
    filed = client.post(
        f"/account/applications/{reference}/report",
        data={"csrf_token": csrf(detail.text), "what_built": "风控模型", "results": "上线试运行"},
    )
    assert filed.status_code == 302
    missing = client.post(
        f"/account/applications/{reference}/report",
        data={"csrf_token": csrf(detail.text), "what_built": "", "results": ""},
    )
    assert missing.status_code == 422
    close = client.get(f"/account/applications/{reference}/close")
    assert "最终" in close.text
    closed = client.post(
        f"/account/applications/{reference}/close",
        data={"csrf_token": csrf(close.text), "what_built": "风控模型", "results": "已结项"},
    )
    assert closed.status_code == 302
    detail = client.get(f"/account/applications/{reference}")
    assert "已关闭" in detail.text and "下载脱敏副本" not in detail.text
    with site.app.extensions["gxdata"].session_factory() as db:
        grant = db.scalars(select(Grant)).one()
        assert grant.state == "closed" and [r.final for r in grant.reports] == [False, True]


# -- the token API -----------------------------------------------------------------------------


def _token(app: Flask, user_id: int, scope: str) -> str:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = db.get(User, user_id)
        _, secret = tokens.create_api_token(db, user, "script", scope=scope, days=30)
    return secret


def test_the_token_api_delivers_only_to_a_conditional_token(app, client, site):
    _granted(client, site)
    grant = _grant(site)
    path = f"/api/v1/grants/{grant.id}/files/{site.csv_id}"
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/grants").status_code == 401
    assert client.get(path).status_code == 401  # a session cookie is not a token
    for scope in (READ, PUBLISH):
        headers = {"Authorization": f"Bearer {_token(app, site.applicant_id, scope)}"}
        for url in ("/api/v1/grants", path):
            refused = anonymous.get(url, headers=headers)
            assert refused.status_code == 403, (scope, url)
            assert refused.mimetype == "application/problem+json"
            assert refused.get_json()["code"] == "token-scope"
    headers = {"Authorization": f"Bearer {_token(app, site.applicant_id, CONDITIONAL)}"}
    (listed,) = anonymous.get("/api/v1/grants", headers=headers).get_json()
    assert listed["id"] == grant.id and listed["state"] == "active"
    assert listed["files"][0]["download"] == f"http://gxdata.test{path}"
    response = anonymous.get(path, headers=headers)
    assert response.status_code == 200
    rows, _package = _masked_rows(response.data)
    assert rows[1][0] != SECRET_ID
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        assert db.scalars(select(Delivery)).one().channel == "token"
        grants.revoke(db, _reviewer(db, site), db.get(Grant, grant.id), "违规")
    refused = anonymous.get(path, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "no-active-grant"


def test_the_token_api_refuses_another_persons_grant(app, client, site):
    _granted(client, site)
    grant = _grant(site)
    stranger = make_person(app, "s@example.org")
    headers = {"Authorization": f"Bearer {_token(app, stranger, CONDITIONAL)}"}
    assert app.test_client().get("/api/v1/grants", headers=headers).get_json() == []
    refused = app.test_client().get(
        f"/api/v1/grants/{grant.id}/files/{site.csv_id}", headers=headers
    )
    assert refused.status_code == 403 and refused.get_json()["code"] == "no-active-grant"


def test_the_grants_api_answers_as_its_openapi_document_says(app, client, site):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate_spec(spec)
    _granted(client, site)
    headers = {"Authorization": f"Bearer {_token(app, site.applicant_id, CONDITIONAL)}"}
    check(spec, "/grants", app.test_client().get("/api/v1/grants", headers=headers))
    refused = app.test_client().get("/api/v1/grants")
    check(spec, "/grants", refused)
    file_path = "/grants/{grant_id}/files/{distribution_id}"
    assert "200" in spec["paths"][file_path]["get"]["responses"]


def test_dataset_ids_used(site):  # keep the fixture's dataset honest
    with site.app.extensions["gxdata"].session_factory() as db:
        assert db.get(Dataset, site.dataset_id).open_type == "conditional"


# -- no other route ------------------------------------------------------------------------------


def test_every_other_route_refuses_conditional_content_to_the_grantee(app, client, runner, site):
    """Signed in with an active grant, the grantee still gets no file, link or cell value from
    the plain download, preview, validation report, datapackage.json, schema, CKAN, REST,
    DCAT, SPARQL or search: only the signed link and the token API deliver, masked."""
    _granted(client, site)
    with app.extensions["gxdata"].session_factory() as db:
        dataset = db.get(Dataset, site.dataset_id)
        assert dataset is not None and len(dataset.distributions) == 1
        db.expunge_all()
    download = f"/dataset/{site.slug}/resource/{site.csv_id}/download"
    assert client.get(download).status_code == 403
    assert client.get(download + "/居民.csv").status_code == 403
    pages = _outputs(client, runner, dataset)
    for path in (
        f"/dataset/{site.slug}/resource/{site.csv_id}/schema.json",
        "/dataset?q=居民",
        "/api/v1/datasets?q=居民",
        "/api/3/action/package_search?q=居民",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        pages[path] = response.get_data(as_text=True)
    assert site.slug in pages["/dataset?q=居民"]  # found: its snippet is shown
    for where, text in pages.items():
        assert SECRET_ID not in text, where
        assert ROWS[1][1] not in text, where  # a name of the stored original
        assert f"/resource/{site.csv_id}/download" not in text, where
    (resource,) = json.loads(pages[f"/api/3/action/package_show?id={site.dataset_id}"])["result"][
        "resources"
    ]
    assert "download" not in (resource.get("url") or "")
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(Delivery)).all() == []  # nothing was delivered


def test_a_submitted_application_is_no_longer_edited(client, site):
    reference = _reference(_apply(_signed_in(client, site), site))
    response = client.get(f"/account/applications/{reference}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/account/applications/{reference}")
    assert "申请已不能修改" in client.get(response.headers["Location"]).text

"""REST ``/api/v1`` writes against a live server on 127.0.0.1 with ``requests``: create,
patch, replace, upload, link, publish, withdraw; and the refusals (another department, a read
token, an expired or revoked token, a session cookie alone, a harvested dataset)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from browsers import serving
from factories import dataset_row, two_departments
from flask import Flask
from signing_in import dead_tokens, make_person, sign_in_client, token_for, xlsx_bytes
from sqlalchemy import select
from test_readme_examples import README_BASE, write_examples

from catalog import audit
from catalog.accounts.models import PUBLISHER, READ
from catalog.harvest.models import HarvestRecord
from catalog.harvest.sources import add_source
from catalog.models import DRAFT, PUBLISHED, WITHDRAWN

PROBLEM = "application/problem+json"


@pytest.fixture
def site(app: Flask) -> Iterator[str]:
    two_departments(app)
    with serving(app) as url:
        yield url + "/api/v1"


def writer(secret: str, header: str = "bearer") -> requests.Session:
    http = requests.Session()
    http.headers.update(
        {
            "bearer": {"Authorization": f"Bearer {secret}"},
            "plain": {"Authorization": secret},
            "ckan": {"X-CKAN-API-Key": secret},
        }[header]
    )
    return http


def test_create_patch_upload_publish_withdraw(app, site) -> None:
    http = writer(token_for(app, "p@example.org", "statcan"))
    created = http.post(
        f"{site}/datasets",
        json={
            "title": "南宁市公交站点", "slug": "bus-stops", "description": "全市公交站点",
            "keywords": ["公交", "站点"], "category": "transport", "open_type": "unconditional",
            "contact": {"name": "张三", "phone": "0771-1234567", "email": "zs@example.org"},
            "temporal": {"start": "2024-01-01", "end": None},
        },
        timeout=10,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["title"] == "南宁市公交站点" and body["state"] == DRAFT
    assert body["department"]["slug"] == "statcan"  # the token owner's only department
    assert body["keywords"] == ["公交", "站点"] and body["category"]["code"] == "transport"
    assert body["temporal"]["start"] == "2024-01-01"
    dataset_id = body["id"]
    assert requests.get(f"{site}/datasets/{dataset_id}", timeout=10).status_code == 404  # draft

    patched = http.patch(f"{site}/datasets/{dataset_id}", json={"description": "每日更新"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "每日更新"
    assert patched.json()["title"] == "南宁市公交站点"  # the rest kept

    content = xlsx_bytes()
    uploaded = http.post(
        f"{site}/datasets/bus-stops/files",
        files={"file": ("站点.xlsx", content)},
        data={"title": "站点表"},
        timeout=10,
    )
    assert uploaded.status_code == 201, uploaded.text
    stored = uploaded.json()
    assert stored["format"] == "XLSX" and stored["byte_size"] == len(content)
    assert stored["title"] == "站点表"
    link = http.post(
        f"{site}/datasets/bus-stops/files",
        json={"title": "接口", "download_url": "https://example.org/stops.csv", "format": "CSV"},
    )
    assert link.status_code == 201, link.text
    renamed = http.patch(
        f"{site}/datasets/bus-stops/files/{link.json()['id']}", json={"title": "站点接口"}
    )
    assert renamed.status_code == 200 and renamed.json()["title"] == "站点接口"
    fixed = http.patch(
        f"{site}/datasets/bus-stops/files/{stored['id']}", json={"format": "CSV"}
    )  # an upload's type is its content's
    assert fixed.status_code == 422 and "format" in fixed.json()["errors"]

    published = http.post(f"{site}/datasets/{dataset_id}/publish")
    assert published.status_code == 200 and published.json()["state"] == PUBLISHED
    public = requests.get(f"{site}/datasets/{dataset_id}", timeout=10).json()
    assert [d["title"] for d in public["distributions"]] == ["站点表", "站点接口"]
    assert public["distributions"][1]["download_url"] == "https://example.org/stops.csv"
    address = urlsplit(public["distributions"][0]["download_url"]).path  # the BASE_URL's path
    download = requests.get(site.removesuffix("/api/v1") + address, timeout=10)
    assert download.content == content

    removed = http.delete(f"{site}/datasets/bus-stops/files/{link.json()['id']}")
    assert removed.status_code == 204
    assert (
        len(requests.get(f"{site}/datasets/{dataset_id}", timeout=10).json()["distributions"]) == 1
    )

    replaced = http.put(f"{site}/datasets/{dataset_id}", json={"title": "公交站点（新）"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["description"] == "" and replaced.json()["keywords"] == []  # emptied
    assert replaced.json()["department"]["slug"] == "statcan"  # kept unless given

    assert http.delete(f"{site}/datasets/{dataset_id}").status_code == 204
    assert dataset_row(app, "bus-stops").state == WITHDRAWN
    assert requests.get(f"{site}/datasets/{dataset_id}", timeout=10).status_code == 404

    with app.extensions["gxdata"].session_factory() as db:
        actions = list(db.scalars(select(audit.AuditEntry.action).order_by(audit.AuditEntry.seq)))
        assert actions[:4] == ["dataset.create", "dataset.edit", "file.upload", "file.link"]
        assert {"dataset.publish", "file.remove", "dataset.withdraw"} <= set(actions)
        assert audit.verify(db).ok


def test_every_token_header_works_and_a_read_back_body_can_be_sent_again(app, site) -> None:
    secret = token_for(app, "p@example.org", "statcan")
    for number, header in enumerate(("bearer", "plain", "ckan")):
        answer = writer(secret, header).post(
            f"{site}/datasets", json={"title": f"数据{number}", "department": "statcan"}
        )
        assert answer.status_code == 201, (header, answer.text)
    http = writer(secret)
    shown = http.post(f"{site}/datasets", json={"title": "回读", "slug": "read-back"}).json()
    shown["title"] = "回读后改"
    again = http.put(f"{site}/datasets/read-back", json=shown)  # a GET's shape, sent back
    assert again.status_code == 200, again.text
    assert again.json()["title"] == "回读后改" and again.json()["category"] == shown["category"]

    wanted = {
        "period_days": 180,
        "permitted_uses": ["交通规划研究"],
        "applicant_kinds": ["enterprise"],
    }
    conditional = {"open_type": "conditional", "conditions": wanted}
    patched = http.patch(f"{site}/datasets/read-back", json=conditional)
    assert patched.status_code == 200, patched.text
    assert patched.json()["conditions"]["period_days"] == 180
    assert patched.json()["conditions"]["permitted_uses"] == ["交通规划研究"]
    bad = http.patch(f"{site}/datasets/read-back", json={"conditions": {"period_days": -3}})
    assert bad.status_code == 422 and any(k.startswith("conditions") for k in bad.json()["errors"])
    resent = http.put(f"{site}/datasets/read-back", json=patched.json())  # conditions and all
    assert resent.status_code == 200 and resent.json()["conditions"]["period_days"] == 180


def test_validation_errors_name_their_fields(app, site) -> None:
    http = writer(token_for(app, "p@example.org", "statcan"))
    cases = [
        ({"slug": "no-title"}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x", "category": "no-such-category"}, "category"),
        ({"title": "x", "department": "no-such-department"}, "department"),
        ({"title": "x", "record_count": -1}, "record_count"),
        ({"title": "x", "issued": "yesterday"}, "issued"),
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x", "slug": "Not A Slug"}, "slug"),
    ]
    for body, field in cases:
        answer = http.post(f"{site}/datasets", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["Content-Type"].startswith(PROBLEM)
        assert field in answer.json()["errors"], (body, answer.json())
    assert http.post(f"{site}/datasets", data="[]").status_code == 422
    http.post(f"{site}/datasets", json={"title": "一", "slug": "taken"})
    conflict = http.post(f"{site}/datasets", json={"title": "二", "slug": "taken"})
    assert conflict.status_code == 409 and conflict.json()["errors"] == {"slug": ["taken"]}
    no_url = http.post(f"{site}/datasets/taken/files", json={"title": "无地址"})
    assert no_url.status_code == 422 and "download_url" in no_url.json()["errors"]
    assert http.patch(f"{site}/datasets/no-such/files/x", json={}).status_code == 404
    assert http.patch(f"{site}/datasets/taken/files/no-such", json={}).status_code == 404


def test_refusals_another_department_read_token_expired_revoked(app, site) -> None:
    mine = writer(token_for(app, "p@example.org", "statcan"))
    theirs = writer(token_for(app, "q@example.org", "jiaotong"))
    created = mine.post(f"{site}/datasets", json={"title": "本局数据", "slug": "mine"})
    mine.post(f"{site}/datasets/mine/publish")
    file_id = mine.post(
        f"{site}/datasets/mine/files",
        json={"title": "链接", "download_url": "https://example.org/a"},
    ).json()["id"]
    assert created.status_code == 201

    for method, path, body in (
        ("PATCH", "/datasets/mine", {"title": "改掉"}),
        ("PUT", "/datasets/mine", {"title": "改掉"}),
        ("DELETE", "/datasets/mine", None),
        ("POST", "/datasets/mine/files", {"title": "越权", "download_url": "https://x.org"}),
        ("PATCH", f"/datasets/mine/files/{file_id}", {"title": "越权"}),
        ("DELETE", f"/datasets/mine/files/{file_id}", None),
        ("POST", "/datasets", {"title": "越权", "department": "statcan"}),
    ):
        answer = theirs.request(method, site + path, json=body)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["code"] == "forbidden"

    reader = writer(token_for(app, "r@example.org", "statcan", READ))
    refused = reader.patch(f"{site}/datasets/mine", json={"title": "改掉"})
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith(PROBLEM)

    expired, revoked = dead_tokens(app, "statcan")
    for secret in (expired, revoked, "gx_not-a-token"):
        answer = writer(secret).patch(f"{site}/datasets/mine", json={"title": "改掉"})
        assert answer.status_code == 401, answer.text
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    anonymous = requests.post(f"{site}/datasets", json={"title": "匿名"}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"
    assert dataset_row(app, "mine").title == "本局数据"


def test_a_session_cookie_alone_writes_nothing(app, site) -> None:
    """The REST writes are CSRF-exempt, so they must not trust the browser's cookie."""
    user_id = make_person(app, "p@example.org", PUBLISHER, "statcan")
    client = app.test_client()
    sign_in_client(app, client, user_id)
    assert client.get("/account/").status_code == 200  # the cookie does sign in to pages
    answer = client.post("/api/v1/datasets", json={"title": "凭会话", "slug": "by-cookie"})
    assert answer.status_code == 401 and answer.mimetype == PROBLEM
    assert dataset_row(app, "by-cookie") is None


def test_a_harvested_dataset_is_refused(app, site) -> None:
    http = writer(token_for(app, "p@example.org", "statcan"))
    created = http.post(f"{site}/datasets", json={"title": "采集的", "slug": "harvested"}).json()
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        source = add_source(db, name="upstream", kind="ckan", url="https://example.org")
        db.add(
            HarvestRecord(
                source_id=source.id, remote_id="r1", dataset_id=created["id"], content_hash="0"
            )
        )
    for method, path in (("PATCH", "/datasets/harvested"), ("POST", "/datasets/harvested/publish")):
        answer = http.request(method, site + path, json={"title": "改掉"})
        assert answer.status_code == 403 and answer.json()["code"] == "harvested-read-only"
    assert dataset_row(app, "harvested").title == "采集的"


def test_the_readmes_write_examples_run_as_written(app, site, tmp_path) -> None:
    """Each README line writing with ``$GXDATA_TOKEN`` answers 2xx, in order, on this catalog."""
    (tmp_path / "stops.xlsx").write_bytes(xlsx_bytes())
    env = {
        **os.environ,
        "GXDATA_TOKEN": token_for(app, "p@example.org", "statcan"),
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    lines = write_examples()
    assert any(line.startswith("curl ") for line in lines) and any("ckanapi" in x for x in lines)
    for line in lines:
        script = line.replace(README_BASE, site.removesuffix("/api/v1"))
        if script.startswith("curl "):
            script = "curl -sS -f -o /dev/null " + script[5:]
        done = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False,
            cwd=tmp_path, env=env,
        )  # fmt: skip
        assert done.returncode == 0, (shlex.split(line)[:3], done.stderr[-1000:])
    assert dataset_row(app, "bus-stops").title == "南宁市公交站点"
    assert dataset_row(app, "bus-stops-2").state == PUBLISHED

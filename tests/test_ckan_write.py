"""CKAN's write actions through the real ckanapi client and its CLI, against a live server on
127.0.0.1; and the refusals (another department, a read token, an expired or revoked token,
a harvested dataset, a session cookie without a token)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import ckanapi
import openpyxl
import pytest
import requests
from browsers import serving
from flask import Flask
from signing_in import make_person, sign_in_client
from sqlalchemy import func, select

from catalog import audit
from catalog.accounts import tokens
from catalog.accounts.models import PUBLISH, PUBLISHER, READ, User
from catalog.db import utcnow
from catalog.harvest.models import HarvestRecord
from catalog.harvest.sources import add_source
from catalog.models import PUBLISHED, WITHDRAWN, Dataset, Department

CKANAPI_CLI = Path(sys.executable).with_name("ckanapi")


@pytest.fixture
def site(app: Flask) -> Iterator[str]:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.add_all(
            [
                Department(slug="statcan", name="统计局"),
                Department(slug="jiaotong", name="交通运输厅"),
            ]
        )
    with serving(app) as url:
        yield url


def token_for(
    app: Flask, email: str, department: str | None, scope: str = PUBLISH, days: float = 30
) -> str:
    user_id = make_person(app, email, PUBLISHER if department else None, department)
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = db.get(User, user_id)
        assert user is not None
        _, secret = tokens.create_api_token(db, user, "ckanapi", scope=scope, days=days)
    return secret


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["站点", "线路"])
    sheet.append(["南宁站", "1路"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dataset_row(app: Flask, slug: str) -> Dataset | None:
    with app.extensions["gxdata"].session_factory() as db:
        dataset = db.scalar(select(Dataset).where(Dataset.slug == slug))
        if dataset is not None:
            db.expunge(dataset)
        return dataset


def test_package_create_with_a_chinese_title_an_upload_and_a_patch(app, site) -> None:
    secret = token_for(app, "p@example.org", "statcan")
    remote = ckanapi.RemoteCKAN(site, apikey=secret)
    created = remote.action.package_create(
        name="bus-stops", title="南宁市公交站点", owner_org="statcan",
        notes="全市公交站点的位置", open_type="无条件开放",
        tags=[{"name": "公交"}], license_id="CC-BY-4.0",
    )  # fmt: skip
    assert created["title"] == "南宁市公交站点"
    assert created["state"] == "active" and created["organization"]["name"] == "statcan"
    assert [t["name"] for t in created["tags"]] == ["公交"]

    content = xlsx_bytes()
    resource = remote.action.resource_create(
        package_id=created["id"], name="站点表", upload=("站点.xlsx", io.BytesIO(content))
    )
    assert resource["format"] == "XLSX" and resource["url_type"] == "upload"
    assert resource["size"] == len(content)
    assert requests.get(site + urlsplit(resource["url"]).path, timeout=10).content == content
    link = remote.action.resource_create(
        package_id="bus-stops", name="接口", url="https://example.org/stops.csv"
    )

    patched = remote.action.package_patch(id="bus-stops", notes="每日更新的公交站点")
    assert patched["notes"] == "每日更新的公交站点"
    assert patched["title"] == "南宁市公交站点"  # the rest kept
    assert [r["id"] for r in patched["resources"]] == [resource["id"], link["id"]]
    assert patched["resources"][0]["url"] == resource["url"]  # the stored file stays
    shown = remote.action.package_show(id="bus-stops")
    assert shown["resources"][0]["hash"] == resource["hash"]

    renamed = remote.action.resource_patch(id=link["id"], name="站点接口")
    assert renamed["name"] == "站点接口" and renamed["url"] == "https://example.org/stops.csv"
    remote.action.resource_delete(id=link["id"])
    assert len(remote.action.package_show(id="bus-stops")["resources"]) == 1

    remote.action.package_delete(id="bus-stops")
    assert dataset_row(app, "bus-stops").state == WITHDRAWN
    with pytest.raises(ckanapi.NotFound):  # withdrawn: gone for the public
        ckanapi.RemoteCKAN(site).action.package_show(id="bus-stops")
    assert remote.action.package_show(id="bus-stops")["state"] == "deleted"

    with app.extensions["gxdata"].session_factory() as db:
        actions = list(db.scalars(select(audit.AuditEntry.action).order_by(audit.AuditEntry.seq)))
        assert actions[:3] == ["dataset.create", "dataset.publish", "file.upload"]
        assert "dataset.withdraw" in actions
        assert audit.verify(db).ok


def test_the_cli_creates_and_validation_errors_name_their_fields(app, site) -> None:
    secret = token_for(app, "p@example.org", "statcan")
    env = {**os.environ, "PATH": f"{CKANAPI_CLI.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(CKANAPI_CLI), "action", "package_create", "-r", site, "-a", secret,
         "name=air-quality", "title=空气质量日报", "owner_org=statcan"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "空气质量日报"

    remote = ckanapi.RemoteCKAN(site, apikey=secret)
    with pytest.raises(ckanapi.ValidationError) as taken:
        remote.action.package_create(name="air-quality", title="重复", owner_org="statcan")
    assert taken.value.error_dict["name"] == ["That URL is already in use."]
    assert taken.value.error_dict["__type"] == "Validation Error"
    with pytest.raises(ckanapi.ValidationError) as bad:
        remote.action.package_create(name="Not A Slug", owner_org="statcan")
    assert "name" in bad.value.error_dict
    with pytest.raises(ckanapi.ValidationError) as unknown:
        remote.action.package_create(name="x-y", owner_org="no-such-org")
    assert unknown.value.error_dict["owner_org"] == ["Organization does not exist"]
    response = remote.session.post(
        f"{site}/api/3/action/resource_create", json={"package_id": "air-quality"},
        headers={"Authorization": secret},
    )  # fmt: skip
    assert response.status_code == 409
    assert response.json()["error"]["url"] == ["Missing value"]


def test_ckanapi_load_datasets_of_real_ckan_records(app, site, shared_reference, tmp_path) -> None:
    """open.canada.ca records: obd_sample_2 names its organization (statcan, here a department
    slug); nrcan-test names none, so they go to the token owner's only department."""
    secret = token_for(app, "p@example.org", "statcan")
    env = {**os.environ, "PATH": f"{CKANAPI_CLI.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    records = shared_reference / "ckan" / "open-canada"
    lines = [
        line
        for name in ("obd_sample_2.jsonl", "nrcan-test.jl")
        for line in (records / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    names = {json.loads(line)["name"] for line in lines}

    def load() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CKANAPI_CLI), "load", "datasets", "-r", site, "-a", secret, "-I", str(dump)],
            capture_output=True, text=True, timeout=300, env=env, check=False,
        )  # fmt: skip

    first = load()
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stderr.count(" create None ") == len(lines)
    with app.extensions["gxdata"].session_factory() as db:
        loaded = db.scalars(select(Dataset).where(Dataset.slug.in_(names))).all()
        assert len(loaded) == len(names)
        assert {d.department.slug for d in loaded} == {"statcan"}
        assert all(d.state == PUBLISHED for d in loaded)
        first_record = json.loads(lines[0])
        same = next(d for d in loaded if d.id == first_record["id"])  # its id kept
        assert len(same.distributions) == len(first_record["resources"])

    again = load()  # package_show finds each, then package_update
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stderr.count(" update None ") == len(lines)
    with app.extensions["gxdata"].session_factory() as db:
        count = db.scalar(select(func.count()).select_from(Dataset).where(Dataset.slug.in_(names)))
        assert count == len(names)


def test_refusals_another_department_read_token_expired_revoked(app, site) -> None:
    mine = token_for(app, "p@example.org", "statcan")
    theirs = ckanapi.RemoteCKAN(site, apikey=token_for(app, "q@example.org", "jiaotong"))
    remote = ckanapi.RemoteCKAN(site, apikey=mine)
    remote.action.package_create(name="mine", title="本局数据", owner_org="statcan")

    with pytest.raises(ckanapi.NotAuthorized):  # another department's dataset
        theirs.action.package_patch(id="mine", title="改掉")
    with pytest.raises(ckanapi.NotAuthorized):
        theirs.action.package_delete(id="mine")
    with pytest.raises(ckanapi.NotAuthorized):  # nor may it create there
        theirs.action.package_create(name="theirs", title="越权", owner_org="statcan")

    reader = ckanapi.RemoteCKAN(site, apikey=token_for(app, "r@example.org", "statcan", READ))
    assert reader.action.package_show(id="mine")["title"] == "本局数据"  # reading is fine
    with pytest.raises(ckanapi.NotAuthorized):
        reader.action.package_patch(id="mine", title="改掉")

    expired = token_for(app, "e@example.org", "statcan")
    revoked = token_for(app, "v@example.org", "statcan")
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        for token in db.scalars(select(tokens.ApiToken)):
            if token.user.email == "e@example.org":
                token.expires_at = utcnow() - timedelta(minutes=1)
            if token.user.email == "v@example.org":
                tokens.revoke_api_token(token)
    for secret in (expired, revoked, "gx_not-a-token"):
        with pytest.raises(ckanapi.NotAuthorized):
            ckanapi.RemoteCKAN(site, apikey=secret).action.package_patch(id="mine", notes="x")
    with pytest.raises(ckanapi.NotAuthorized):  # no token at all
        ckanapi.RemoteCKAN(site).action.package_create(name="anon", owner_org="statcan")
    assert dataset_row(app, "mine").title == "本局数据"


def test_a_session_cookie_opens_no_write_action(app, site) -> None:
    """The API is CSRF-exempt, so it must not trust the browser's cookie."""
    user_id = make_person(app, "p@example.org", PUBLISHER, "statcan")
    client = app.test_client()
    sign_in_client(app, client, user_id)
    response = client.post(
        "/api/3/action/package_create", json={"name": "by-cookie", "owner_org": "statcan"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["__type"] == "Authorization Error"
    assert dataset_row(app, "by-cookie") is None


def test_a_harvested_dataset_is_refused(app, site) -> None:
    secret = token_for(app, "p@example.org", "statcan")
    remote = ckanapi.RemoteCKAN(site, apikey=secret)
    created = remote.action.package_create(name="harvested", title="采集的", owner_org="statcan")
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        source = add_source(db, name="upstream", kind="ckan", url="https://example.org")
        db.add(
            HarvestRecord(
                source_id=source.id, remote_id="r1", dataset_id=created["id"], content_hash="0"
            )
        )
    with pytest.raises(ckanapi.NotAuthorized) as refused:
        remote.action.package_patch(id="harvested", title="改掉")
    assert "source" in str(refused.value)


def test_user_show_and_api_token_list_show_the_tokens_own_account(app, site) -> None:
    secret = token_for(app, "p@example.org", "statcan")
    remote = ckanapi.RemoteCKAN(site, apikey=secret)
    me = remote.action.user_show()
    assert me["email"] == "p@example.org"
    listed = remote.action.api_token_list()
    assert [t["name"] for t in listed] == ["ckanapi"]
    assert all(secret not in json.dumps(t) for t in listed)
    other = make_person(app, "q@example.org")
    with pytest.raises(ckanapi.NotAuthorized):
        remote.action.user_show(id=str(other))


def test_organization_member_create_is_kept_from_tokens(app, site) -> None:
    """An administrator's act: the permission table keeps it from API tokens (a token never
    gave a second factor); ``member`` has no portal role and is refused first."""
    user_id = make_person(app, "admin@example.org", "admin")
    make_person(app, "new@example.org")
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = db.get(User, user_id)
        _, secret = tokens.create_api_token(db, user, "admin", scope=PUBLISH)
    remote = ckanapi.RemoteCKAN(site, apikey=secret)
    with pytest.raises(ckanapi.ValidationError) as member:
        remote.action.organization_member_create(
            id="statcan", username="new@example.org", role="member"
        )
    assert "role" in member.value.error_dict
    with pytest.raises(ckanapi.NotAuthorized):
        remote.action.organization_member_create(
            id="statcan", username="new@example.org", role="editor"
        )
    with app.extensions["gxdata"].session_factory() as db:
        department = db.scalar(select(Department).where(Department.slug == "statcan"))
        user = db.scalar(select(User).where(User.email == "new@example.org"))
        assert not [g for g in user.grants if g.department_id == department.id]

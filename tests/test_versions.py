"""Versions of datasets (catalog/versions, portal/versions): every change to a public dataset's
fields or files makes one, in the same transaction, with what changed; none when nothing did;
the pages show the dataset as it was, its files while the store holds them, and cite the
version; a dataset that is not public has no version pages."""

from __future__ import annotations

import io
import json

import pytest
import test_publishing_pages as pages
from factories import ckan_package, two_departments
from form_tokens import csrf
from signing_in import signed_in, token_for
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from test_chinese_pages import raw_codes

from catalog import versions
from catalog.accounts import users
from catalog.accounts.models import PUBLISHER
from catalog.harvest.models import HarvestRecord
from catalog.models import Dataset, Department
from catalog.permissions import actor_for
from catalog.publishing import acts
from catalog.versions.models import DatasetVersion
from catalog.versions.recording import record_versions

BASE = "http://gxdata.test"
CSV_1 = "站点,水质\n青秀,Ⅱ类\n".encode()
CSV_2 = "站点,水质\n青秀,Ⅱ类\n兴宁,Ⅲ类\n".encode()


def _versions(session: Session, dataset_id: str) -> list[DatasetVersion]:
    session.expire_all()
    stmt = select(DatasetVersion).where(DatasetVersion.dataset_id == dataset_id)
    return list(session.scalars(stmt.order_by(DatasetVersion.number)))


@pytest.fixture
def publisher(session: Session):
    department = Department(slug="water", name="南宁市水利局")
    session.add(department)
    session.flush()
    user, _ = users.create_staff_user(session, email="p@example.org", password=None)
    users.grant_role(session, user, PUBLISHER, department)
    session.commit()
    return actor_for(user), department


@pytest.fixture
def published(session: Session, publisher, services) -> Dataset:
    """A published dataset with one stored CSV file (version 1)."""
    actor, department = publisher
    fields = {"title": "南宁市水质监测", "description": "每月水质。", "keywords": ["水质"]}
    dataset = acts.create_dataset(session, actor, department, fields)
    acts.add_upload(
        session,
        actor,
        dataset,
        services.files,
        stream=io.BytesIO(CSV_1),
        file_name="水质.csv",
        max_bytes=1 << 20,
    )
    session.commit()
    assert _versions(session, dataset.id) == []  # a draft has no version
    acts.publish_dataset(session, actor, dataset)
    session.commit()
    return dataset


def test_publishing_makes_the_first_version_and_an_edit_the_next(session, publisher, published):
    actor, _ = publisher
    [first] = _versions(session, published.id)
    assert first.number == 1 and first.changes == [] and first.origin == "system"
    assert first.snapshot["fields"]["title"] == "南宁市水质监测"
    assert first.snapshot["fields"]["department"] == "南宁市水利局"
    [file] = first.snapshot["files"]
    assert file["title"] == "水质.csv" and file["byte_size"] == len(CSV_1)
    assert file["stored_file"] and file["sha256"] == file["stored_file"]

    versions.set_origin(session, "editor")
    acts.edit_dataset(
        session, actor, published, {"title": "南宁市地表水质监测", "keywords": ["水质", "地表水"]}
    )
    session.commit()
    first, second = _versions(session, published.id)
    assert second.number == 2 and second.origin == "editor"
    assert second.changes == [
        {"kind": "field", "field": "title", "old": "南宁市水质监测", "new": "南宁市地表水质监测"},
        {"kind": "field", "field": "keywords", "old": ["水质"], "new": ["水质", "地表水"]},
    ]
    assert first.snapshot["fields"]["title"] == "南宁市水质监测"  # the old state is kept
    assert versions.latest_number(session, published.id) == 2
    assert versions.version_exists(session, published.id, 2)
    assert not versions.version_exists(session, published.id, 3)


def test_no_version_when_nothing_changed(session, publisher, published):
    actor, _ = publisher
    acts.edit_dataset(session, actor, published, {"title": "南宁市水质监测"})  # the same title
    for distribution in published.distributions:
        distribution.download_count += 5  # a counter is not a change
    session.commit()
    assert [v.number for v in _versions(session, published.id)] == [1]
    assert versions.latest_number(session, "no-such-dataset") is None


def test_a_rolled_back_change_leaves_no_version(session, publisher, published):
    actor, _ = publisher
    acts.edit_dataset(session, actor, published, {"title": "不会保存"})
    session.rollback()
    session.commit()
    assert [v.number for v in _versions(session, published.id)] == [1]


def test_a_replaced_file_is_a_file_change(session, publisher, published, services):
    actor, _ = publisher
    [distribution] = published.distributions
    old_key = distribution.stored_file
    acts.replace_file(
        session,
        actor,
        distribution,
        services.files,
        stream=io.BytesIO(CSV_2),
        file_name="水质.csv",
        max_bytes=1 << 20,
    )
    session.commit()
    second = _versions(session, published.id)[1]
    [change] = second.changes
    assert change["kind"] == "file" and change["change"] == "changed"
    assert change["id"] == distribution.id
    changed = {f["field"]: (f["old"], f["new"]) for f in change["fields"]}
    assert changed["byte_size"] == (len(CSV_1), len(CSV_2))
    assert changed["sha256"][0] == old_key and set(changed) >= {"sha256", "stored_file"}

    acts.remove_distribution(session, actor, distribution)
    session.commit()
    third = _versions(session, published.id)[2]
    assert third.changes == [
        {"kind": "file", "change": "removed", "id": distribution.id, "title": "水质.csv"}
    ]
    assert third.snapshot["files"] == []


def test_version_pages_show_the_dataset_as_it_was(client, session, publisher, published, services):
    actor, _ = publisher
    [distribution] = published.distributions
    old_key = distribution.stored_file
    acts.edit_dataset(session, actor, published, {"description": "每月公布的水质。"})
    session.commit()
    acts.replace_file(
        session,
        actor,
        distribution,
        services.files,
        stream=io.BytesIO(CSV_2),
        file_name="水质.csv",
        max_bytes=1 << 20,
    )
    session.commit()

    listing = client.get(f"/dataset/{published.slug}/versions")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "版本 3" in page and "版本 1" in page
    assert "描述" in page and "修改文件" in page  # the summaries, in Chinese

    old = client.get(f"/dataset/{published.id}/versions/1").get_data(as_text=True)
    assert "每月水质。" in old and "每月公布的水质。" not in old
    assert "这是第一个记录的版本" in old
    link = f"/dataset/{published.id}/versions/1/files/{distribution.id}"
    assert link in old
    download = client.get(link)
    assert download.status_code == 200 and download.data == CSV_1

    second = client.get(f"/dataset/{published.id}/versions/2").get_data(as_text=True)
    assert "<del>每月水质。</del>" in second and "<ins>每月公布的水质。</ins>" in second
    assert 'rel="prev"' in second and 'rel="next"' in second

    services.files.path(old_key).unlink()  # the store no longer holds the old content
    gone = client.get(f"/dataset/{published.id}/versions/1").get_data(as_text=True)
    assert link not in gone and "门户已不再保存" in gone
    assert client.get(link).status_code == 404
    current = client.get(f"/dataset/{published.id}/versions/3").get_data(as_text=True)
    assert f"/dataset/{published.id}/versions/3/files/{distribution.id}" in current
    assert "这是当前版本" in current

    dataset_page = client.get(f"/dataset/{published.slug}").get_data(as_text=True)
    assert f"/dataset/{published.id}/versions/3" in dataset_page
    assert f'/dataset/{published.id}/versions"' in dataset_page
    assert client.get(f"/dataset/{published.id}/versions/4").status_code == 404


def test_versions_json_and_ckan_activity_list(client, session, publisher, published):
    actor, _ = publisher
    acts.edit_dataset(session, actor, published, {"title": "南宁市地表水质监测"})
    session.commit()
    body = client.get(f"/dataset/{published.slug}/versions.json").get_json()
    assert body["dataset"] == published.id
    assert [v["number"] for v in body["versions"]] == [2, 1]
    assert body["versions"][0]["url"] == f"{BASE}/dataset/{published.id}/versions/2"
    assert body["versions"][0]["changes"][0]["new"] == "南宁市地表水质监测"
    one = client.get(f"/dataset/{published.id}/versions/1.json").get_json()
    assert one["snapshot"]["fields"]["title"] == "南宁市水质监测"

    activity = client.get(f"/api/3/action/package_activity_list?id={published.slug}").get_json()
    assert activity["success"]
    kinds = [a["activity_type"] for a in activity["result"]]
    assert kinds == ["changed package", "new package"]
    missing = client.get("/api/3/action/package_activity_list?id=nothing")
    assert missing.status_code == 404


def test_a_hidden_dataset_has_no_version_pages(client, session, publisher, published):
    actor, _ = publisher
    acts.withdraw_dataset(session, actor, published)
    session.commit()
    assert [v.number for v in _versions(session, published.id)] == [1]  # hidden: no version
    for path in (
        "/versions",
        "/versions.json",
        "/versions/1",
        "/versions/1.json",
        "/versions/1/citation.bib",
        f"/versions/1/files/{published.distributions[0].id}",
    ):
        assert client.get(f"/dataset/{published.id}{path}").status_code == 404, path
    activity = client.get(f"/api/3/action/package_activity_list?id={published.id}")
    assert activity.status_code == 404


def test_a_version_is_cited_with_its_number_and_address(client, session, publisher, published):
    actor, _ = publisher
    acts.edit_dataset(session, actor, published, {"title": "南宁市地表水质监测"})
    session.commit()
    url = f"{BASE}/dataset/{published.id}/versions/1"
    bib = client.get(f"/dataset/{published.slug}/versions/1/citation.bib")
    assert bib.status_code == 200 and bib.content_type.startswith("application/x-bibtex")
    text = bib.get_data(as_text=True)
    assert "南宁市水质监测" in text and "地表水" not in text  # the title as it was
    assert "version = {1}" in text.replace("  ", " ") or "{1}" in text
    assert url in text
    plain = client.get(f"/dataset/{published.id}/versions/1/citation.txt").get_data(as_text=True)
    assert "南宁市水利局. 南宁市水质监测[DS/OL]. 版本 1." in plain and f"{url}." in plain
    csl = json.loads(client.get(f"/dataset/{published.id}/versions/2/citation.json").data)
    assert csl[0]["version"] == "2" and csl[0]["URL"].endswith("/versions/2")
    page = client.get(f"/dataset/{published.id}/versions/2").get_data(as_text=True)
    assert "引用此版本" in page and f"{BASE}/dataset/{published.id}/versions/2" in page
    assert f"/dataset/{published.id}/versions/2/citation.ris" in page


def _harvested(session: Session, n: int) -> Dataset:
    stmt = (
        select(Dataset)
        .join(HarvestRecord, HarvestRecord.dataset_id == Dataset.id)
        .where(HarvestRecord.remote_id == ckan_package(n)["id"])
    )
    return session.scalars(stmt).one()


def test_a_harvest_makes_versions_with_what_changed(source_server, new_source, harvest, session):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(n) for n in range(1, 4)]
    new_source("yulin", "ckan", url)
    assert harvest("yulin").status == "succeeded"
    first = _harvested(session, 2)
    [v1] = _versions(session, first.id)
    assert v1.origin == "harvest" and v1.changes == []

    resources = [{"id": "w2", "name": "水质.csv", "url": "https://x.example/2-new.csv"}]
    site.packages[1] = ckan_package(
        2,
        title="玉林市水质监测数据（修订）",
        resources=resources,
        metadata_modified="2099-01-01T00:00:00",
    )
    assert harvest("yulin", full=True).counts["updated"] == 1
    v1, v2 = _versions(session, first.id)
    assert v2.origin == "harvest"
    fields = {c["field"]: (c["old"], c["new"]) for c in v2.changes if c["kind"] == "field"}
    assert fields["title"] == ("玉林市水质监测数据（第2期）", "玉林市水质监测数据（修订）")
    files = [c for c in v2.changes if c["kind"] == "file"]
    assert files, v2.changes  # the link changed: a new file replaced the old one
    for n in (1, 3):  # unchanged at the source: no new version
        assert len(_versions(session, _harvested(session, n).id)) == 1


def test_many_datasets_in_one_commit_cost_a_few_statements(app, services, session, published):
    """A harvest of 1,100 datasets commits them at once: their versions are a few queries per
    500 datasets and one INSERT, not a query per dataset."""
    ids = [f"d-{n:05d}" for n in range(1100)]
    session.execute(
        Dataset.__table__.insert(),
        [
            {
                "id": i,
                "slug": i,
                "title": i,
                "description": "",
                "keywords": [],
                "extras": {},
                "state": "published",
                "open_type": "unconditional",
                "is_e_licence": False,
                "is_sample": False,
            }
            for i in ids
        ],
    )
    session.commit()
    statements: list[str] = []
    engine = services.engine

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session.begin():
            written = record_versions(session.connection(), ids, "harvest")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert written == 1100
    assert len(statements) <= 10, statements[:3]
    assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 1101


def test_a_conditional_datasets_versions_withhold_its_file_links(
    client, session, publisher, published
):
    actor, _ = publisher
    acts.edit_dataset(session, actor, published, {"open_type": "conditional"})
    session.commit()
    [distribution] = published.distributions
    distribution.download_url = "https://internal.example/secret.csv"
    session.commit()
    third = _versions(session, published.id)[2]
    assert third.changes[0]["fields"][0]["field"] == "download_url"  # stored in full
    page = client.get(f"/dataset/{published.id}/versions/3").get_data(as_text=True)
    assert "internal.example" not in page and "修改文件" in page
    assert f"/versions/3/files/{distribution.id}" not in page
    assert "本数据集的文件不向所有人开放" in page
    body = client.get(f"/dataset/{published.id}/versions/3.json").get_data(as_text=True)
    assert "internal.example" not in body and "stored_file" not in body
    listing = client.get(f"/dataset/{published.id}/versions.json").get_data(as_text=True)
    assert "internal.example" not in listing
    assert (
        client.get(f"/dataset/{published.id}/versions/1/files/{distribution.id}").status_code == 403
    )


def test_a_change_through_the_rest_api_is_an_api_version(app, client, session):
    two_departments(app)
    auth = {"Authorization": f"Bearer {token_for(app, 'api@example.org', 'statcan')}"}
    created = client.post("/api/v1/datasets", json={"title": "南宁市公交站点"}, headers=auth)
    assert created.status_code == 201, created.get_data(as_text=True)
    dataset_id = created.get_json()["id"]
    assert client.post(f"/api/v1/datasets/{dataset_id}/publish", headers=auth).status_code < 300
    patched = client.patch(
        f"/api/v1/datasets/{dataset_id}", json={"description": "全市站点"}, headers=auth
    )
    assert patched.status_code == 200, patched.get_data(as_text=True)
    first, second = _versions(session, dataset_id)
    assert first.origin == second.origin == "api"
    assert second.changes == [
        {"kind": "field", "field": "description", "old": "", "new": "全市站点"}
    ]


def test_the_editor_pages_make_editor_versions_and_a_resave_makes_none(app, client, session):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.add(Department(slug="jtt", name="广西壮族自治区交通运输厅"))
    signed_in(app, client, "publisher@jtt.example.org", PUBLISHER, "jtt")
    department_id = session.scalar(select(Department.id).where(Department.slug == "jtt"))
    dataset_id = pages._dataset_id(pages._create(client, department_id, then="publish"))
    [first] = _versions(session, dataset_id)
    assert first.origin == "editor" and first.snapshot["fields"]["record_count"] == 1200

    def save(**overrides: str) -> None:
        page = client.get(f"/workspace/{dataset_id}")
        data = {"csrf_token": csrf(page.text), "then": "draft"}
        data |= pages._fields(department_id, **overrides)
        assert client.post(f"/workspace/{dataset_id}", data=data).status_code == 302

    save()  # the same values again
    assert len(_versions(session, dataset_id)) == 1
    save(title="南宁市公交线路和站点")
    second = _versions(session, dataset_id)[1]
    assert second.origin == "editor"
    assert second.changes == [
        {"kind": "field", "field": "title", "old": "南宁市公交线路", "new": "南宁市公交线路和站点"}
    ]


def test_the_cli_records_the_first_version_of_unversioned_datasets(runner, session, published):
    ids = ["old-1", "old-2"]
    session.execute(
        Dataset.__table__.insert(),
        [
            {"id": i, "slug": i, "title": i, "description": "", "keywords": [], "extras": {},
             "state": "published", "open_type": "unconditional", "is_e_licence": False,
             "is_sample": False}
            for i in ids
        ],
    )  # fmt: skip
    session.commit()  # inserted without the ORM: as if before versions existed
    assert _versions(session, "old-1") == []
    result = runner.invoke(args=["versions", "record"])
    assert result.exit_code == 0 and "2 datasets" in result.output, result.output
    [first] = _versions(session, "old-1")
    assert first.origin == "cli" and first.changes == []
    assert len(_versions(session, published.id)) == 1  # it had one already
    again = runner.invoke(args=["versions", "record"])
    assert "0 datasets" in again.output


def test_the_demo_version_pages_show_no_raw_codes(demo_client):
    """Loading the demo published every dataset: each has its first version, in Chinese."""
    listed = demo_client.get("/api/v1/datasets?q=气象&limit=1").get_json()["results"][0]["id"]
    for path in ("", "/versions", "/versions/1"):
        page = demo_client.get(f"/dataset/{listed}{path}")
        assert page.status_code == 200, path
        assert raw_codes(page.get_data(as_text=True)) == [], path


def test_a_version_page_negotiates_its_citation(client, session, published):
    path = f"/dataset/{published.id}/versions/1"
    bib = client.get(path, headers={"Accept": "application/x-bibtex"})
    assert bib.status_code == 200 and bib.content_type.startswith("application/x-bibtex")
    assert f"{BASE}{path}" in bib.get_data(as_text=True)
    csl = client.get(path, headers={"Accept": "application/vnd.citationstyles.csl+json"})
    assert json.loads(csl.data)[0]["version"] == "1"
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.content_type.startswith("text/html") and "Accept" in page.headers["Vary"]
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 406


def test_stated_conditions_are_shown_as_the_dataset_page_shows_them(client, session, publisher):
    actor, department = publisher
    stated = {"materials": ["营业执照"], "permitted_uses": ["信贷审批"], "period_days": 180}
    fields = {"title": "企业信用评价", "open_type": "conditional", "conditions": stated}
    dataset = acts.create_dataset(session, actor, department, fields)
    acts.publish_dataset(session, actor, dataset)
    session.commit()
    acts.edit_dataset(session, actor, dataset, {"conditions": {**stated, "period_days": 90}})
    session.commit()
    page = client.get(f"/dataset/{dataset.id}/versions/2").get_data(as_text=True)
    assert 'class="conditions-list"' in page and "营业执照" in page
    assert "period_days" not in page and raw_codes(page) == []


def test_files_stored_while_conditional_stay_withheld_after_the_dataset_opens(
    client, session, publisher, published, services
):
    """Review fix: a version's files are judged by the version's own open type, not today's."""
    actor, _ = publisher
    [distribution] = published.distributions
    acts.edit_dataset(session, actor, published, {"open_type": "conditional"})  # version 2
    session.commit()
    acts.replace_file(  # version 3: a raw copy stored while conditional
        session,
        actor,
        distribution,
        services.files,
        stream=io.BytesIO(CSV_2),
        file_name="水质.csv",
        max_bytes=1 << 20,
    )
    session.commit()
    distribution.download_url = "https://internal.example/secret.csv"  # version 4
    session.commit()
    acts.edit_dataset(session, actor, published, {"open_type": "unconditional"})  # version 5
    session.commit()
    assert [v.number for v in _versions(session, published.id)] == [1, 2, 3, 4, 5]
    for number in (2, 3, 4):
        link = f"/dataset/{published.id}/versions/{number}/files/{distribution.id}"
        assert client.get(link).status_code == 403, number
        page = client.get(f"/dataset/{published.id}/versions/{number}").get_data(as_text=True)
        assert link not in page and "internal.example" not in page
        body = client.get(f"/dataset/{published.id}/versions/{number}.json").get_data(as_text=True)
        assert "internal.example" not in body and "stored_file" not in body
    # version 5 opened the dataset: its diff's old values are the conditional ones
    body = client.get(f"/dataset/{published.id}/versions/5.json").get_data(as_text=True)
    assert "stored_file" in body  # the snapshot of an open version is whole
    listing = client.get(f"/dataset/{published.id}/versions.json").get_data(as_text=True)
    assert "internal.example" not in listing
    activity = client.get(f"/api/3/action/package_activity_list?id={published.id}")
    assert "internal.example" not in activity.get_data(as_text=True)
    ok = client.get(f"/dataset/{published.id}/versions/5/files/{distribution.id}")
    assert ok.status_code == 200
    one = client.get(f"/dataset/{published.id}/versions/1/files/{distribution.id}")
    assert one.status_code == 200 and one.data == CSV_1  # stored while unconditional


def test_a_version_without_a_known_open_type_fails_closed(session, published):
    from catalog.access import version_files_open

    assert version_files_open(published, {"fields": {"open_type": "unconditional"}})
    for snapshot in ({}, {"fields": {}}, {"fields": {"open_type": "odd"}}, None, []):
        assert not version_files_open(published, snapshot)


def test_a_huge_version_number_is_not_found(client, published):
    for path in (
        "/versions/99999999999999999999",
        "/versions/99999999999999999999.json",
        "/versions/99999999999999999999/citation.bib",
        f"/versions/99999999999999999999/files/{published.distributions[0].id}",
    ):
        assert client.get(f"/dataset/{published.id}{path}").status_code == 404, path


def test_the_version_list_is_paged_and_the_activity_list_pages_in_sql(
    client, session, publisher, published, monkeypatch
):
    from catalog.versions import queries

    actor, _ = publisher
    monkeypatch.setattr(queries, "PER_PAGE", 2)
    monkeypatch.setattr("portal.versions.views.PER_PAGE", 2)
    for n in range(4):
        acts.edit_dataset(session, actor, published, {"description": f"第{n}版。"})
        session.commit()
    first = client.get(f"/dataset/{published.id}/versions").get_data(as_text=True)
    assert 'id="version-5"' in first and 'id="version-3"' not in first
    assert "page=2" in first
    third = client.get(f"/dataset/{published.id}/versions?page=3").get_data(as_text=True)
    assert 'id="version-1"' in third and 'id="version-2"' not in third
    body = client.get(f"/dataset/{published.id}/versions.json?page=2").get_json()
    assert [v["number"] for v in body["versions"]] == [3, 2] and body["count"] == 5

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        activity = client.get(
            f"/api/3/action/package_activity_list?id={published.id}&offset=1&limit=2"
        ).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [a["data"]["number"] for a in activity["result"]] == [4, 3]
    assert any("OFFSET" in s.upper() for s in statements if "dataset_version" in s)

"""The publishing pages: 我的数据, the editor with every field, files, publication, review,
withdrawal, and the refusals (another department, a mislabelled file, no CSRF token)."""

from __future__ import annotations

import io
import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from form_tokens import csrf
from signing_in import make_person, sign_in_client, signed_in
from sqlalchemy import select

from catalog import audit
from catalog.accounts.models import PUBLISHER, REVIEWER, User
from catalog.harvest.models import HarvestRecord
from catalog.harvest.sources import add_source
from catalog.models import Dataset, Department
from catalog.permissions import actor_for
from catalog.publishing import acts

SCRIPT = "<script>alert(1)</script>"
TEXT_FIELDS = (
    "title", "description", "topic", "industry", "access_conditions", "service_item",
    "result_name", "source_system", "application_scenarios", "version", "identifier",
    "contact_name", "contact_phone",
)  # fmt: skip


@pytest.fixture
def departments(app: Flask) -> dict[str, int]:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        mine = Department(slug="jtt", name="广西壮族自治区交通运输厅")
        other = Department(slug="tjj", name="广西壮族自治区统计局")
        db.add_all([mine, other])
        db.flush()
        return {"jtt": mine.id, "tjj": other.id}


@pytest.fixture
def publisher(app: Flask, client: FlaskClient, departments: dict[str, int]) -> FlaskClient:
    signed_in(app, client, "publisher@jtt.example.org", PUBLISHER, "jtt")
    return client


def _fields(department_id: int, **overrides: Any) -> dict[str, Any]:
    """Every field of the editor filled, as a person would."""
    fields = {
        "title": "南宁市公交线路",
        "description": "南宁市公交线路与站点。",
        "department": str(department_id),
        "keywords": "公交，线路",
        "category": "transport",
        "topic": "出行",
        "industry": "交通运输、仓储和邮政业",
        "open_type": "unconditional",
        "access_conditions": "",
        "share_type": "unconditional",
        "sensitivity": "public",
        "licence": "CC-BY-4.0",
        "service_item": "公交线路查询",
        "result_name": "线路表",
        "is_e_licence": "y",
        "source_system": "公交调度系统",
        "application_scenarios": "出行规划",
        "delivery_channel": "download",
        "record_count": "1200",
        "update_frequency": "monthly",
        "spatial": "450100",
        "temporal_start": "2025-01-01",
        "temporal_end": "2025-12-31",
        "issued": "2026-01-05",
        "modified": "2026-02-01",
        "version": "1.0",
        "identifier": "gx-jtt-bus-001",
        "landing_page": "https://jtt.gxzf.gov.cn/bus",
        "contact_name": "信息中心",
        "contact_phone": "0771-2222222",
        "contact_email": "info@jtt.gxzf.gov.cn",
        "extras": "数据来源 = 公交集团",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def _create(client: FlaskClient, department_id: int, then: str = "draft", **overrides: Any):
    page = client.get("/workspace/new")
    assert page.status_code == 200
    data = {"csrf_token": csrf(page.text), "then": then, **_fields(department_id, **overrides)}
    return client.post("/workspace/new", data=data)


def _dataset_id(response) -> str:
    assert response.status_code == 302, response.text
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client: FlaskClient, dataset_id: str, content: bytes, name: str, **extra: str):
    page = client.get(f"/workspace/{dataset_id}")
    data = {"csrf_token": csrf(page.text), "file": (io.BytesIO(content), name), **extra}
    return client.post(
        f"/workspace/{dataset_id}/files", data=data, content_type="multipart/form-data"
    )


def _act(client: FlaskClient, dataset_id: str, act: str, **extra: str):
    page = client.get(f"/workspace/{dataset_id}")
    return client.post(
        f"/workspace/{dataset_id}/{act}", data={"csrf_token": csrf(page.text), **extra}
    )


def _found(client: FlaskClient, text: str) -> bool:
    page = client.get("/dataset", query_string={"q": text})
    assert page.status_code == 200
    return "/dataset/" in page.text and text in page.text


def _stored(app: Flask, dataset_id: str) -> Dataset:
    with app.extensions["gxdata"].session_factory() as db:
        dataset = db.get(Dataset, dataset_id)
        assert dataset is not None
        db.expunge(dataset)
        return dataset


def test_a_publisher_publishes_with_an_xlsx_edits_and_withdraws(app, publisher, departments):
    client = publisher
    home = client.get("/")
    assert "我的数据" in home.text and 'href="/workspace"' in home.text
    dataset_id = _dataset_id(_create(client, departments["jtt"]))
    draft = _stored(app, dataset_id)
    assert draft.state == "draft" and draft.spatial == "450100" and draft.record_count == 1200
    assert (
        draft.keywords == ["公交", "线路"] and draft.is_e_licence and draft.licence == "CC-BY-4.0"
    )
    assert draft.extras == {"数据来源": "公交集团"} and str(draft.temporal_end) == "2025-12-31"
    assert client.get(f"/dataset/{draft.slug}").status_code == 404  # a draft is not public
    assert not _found(client, "南宁市公交线路")
    workspace = client.get("/workspace")
    assert "南宁市公交线路" in workspace.text and "草稿" in workspace.text

    uploaded = _upload(
        client, dataset_id, _xlsx([["线路", "站点数"], ["1路", 28]]), "公交线路表.xlsx"
    )
    assert uploaded.status_code == 302
    editor = client.get(f"/workspace/{dataset_id}")
    assert "公交线路表.xlsx" in editor.text
    assert _act(client, dataset_id, "publish").status_code == 302
    assert _stored(app, dataset_id).state == "published"
    assert _found(client, "南宁市公交线路")
    public = client.get(f"/dataset/{draft.slug}")
    assert public.status_code == 200 and "公交线路表.xlsx" in public.text
    resource = re.search(rf'href="(/dataset/{draft.slug}/resource/[^"/.]+)"', public.text)
    assert resource, public.text
    preview = client.get(resource.group(1))
    assert preview.status_code == 200 and "1路" in preview.text and "站点数" in preview.text

    page = client.get(f"/workspace/{dataset_id}")
    assert 'value="南宁市公交线路"' in page.text  # the editor shows the stored values
    data = {"csrf_token": csrf(page.text), "then": "draft"}
    data |= _fields(departments["jtt"], title="南宁市公交线路和站点")
    assert client.post(f"/workspace/{dataset_id}", data=data).status_code == 302
    assert _found(client, "南宁市公交线路和站点")
    assert _stored(app, dataset_id).state == "published"

    assert _act(client, dataset_id, "withdraw").status_code == 302
    assert _stored(app, dataset_id).state == "withdrawn"
    assert not _found(client, "南宁市公交线路和站点")
    assert client.get(f"/dataset/{draft.slug}").status_code == 404
    assert "已撤回" in client.get("/workspace").text
    with app.extensions["gxdata"].session_factory() as db:
        actions = db.scalars(select(audit.AuditEntry.action).order_by(audit.AuditEntry.seq))
        assert list(actions) == [
            "dataset.create", "file.upload", "dataset.publish", "dataset.edit", "dataset.withdraw",
        ]  # fmt: skip
        assert audit.verify(db).ok


def test_another_departments_dataset_is_refused_by_every_page(app, client, departments):
    other = make_person(app, "staff@tjj.example.org", PUBLISHER, "tjj")
    sign_in_client(app, client, other)
    dataset_id = _dataset_id(_create(client, departments["tjj"], title="统计公报"))
    signed_in(app, client, "publisher@jtt.example.org", PUBLISHER, "jtt")
    token = csrf(client.get("/workspace/new").text)
    assert client.get(f"/workspace/{dataset_id}").status_code == 403
    edit = {"csrf_token": token, "then": "draft", **_fields(departments["jtt"], title="改")}
    assert client.post(f"/workspace/{dataset_id}", data=edit).status_code == 403
    for act in ("publish", "withdraw", "links"):
        assert (
            client.post(f"/workspace/{dataset_id}/{act}", data={"csrf_token": token}).status_code
            == 403
        )
    upload = {"csrf_token": token, "file": (io.BytesIO(_xlsx([["a"]])), "a.xlsx")}
    assert client.post(f"/workspace/{dataset_id}/files", data=upload).status_code == 403
    # nor may a dataset be made for the other department from one's own form
    made = client.post("/workspace/new", data={"csrf_token": token, **_fields(departments["tjj"])})
    assert made.status_code == 200 and "请选择您所在的部门" in made.text
    assert "统计公报" not in client.get("/workspace").text
    assert _stored(app, dataset_id).title == "统计公报"


def test_nobody_and_people_without_a_department_role_get_no_workspace(app, client, departments):
    refused = client.get("/workspace")
    assert refused.status_code == 302 and "/account/sign-in" in refused.location
    assert client.post("/workspace/new").status_code in (302, 400)  # no CSRF token either
    assert "我的数据" not in client.get("/").text
    signed_in(app, client, "reader@example.org")
    assert client.get("/workspace").status_code == 403
    assert client.get("/workspace/new").status_code == 403
    assert "我的数据" not in client.get("/").text


def test_a_file_whose_content_is_not_its_name_is_refused_in_chinese(app, publisher, departments):
    dataset_id = _dataset_id(_create(publisher, departments["jtt"]))
    refused = _upload(publisher, dataset_id, "线路,站点\n1路,28\n".encode(), "线路.xlsx")
    assert refused.status_code == 422
    assert "文件的内容与其名称所示的类型不符" in refused.text
    with app.extensions["gxdata"].session_factory() as db:
        assert db.get(Dataset, dataset_id).distributions == []


def test_an_upload_over_the_limit_is_refused(app, publisher, departments):
    dataset_id = _dataset_id(_create(publisher, departments["jtt"]))
    app.config["MAX_UPLOAD_BYTES"] = 2000
    big = _xlsx([["x" * 50] for _ in range(200)])
    assert len(big) > 2000
    refused = _upload(publisher, dataset_id, big, "大表.xlsx")
    assert refused.status_code == 422 and "文件大于" in refused.text
    huge = _upload(publisher, dataset_id, b"0" * (200 * 1024), "巨表.csv")
    assert huge.status_code == 413  # refused from its length, before the body is read
    with app.extensions["gxdata"].session_factory() as db:
        assert db.get(Dataset, dataset_id).distributions == []


def test_links_are_added_edited_and_removed(app, publisher, departments):
    dataset_id = _dataset_id(_create(publisher, departments["jtt"]))
    page = publisher.get(f"/workspace/{dataset_id}")
    bad = {"csrf_token": csrf(page.text), "title": "接口", "download_url": "ftp://x"}
    refused = publisher.post(f"/workspace/{dataset_id}/links", data=bad)
    assert (
        refused.status_code == 422 and "http://" in refused.text and 'value="接口"' in refused.text
    )
    good = bad | {"download_url": "https://jtt.gxzf.gov.cn/files/bus.csv"}
    assert publisher.post(f"/workspace/{dataset_id}/links", data=good).status_code == 302
    ((file_id, _),) = _distributions(app, dataset_id)
    form = publisher.get(f"/workspace/{dataset_id}/files/{file_id}")
    assert form.status_code == 200 and "bus.csv" in form.text
    edit = {"csrf_token": csrf(form.text), "title": "公交线路 CSV",
            "download_url": "https://jtt.gxzf.gov.cn/files/bus.csv"}  # fmt: skip
    assert publisher.post(f"/workspace/{dataset_id}/files/{file_id}", data=edit).status_code == 302
    assert _distributions(app, dataset_id) == [(file_id, "公交线路 CSV")]
    removed = publisher.post(
        f"/workspace/{dataset_id}/files/{file_id}/remove", data={"csrf_token": csrf(form.text)}
    )
    assert removed.status_code == 302 and _distributions(app, dataset_id) == []


def _distributions(app: Flask, dataset_id: str) -> list[tuple[str, str]]:
    with app.extensions["gxdata"].session_factory() as db:
        found = db.get(Dataset, dataset_id)
        return [(d.id, d.title) for d in found.distributions]


def test_errors_are_chinese_per_field_and_keep_what_was_typed(app, publisher, departments):
    response = _create(
        publisher, departments["jtt"], title="", temporal_start="2025-13-40",
        contact_email="不是邮箱", record_count="很多", open_type="conditional",
        description="保留我写的说明",
    )  # fmt: skip
    assert response.status_code == 200
    text = response.text
    assert "请按 YYYY-MM-DD 填写日期" in text and "这不是电子邮件地址" in text
    assert "请填写整数" in text and "保留我写的说明" in text and 'value="很多"' in text
    assert 'value="conditional" selected' in text
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalar(select(Dataset.id)) is None
    missing_title = _create(publisher, departments["jtt"], title="  ")
    assert "请填写标题" in missing_title.text
    conditional = _create(publisher, departments["jtt"], open_type="conditional")
    assert "有条件开放的数据需写明开放条件" in conditional.text
    for field in ("category", "open_type", "spatial", "licence"):
        unknown = _create(publisher, departments["jtt"], **{field: "no-such-value"})
        assert unknown.status_code == 200 and "请从列表中选择" in unknown.text, field
    assert "请从列表中选择" in _create(publisher, departments["jtt"], open_type="").text


def test_a_script_in_every_text_field_is_shown_inert(app, publisher, departments):
    overrides = {name: f"{name}{SCRIPT}" for name in TEXT_FIELDS}
    overrides["keywords"] = f"词{SCRIPT}"
    overrides["extras"] = f"名 = {SCRIPT}"
    dataset_id = _dataset_id(_create(publisher, departments["jtt"], then="publish", **overrides))
    _upload(publisher, dataset_id, _xlsx([[SCRIPT]]), f"表{SCRIPT}.xlsx")
    dataset = _stored(app, dataset_id)
    assert dataset.state == "published" and dataset.title == f"title{SCRIPT}"
    pages = [
        publisher.get(f"/dataset/{dataset.slug}"),
        publisher.get("/workspace"),
        publisher.get(f"/workspace/{dataset_id}"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert SCRIPT not in page.text and "&lt;script&gt;" in page.text


def test_a_post_without_its_csrf_token_is_refused(app, publisher, departments):
    data = _fields(departments["jtt"])
    assert publisher.post("/workspace/new", data=data).status_code == 400
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalar(select(Dataset.id)) is None
    dataset_id = _dataset_id(_create(publisher, departments["jtt"]))
    assert publisher.post(f"/workspace/{dataset_id}/publish").status_code == 400
    assert publisher.post(f"/workspace/{dataset_id}", data=data).status_code == 400
    assert _stored(app, dataset_id).state == "draft"


def test_review_sends_to_pending_and_a_reviewer_returns_then_approves(app, client, departments):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.get(Department, departments["jtt"]).requires_review = True
    publisher_id = make_person(app, "publisher@jtt.example.org", PUBLISHER, "jtt")
    reviewer_id = make_person(app, "reviewer@jtt.example.org", REVIEWER, "jtt")
    sign_in_client(app, client, publisher_id)
    dataset_id = _dataset_id(_create(client, departments["jtt"], then="publish"))
    dataset = _stored(app, dataset_id)
    assert dataset.state == "pending" and "待审核" in client.get("/workspace").text
    assert client.get(f"/dataset/{dataset.slug}").status_code == 404
    assert client.get("/workspace/review").status_code == 403
    assert _act(client, dataset_id, "review", decision="approve").status_code == 403

    reviewer = app.test_client()
    sign_in_client(app, reviewer, reviewer_id)
    queue = reviewer.get("/workspace/review")
    assert queue.status_code == 200 and "南宁市公交线路" in queue.text
    returned = reviewer.post(
        f"/workspace/{dataset_id}/review",
        data={"csrf_token": csrf(queue.text), "decision": "return", "reason": "请补充联系人"},
    )
    assert returned.status_code == 302 and _stored(app, dataset_id).state == "draft"
    told = _mails_to(app, "publisher@jtt.example.org")
    assert len(told) == 1 and "请补充联系人" in told[0]  # the reason reaches the publisher
    assert _act(client, dataset_id, "publish").status_code == 302
    queue = reviewer.get("/workspace/review")
    approved = reviewer.post(
        f"/workspace/{dataset_id}/review",
        data={"csrf_token": csrf(queue.text), "decision": "approve"},
    )
    assert approved.status_code == 302 and _stored(app, dataset_id).state == "published"
    assert len(_mails_to(app, "publisher@jtt.example.org")) == 2
    assert client.get(f"/dataset/{dataset.slug}").status_code == 200
    with app.extensions["gxdata"].session_factory() as db:
        rows = db.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)).all()
        assert [r.action for r in rows][-4:] == [
            "dataset.submit", "dataset.return", "dataset.submit", "dataset.approve",
        ]  # fmt: skip


def _mails_to(app, address: str) -> list[str]:
    """The bodies of the mails written for ``address`` (instance/mail/), oldest first."""
    found = []
    for path in sorted((Path(app.instance_path) / "mail").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=default)
        if message["To"] == address:
            found.append(message.get_body().get_content())
    return found


def test_a_harvested_dataset_is_read_only_and_names_its_source(app, publisher, departments):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        source = add_source(
            db, name="南宁市开放平台", kind="ckan", url="https://data.nanning.example"
        )
        user = db.get(User, make_person(app, "publisher@jtt.example.org"))
        dataset = acts.create_dataset(
            db, actor_for(user), db.get(Department, departments["jtt"]), {"title": "采集的数据"}
        )
        db.add(
            HarvestRecord(
                source=source, remote_id="r1", dataset_id=dataset.id, content_hash="0" * 64
            )
        )
        dataset_id = dataset.id
    page = publisher.get(f"/workspace/{dataset_id}")
    assert page.status_code == 200 and "南宁市开放平台" in page.text and "只读" in page.text
    assert "<form" not in page.text.split("<main", 1)[1]
    refused = publisher.post(
        f"/workspace/{dataset_id}/publish",
        data={"csrf_token": csrf(publisher.get("/workspace/new").text)},
    )
    assert refused.status_code == 302
    assert _stored(app, dataset_id).state == "draft"


def test_drafts_and_pending_datasets_are_in_no_public_output(app, publisher, departments):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.get(Department, departments["tjj"]).requires_review = True
    draft_id = _dataset_id(_create(publisher, departments["jtt"], title="草稿中的线路"))
    user_id = make_person(app, "publisher@jtt.example.org", PUBLISHER, "tjj")
    sign_in_client(app, publisher, user_id)  # a new role ends the person's sessions
    pending_id = _dataset_id(
        _create(publisher, departments["tjj"], then="publish", title="待审的统计")
    )
    assert _stored(app, pending_id).state == "pending"
    anonymous = app.test_client()
    for dataset_id, title in ((draft_id, "草稿中的线路"), (pending_id, "待审的统计")):
        slug = _stored(app, dataset_id).slug
        for path in (
            f"/dataset/{slug}", f"/dataset/{dataset_id}.ttl", f"/api/v1/datasets/{dataset_id}",
        ):  # fmt: skip
            assert anonymous.get(path).status_code == 404, path
        shown = anonymous.get("/api/3/action/package_show", query_string={"id": dataset_id})
        assert shown.get_json(force=True)["success"] is False
        for path in ("/dataset", "/api/v1/datasets", "/catalog.ttl", "/feeds/datasets.atom"):
            found = anonymous.get(path, query_string={"q": title[1:4]})  # the box echoes q
            assert found.status_code == 200 and title not in found.text, path
        assert title in publisher.get("/workspace").text


def test_a_publisher_acts_for_the_departments_below_theirs(app, client, departments):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        below = Department(slug="nn-jtj", name="南宁市交通运输局", parent_id=departments["jtt"])
        db.add(below)
        db.flush()
        below_id = below.id
    signed_in(app, client, "publisher@jtt.example.org", PUBLISHER, "jtt")
    form = client.get("/workspace/new").text
    assert "南宁市交通运输局" in form and "广西壮族自治区统计局" not in form
    dataset_id = _dataset_id(_create(client, below_id, title="南宁市出租车运价"))
    assert "南宁市出租车运价" in client.get("/workspace").text
    assert client.get(f"/workspace/{dataset_id}").status_code == 200
    below_only = app.test_client()
    signed_in(app, below_only, "staff@nn-jtj.example.org", PUBLISHER, "nn-jtj")
    assert below_only.get(f"/workspace/{dataset_id}").status_code == 200
    mine = _dataset_id(_create(client, departments["jtt"], title="自治区级数据"))
    assert below_only.get(f"/workspace/{mine}").status_code == 403  # never upwards
    assert "自治区级数据" not in below_only.get("/workspace").text

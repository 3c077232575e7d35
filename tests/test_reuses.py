"""Reuses and competitions (catalog/reuses, portal/reuses): a signed-in person registers a
reuse of public datasets with an image; it is not public until an administrator approves it
(a rejected one never is); a hidden dataset cannot be named; bad images are refused in
Chinese; the reuse page states the sources from the catalog and carries JSON-LD; the DCAT
output and the SPARQL store link only approved reuses; the dataset page counts them."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from form_tokens import csrf
from PIL import Image
from rdflib import Graph, URIRef
from signing_in import make_person, sign_in_client
from sqlalchemy import select

from catalog.accounts.models import ADMIN, User
from catalog.audit import Origin
from catalog.changes import Change
from catalog.models import Dataset
from catalog.permissions import ANONYMOUS, actor_for, can, system_actor
from catalog.reuses import images, service
from catalog.reuses.models import APPROVED, PENDING, REJECTED, Reuse
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import create_department
from vocab.namespaces import DCT

BASE = "http://gxdata.test"


@dataclass
class World:
    app: Flask
    buses: str  # dataset ids
    air: str
    draft: str
    closed: str
    owner: int
    admin: int


@pytest.fixture
def world(app: Flask) -> World:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        transport = create_department(db, "南宁市交通运输局", name_en="Nanning Transport Bureau")
        ecology = create_department(db, "广西壮族自治区生态环境厅")
        made = {}
        for key, title, department, fields in (
            ("buses", "南宁市公交车站点信息", transport,
             {"contact_name": "信息科", "contact_phone": "0771-5551234",
              "contact_email": "xxk@nnjt.gov.cn", "version": "3"}),
            ("air", "广西空气质量日报", ecology, {"contact_name": "监测处"}),
            ("draft", "尚未发布的数据集", transport, {}),
            ("closed", "不予开放的数据集", transport, {"open_type": "closed"}),
        ):  # fmt: skip
            dataset = create_dataset(db, title=title, department=department, **fields)
            if key != "draft":
                publish_dataset(db, dataset)
            made[key] = dataset.id
    with app.extensions["gxdata"].session_factory() as db, db.begin():  # makes version 2
        db.get(Dataset, made["buses"]).description = "每日更新的公交车站点。"
    owner = make_person(app, "team@example.com")
    admin = make_person(app, "admin@example.com", ADMIN)
    return World(app, made["buses"], made["air"], made["draft"], made["closed"], owner, admin)


def png(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode != "1" else 0).save(out, format="PNG")
    return out.getvalue()


def _register_page(client: FlaskClient, data: dict, image: bytes | None = None):
    page = client.get("/reuses/new")
    assert page.status_code == 200
    form = {"csrf_token": csrf(page.text), "action": "register", **data}
    if image is not None:
        form["image"] = (io.BytesIO(image), "screenshot.png")
    return client.post("/reuses/new", data=form, content_type="multipart/form-data")


def _entry(world: World, **changes) -> dict:
    return {
        "kind": "application",
        "title": "南宁公交到站提醒",
        "team": "邕城数据队",
        "description": "用公交站点数据做的到站提醒小程序。",
        "url": "https://example.com/bus",
        "dataset": [world.buses, "guang-xi-kong-qi-zhi-liang-ri-bao"],
        "version": ["2", ""],
        **changes,
    }


def _reuses(app: Flask) -> list[Reuse]:
    with app.extensions["gxdata"].session_factory() as db:
        found = list(db.scalars(select(Reuse).order_by(Reuse.id)))
        for reuse in found:
            db.expunge(reuse)
        return found


def _approve(app: Flask, reuse_id: int, approve: bool = True, reason: str = "") -> None:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        service.decide(db, system_actor(), Origin(), reuse_id, approve, reason)


def test_permissions_rows():
    assert not can(None, ANONYMOUS, "reuse.register")
    assert can(None, system_actor(), "reuses.manage")


def test_register_approve_and_visibility(client: FlaskClient, world: World):
    assert client.get("/reuses/new").status_code == 302  # sign in first
    sign_in_client(world.app, client, world.owner)
    made = _register_page(client, _entry(world), png())
    assert made.status_code == 303, made.text
    [reuse] = _reuses(world.app)
    assert reuse.state == PENDING and reuse.image_type == "image/png" and reuse.image
    mine = client.get("/account/reuses").text
    assert "南宁公交到站提醒" in mine and "等待审核" in mine
    assert client.get(f"/reuses/{reuse.slug}").status_code == 200  # its owner sees it

    anonymous = world.app.test_client()
    for path in (f"/reuses/{reuse.slug}", f"/reuses/{reuse.slug}.jsonld",
                 f"/reuses/{reuse.slug}/image"):  # fmt: skip
        assert anonymous.get(path).status_code == 404, path
    assert "南宁公交到站提醒" not in anonymous.get("/reuses").text
    assert "南宁公交到站提醒" not in anonymous.get(f"/dataset/{world.buses}").text
    assert client.get("/admin/reuses").status_code in (302, 403)  # not an administrator

    admin = world.app.test_client()
    sign_in_client(world.app, admin, world.admin)
    queue = admin.get("/admin/reuses")
    assert queue.status_code == 200 and "南宁公交到站提醒" in queue.text
    refused = admin.post(f"/admin/reuses/{reuse.id}/decide",
                         data={"csrf_token": csrf(queue.text), "decision": "approve"})  # fmt: skip
    assert refused.status_code == 303
    assert _reuses(world.app)[0].state == APPROVED

    listing = anonymous.get("/reuses").text
    assert "南宁公交到站提醒" in listing
    dataset_page = anonymous.get(f"/dataset/{world.buses}").text
    block = dataset_page.split('id="reuses"')[1].split("</section>")[0]
    assert '<span class="count">1</span>' in block and "南宁公交到站提醒" in block
    image = anonymous.get(f"/reuses/{reuse.slug}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")


def test_a_rejected_reuse_is_never_public_and_needs_a_reason(client, world: World):
    sign_in_client(world.app, client, world.owner)
    _register_page(client, _entry(world, title="被拒绝的作品"))
    [reuse] = _reuses(world.app)
    admin = world.app.test_client()
    sign_in_client(world.app, admin, world.admin)
    token = csrf(admin.get("/admin/reuses").text)
    no_reason = admin.post(f"/admin/reuses/{reuse.id}/decide",
                           data={"csrf_token": token, "decision": "reject"})  # fmt: skip
    assert "请填写驳回理由" in admin.get(no_reason.headers["Location"]).text
    assert _reuses(world.app)[0].state == PENDING
    rejection = {"csrf_token": token, "decision": "reject", "reason": "链接打不开"}
    admin.post(f"/admin/reuses/{reuse.id}/decide", data=rejection)
    assert _reuses(world.app)[0].state == REJECTED
    assert world.app.test_client().get(f"/reuses/{reuse.slug}").status_code == 404
    mine = client.get("/account/reuses").text
    assert "已驳回" in mine and "链接打不开" in mine
    with pytest.raises(Exception, match="pending|rejected"):  # decided already
        _approve(world.app, reuse.id)


def test_a_hidden_dataset_cannot_be_named_nor_found(client, world: World):
    sign_in_client(world.app, client, world.owner)
    for hidden in (world.draft, world.closed, "no-such-dataset"):
        refused = _register_page(client, _entry(world, dataset=[world.buses, hidden]))
        assert refused.status_code == 422
        assert "不在公开目录中" in refused.text
    assert _reuses(world.app) == []
    page = client.get("/reuses/new")
    found = client.post("/reuses/new", data={"csrf_token": csrf(page.text), "action": "search",
                                             "q": "数据集", "title": "保留的标题"})  # fmt: skip
    assert "尚未发布的数据集" not in found.text and "不予开放的数据集" not in found.text
    assert "保留的标题" in found.text  # nothing typed is lost by a search
    found = client.post("/reuses/new", data={"csrf_token": csrf(page.text), "action": "search",
                                             "q": "公交"})  # fmt: skip
    assert 'name="pick"' in found.text and "南宁市公交车站点信息" in found.text


def test_versions_must_be_positive_whole_numbers(client, world: World):
    sign_in_client(world.app, client, world.owner)
    for bad in ("0", "-1", "v2", "1.5", "²"):  # "²".isdigit() but int("²") fails
        refused = _register_page(client, _entry(world, version=[bad, ""]))
        assert refused.status_code == 422 and "版本号是大于等于 1 的整数" in refused.text
    refused = _register_page(client, _entry(world, version=["3", ""]))  # buses has 2
    assert refused.status_code == 422 and "该数据集没有这个版本" in refused.text
    assert _reuses(world.app) == []


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"<?php echo 1; ?>", "不是 PNG、JPEG、GIF 或 WebP 图片"),  # a script named .png
        (b"%PDF-1.7\n" + b"0" * 100, "不是 PNG、JPEG、GIF 或 WebP 图片"),
        (b"\x89PNG\r\n\x1a\n" + b"not really" * 10, "图片已损坏或无法读取"),
        (png((10_000, 10_000), "1"), "图片像素过多"),  # a small file of 100 million pixels
        (png((6000, 5000), "1"), "图片像素过多"),  # over the limit, under Pillow's own error
        (b"\xff\xd8\xff" + b"\x00" * (images.MAX_IMAGE_BYTES + 10), "图片超过 2 MB"),
    ],
)
def test_bad_images_are_refused_in_chinese(client, world: World, image: bytes, message: str):
    sign_in_client(world.app, client, world.owner)
    refused = _register_page(client, _entry(world), image)
    assert refused.status_code == 422
    assert message in refused.text
    assert "南宁公交到站提醒" in refused.text  # what was typed is still there
    assert _reuses(world.app) == []


def test_images_are_re_encoded_without_metadata():
    source = Image.new("RGB", (3000, 2000), "blue")
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera"  # Make
    exif[0x8825] = {2: (22.0, 49.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    source.save(out, format="JPEG", exif=exif, comment=b"hidden comment")
    assert b"Secret Camera" in out.getvalue()
    cleaned = images.clean_image(out.getvalue())
    assert cleaned.media_type == "image/jpeg" and max(cleaned.width, cleaned.height) == 1600
    assert b"Secret Camera" not in cleaned.data and b"hidden comment" not in cleaned.data
    assert not Image.open(io.BytesIO(cleaned.data)).getexif()
    transparent = images.clean_image(png((20, 20), "RGBA"))
    assert transparent.media_type == "image/png"
    gif = io.BytesIO()
    Image.new("P", (8, 8)).save(gif, format="GIF")
    assert images.clean_image(gif.getvalue()).media_type == "image/png"


def _registered(world: World, **changes) -> Reuse:
    with world.app.extensions["gxdata"].session_factory() as db, db.begin():
        owner = actor_for(db.get(User, world.owner))
        submission = service.Submission(
            kind=changes.pop("kind", "application"), title=changes.pop("title", "南宁公交到站提醒"),
            team="邕城数据队", description="到站提醒",
            uses=[service.Use(world.buses, 2), service.Use(world.air)], **changes,
        )  # fmt: skip
        reuse = service.register(db, owner, Origin(), submission)
        db.flush()
        db.expunge(reuse)
        return reuse


def test_the_provenance_panel_and_citations_come_from_the_catalog(client, world: World):
    reuse = _registered(world)
    _approve(world.app, reuse.id)
    page = client.get(f"/reuses/{reuse.slug}").text
    zh = page.split('id="provenance-zh"')[1].split("</code>")[0]
    assert "数据集：南宁市公交车站点信息" in zh and "提供部门：南宁市交通运输局" in zh
    assert "信息科，电话 0771-5551234，邮箱 xxk@nnjt.gov.cn" in zh
    assert f"第 2 版；链接：{BASE}/dataset/{world.buses}/versions/2" in zh
    # no version stated: the version the dataset was at when the reuse was registered
    assert f"监测处；版本：第 1 版；链接：{BASE}/dataset/{world.air}/versions/1" in zh
    en = page.split('id="provenance-en"')[1].split("</code>")[0]
    assert "provided by: Nanning Transport Bureau" in en and "version: version 2" in en
    assert "phone 0771-5551234, e-mail xxk@nnjt.gov.cn" in en
    with world.app.extensions["gxdata"].session_factory() as db:
        slug = db.get(Dataset, world.buses).slug
    assert f'href="/dataset/{slug}/citation.bib"' in page
    assert "南宁市交通运输局. 南宁市公交车站点信息[DS/OL]" in page  # GB/T 7714
    assert 'data-copy="#provenance-zh"' in page and "js/copy.js" in page


def test_json_ld_parses_and_is_based_on_the_dataset_uris(client, world: World):
    reuse = _registered(world, title="数据分析报告</script><script>alert(1)</script>",
                        kind="analysis")  # fmt: skip
    _approve(world.app, reuse.id)
    page = client.get(f"/reuses/{reuse.slug}").text
    assert "<script>alert(1)" not in page
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert embedded is not None
    node = json.loads(embedded.group(1))
    assert node["@type"] == "CreativeWork" and node["name"].startswith("数据分析报告")
    based_on = {d["@id"] for d in node["isBasedOn"]}
    assert based_on == {f"{BASE}/dataset/{world.buses}", f"{BASE}/dataset/{world.air}"}
    alone = client.get(f"/reuses/{reuse.slug}.jsonld")
    assert alone.mimetype == "application/ld+json" and json.loads(alone.data) == node
    offline = {**node, "@context": {"@vocab": "https://schema.org/"}}  # no fetch of schema.org
    graph = Graph().parse(data=json.dumps(offline), format="json-ld")
    assert (URIRef(node["@id"]), URIRef("https://schema.org/isBasedOn"),
            URIRef(f"{BASE}/dataset/{world.air}")) in graph  # fmt: skip
    app_reuse = _registered(world, title="公交应用")
    _approve(world.app, app_reuse.id)
    assert client.get(f"/reuses/{app_reuse.slug}.jsonld").get_json(force=True)["@type"] == (
        "SoftwareApplication"
    )


def _referenced_by(client: FlaskClient, dataset_id: str) -> set[str]:
    graph = Graph().parse(data=client.get(f"/dataset/{dataset_id}.ttl").data, format="turtle")
    return {str(o) for o in graph.objects(URIRef(f"{BASE}/dataset/{dataset_id}"),
                                          DCT.isReferencedBy)}  # fmt: skip


ASK = "ASK {{ <{d}> <http://purl.org/dc/terms/isReferencedBy> <{r}> }}"


def _in_store(client: FlaskClient, dataset_id: str, slug: str) -> bool:
    query = ASK.format(d=f"{BASE}/dataset/{dataset_id}", r=f"{BASE}/reuses/{slug}")
    return client.get("/sparql", query_string={"query": query}).get_json(force=True)["boolean"]


def test_dcat_and_the_store_link_only_approved_reuses(client, world: World):
    pending = _registered(world, title="待审核作品")
    rejected = _registered(world, title="被驳回作品")
    approved = _registered(world, title="已通过作品")
    _approve(world.app, rejected.id, approve=False, reason="不符合")
    with world.app.extensions["gxdata"].session_factory() as db:
        before = db.scalar(select(Change.id).order_by(Change.id.desc()).limit(1)) or 0
    _approve(world.app, approved.id)
    with world.app.extensions["gxdata"].session_factory() as db:
        logged = set(db.scalars(select(Change.dataset_id).where(Change.id > before)))
    assert logged == {world.buses, world.air}  # logged in the approval's transaction
    expected = {f"{BASE}/reuses/{approved.slug}"}
    assert _referenced_by(client, world.buses) == expected == _referenced_by(client, world.air)
    assert _in_store(client, world.buses, approved.slug)
    assert not _in_store(client, world.buses, pending.slug)
    assert not _in_store(client, world.buses, rejected.slug)
    catalog = Graph().parse(data=client.get("/catalog.ttl").data, format="turtle")
    assert {str(o) for o in catalog.objects(None, DCT.isReferencedBy)} == expected
    with world.app.extensions["gxdata"].session_factory() as db, db.begin():
        service.withdraw(db, system_actor(), Origin(), approved.id, "作者要求")
    assert _referenced_by(client, world.buses) == set()
    assert not _in_store(client, world.buses, approved.slug)


def test_competitions_group_entries_and_count_datasets(client, world: World, runner):
    added = runner.invoke(args=[
        "reuses", "competition-add", "--title", "2022年广西公共数据开放创新应用大赛",
        "--slug", "gx-2022", "--year", "2022", "--rounds", "初赛,复赛,决赛",
        "--awards", "一等奖，二等奖", "--organiser", "广西壮族自治区大数据发展局",
    ])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert runner.invoke(args=["reuses", "competition-add", "--title", "重复",
                               "--slug", "gx-2022"]).exit_code != 0  # fmt: skip
    sign_in_client(world.app, client, world.owner)
    no_competition = _register_page(client, _entry(world, kind="competition"))
    assert no_competition.status_code == 422 and "参赛作品须选择所属赛事" in no_competition.text
    bad_round = _register_page(client, _entry(world, kind="competition", competition="gx-2022",
                                              round="半决赛"))  # fmt: skip
    assert bad_round.status_code == 422
    entry = _registered(world, kind="competition", competition="gx-2022", round="决赛",
                        title="智慧公交参赛作品")  # fmt: skip
    other = _registered(world, kind="competition", competition="gx-2022", title="空气参赛作品")
    _approve(world.app, entry.id)
    _approve(world.app, other.id)
    with world.app.extensions["gxdata"].session_factory() as db, db.begin():
        service.set_award(db, system_actor(), Origin(), entry.id, "一等奖")
    page = world.app.test_client().get("/competitions/gx-2022").text
    assert "智慧公交参赛作品" in page and "空气参赛作品" in page and "一等奖" in page
    most = page.split('id="most-used"')[1]
    assert "南宁市公交车站点信息" in most and "2 个作品" in most
    assert "gx-2022" in world.app.test_client().get("/competitions").text
    listed = world.app.test_client().get("/reuses?competition=gx-2022&kind=competition").text
    assert "智慧公交参赛作品" in listed


def test_forms_need_their_csrf_token(client, world: World):
    sign_in_client(world.app, client, world.owner)
    refused = client.post("/reuses/new", data={"action": "register", **_entry(world)})
    assert refused.status_code in (400, 422)
    assert _reuses(world.app) == []


def test_the_demo_has_the_2022_competition_with_example_entries(demo_client, demo_app):
    page = demo_client.get("/competitions/gx-2022").text
    assert "2022年广西公共数据开放创新应用大赛" in page
    assert "【示例】邕e行·公交到站提醒" in page and "【示例】广西空气质量地图" in page
    most = page.split('id="most-used"')[1]
    assert most.index("公交站牌信息") < most.index("县级空气站点实时数据")  # used by both
    with demo_app.extensions["gxdata"].session_factory() as db:
        bus = db.scalar(select(Dataset).where(Dataset.identifier == "gxzf-2021-c1380eb21f24e1ac"))
        assert bus is not None
        bus_id, bus_slug = bus.id, bus.slug
    block = demo_client.get(f"/dataset/{bus_slug}").text.split('id="reuses"')[1]
    assert '<span class="count">2</span>' in block.split("</section>")[0]
    assert _referenced_by(demo_client, bus_id) == {
        f"{BASE}/reuses/gx-2022-bus-stops",
        f"{BASE}/reuses/gx-2022-air-map",
    }
    panel = demo_client.get("/reuses/gx-2022-bus-stops").text.split('id="provenance-zh"')[1]
    assert "玉林市交通运输局" in panel.split("</code>")[0]


def test_the_owner_withdraws_and_nobody_else_may(client, world: World):
    reuse = _registered(world)
    _approve(world.app, reuse.id)
    stranger = world.app.test_client()
    sign_in_client(world.app, stranger, make_person(world.app, "other@example.com"))
    token = csrf(stranger.get("/reuses/new").text)
    refused = stranger.post(f"/reuses/{reuse.slug}/withdraw", data={"csrf_token": token})
    assert refused.status_code == 404
    assert _reuses(world.app)[0].state == APPROVED
    sign_in_client(world.app, client, world.owner)
    page = client.get(f"/reuses/{reuse.slug}")
    done = client.post(f"/reuses/{reuse.slug}/withdraw", data={"csrf_token": csrf(page.text)})
    assert done.status_code == 303
    assert _reuses(world.app)[0].state == "withdrawn"
    assert world.app.test_client().get(f"/reuses/{reuse.slug}").status_code == 404
    assert "已撤回" in client.get("/account/reuses").text


def test_the_pickers_suggestions_are_public_datasets_for_signed_in_people(client, world):
    assert client.get("/reuses/datasets.json?q=数据集").status_code == 302
    sign_in_client(world.app, client, world.owner)
    titles = {r["title"] for r in client.get("/reuses/datasets.json?q=数据").get_json()["results"]}
    assert "广西空气质量日报" not in titles  # no "数据" in its title
    assert not {"尚未发布的数据集", "不予开放的数据集"} & titles
    found = client.get("/reuses/datasets.json?q=公交").get_json()["results"]
    assert [r["id"] for r in found] == [world.buses]
    assert client.get("/reuses/datasets.json?q=%25").get_json()["results"] == []  # a LIKE wildcard


def test_only_an_approved_reuses_image_is_publicly_cached(client, world: World):
    sign_in_client(world.app, client, world.owner)
    assert _register_page(client, _entry(world), png()).status_code == 303
    [reuse] = _reuses(world.app)
    pending = client.get(f"/reuses/{reuse.slug}/image")
    assert pending.status_code == 200
    assert pending.headers["Cache-Control"] == "private, no-store"
    _approve(world.app, reuse.id)
    approved = world.app.test_client().get(f"/reuses/{reuse.slug}/image")
    assert approved.headers["Cache-Control"] == "public, max-age=3600"


def test_an_owner_has_at_most_five_reuses_waiting(client, world: World):
    with world.app.extensions["gxdata"].session_factory() as db, db.begin():
        owner = actor_for(db.get(User, world.owner))
        for number in range(service.MAX_PENDING):
            service.register(db, owner, Origin(), service.Submission(
                kind="application", title=f"成果{number}", team="邕城数据队",
                uses=[service.Use(world.buses)]))  # fmt: skip
    sign_in_client(world.app, client, world.owner)
    refused = _register_page(client, _entry(world, title="第六个成果"))
    assert refused.status_code == 422 and "5 项成果等待审核" in refused.text
    assert "第六个成果" in refused.text  # what was typed is kept
    assert len(_reuses(world.app)) == service.MAX_PENDING
    _approve(world.app, _reuses(world.app)[0].id)  # one decided: room for one more
    assert _register_page(client, _entry(world, title="第六个成果")).status_code == 303


def test_an_image_too_large_once_re_encoded_is_refused(client, world: World, monkeypatch):
    monkeypatch.setattr(images, "MAX_STORED_BYTES", 20)
    with pytest.raises(images.FileTooLarge) as refused:
        images.clean_image(png())
    assert refused.value.code == "image-too-large-stored"
    sign_in_client(world.app, client, world.owner)
    answer = _register_page(client, _entry(world), png())
    assert answer.status_code == 422 and "图片转换后超过 4 MB" in answer.text
    assert _reuses(world.app) == []


def test_the_dataset_block_shows_ten_and_links_all_and_the_list_is_paged(
    client, world: World, monkeypatch
):
    with world.app.extensions["gxdata"].session_factory() as db, db.begin():
        owner = actor_for(db.get(User, world.owner))
        for number in range(12):
            made = service.register(db, owner, Origin(), service.Submission(
                kind="application", title=f"公交成果{number:02d}", team="邕城数据队",
                uses=[service.Use(world.buses)]))  # fmt: skip
            db.flush()
            service.decide(db, system_actor(), Origin(), made.id, True, "")
        air = service.register(db, owner, Origin(), service.Submission(
            kind="application", title="空气成果", team="邕城数据队",
            uses=[service.Use(world.air)]))  # fmt: skip
        service.decide(db, system_actor(), Origin(), air.id, True, "")
    with world.app.extensions["gxdata"].session_factory() as db:
        slug = db.get(Dataset, world.buses).slug
    page = client.get(f"/dataset/{world.buses}").text
    block = page.split('id="reuses"')[1].split("</section>")[0]
    assert '<span class="count">12</span>' in block
    assert block.count('<li><a href="/reuses/') == service.BLOCK_LIMIT
    assert f"/reuses?dataset={slug}" in block and "查看该数据集的全部 12 项成果" in block
    of_buses = client.get(f"/reuses?dataset={slug}").text
    assert of_buses.count("公交成果") == 12 and "空气成果" not in of_buses
    assert client.get("/reuses?dataset=no-such-dataset").status_code == 404
    assert client.get(f"/reuses?dataset={world.draft}").status_code == 404  # not public
    monkeypatch.setattr(service, "PER_PAGE", 5)
    first = client.get("/reuses").text
    assert first.count('<li class="reuse-card">') == 5 and 'class="pager"' in first
    third = client.get("/reuses?page=3").text
    assert "13" in third and "公交成果00" in third  # the oldest one, on the last page
    assert client.get("/reuses?page=²").status_code == 200


def test_an_expired_form_is_shown_again_as_typed(client, world: World):
    sign_in_client(world.app, client, world.owner)
    client.get("/reuses/new")
    form = {"csrf_token": "an-old-token", "action": "register", **_entry(world)}
    refused = client.post("/reuses/new", data=form, content_type="multipart/form-data")
    assert refused.status_code == 400 and "页面已过期，请重新提交" in refused.text
    assert "南宁公交到站提醒" in refused.text
    assert "用公交站点数据做的到站提醒小程序。" in refused.text
    assert "邕城数据队" in refused.text and world.buses in refused.text
    assert "有字段内容过长" not in refused.text and _reuses(world.app) == []
    again = {**form, "csrf_token": csrf(refused.text)}  # the page carries a fresh token
    assert client.post("/reuses/new", data=again,
                       content_type="multipart/form-data").status_code == 303  # fmt: skip

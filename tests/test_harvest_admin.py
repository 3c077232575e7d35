"""The harvest administration pages (a signed-in administrator): CSRF, adding a source,
running a job in the background and reading what it did, in Chinese, each act audited;
provenance on the dataset page."""

from __future__ import annotations

import re
import threading
import time

import pytest
from factories import ckan_package
from form_tokens import csrf
from signing_in import signed_in

from catalog.audit import AuditEntry
from catalog.db import utcnow
from catalog.harvest.models import HarvestJob, HarvestSource
from portal import harvesting


@pytest.fixture
def admin(app, client):
    """A platform administrator signed in with the second factor."""
    signed_in(app, client, "admin@gx.test", "admin")
    return client


def test_a_form_without_its_csrf_token_is_refused(admin, session):
    form = {"kind": "ckan", "frequency": "daily", "name": "柳州", "url": "https://x.example"}
    assert admin.post("/admin/harvest", data=form).status_code == 400
    assert session.query(HarvestSource).count() == 0


def test_add_a_source_and_refuse_bad_ones(admin, session):
    page = admin.get("/admin/harvest")
    assert "添加采集来源" in page.text
    form = {"csrf_token": csrf(page.text), "kind": "ckan", "frequency": "daily", "department": ""}
    refused = admin.post("/admin/harvest", data={**form, "name": "本地", "url": "/etc/passwd"})
    assert "地址必须以 http:// 或 https:// 开头" in refused.text
    refused = admin.post("/admin/harvest", data={**form, "name": "ftp", "url": "ftp://x.example/"})
    assert "地址必须以 http:// 或 https:// 开头" in refused.text
    added = admin.post(
        "/admin/harvest",
        data={**form, "name": "柳州", "url": "https://ckan.liuzhou.example", "organization": "bus"},
    )
    assert added.status_code == 302
    source = admin.get(added.headers["Location"])
    assert "柳州" in source.text and "CKAN 门户" in source.text and "每天" in source.text
    twice = admin.post(
        "/admin/harvest", data={**form, "name": "柳州", "url": "https://ckan.liuzhou.example"}
    )
    assert "已有同名的采集来源" in twice.text
    listing = admin.get("/admin/harvest")
    assert "https://ckan.liuzhou.example" in listing.text and "尚未运行" in listing.text
    rows = session.query(AuditEntry).filter_by(action="harvest.source-add").all()
    assert [(row.object_id, row.role) for row in rows] == [("柳州", "admin")]  # refusals: none


def _wait_for(admin, location: str) -> str:
    for _ in range(100):
        page = admin.get(location)
        if 'http-equiv="refresh"' not in page.text:  # no longer running
            return page.text
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_run_a_job_and_read_its_rejected_records(
    admin, source_server, new_source, client, services
):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(1), ckan_package(2, title=""), ckan_package(3)]
    site.packages[2]["resources"][0]["url"] = "ftp://x.example/3.csv"
    new_source("柳州", "ckan", url)
    page = admin.get("/admin/harvest/柳州")
    started = admin.post("/admin/harvest/柳州/run", data={"csrf_token": csrf(page.text)})
    assert started.status_code == 302 and "/admin/harvest/jobs/" in started.headers["Location"]
    job = _wait_for(admin, started.headers["Location"])
    assert "成功" in job and "记录缺少名称" in job  # the rejected record, with its reason
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    with services.session_factory() as db:
        run = db.query(AuditEntry).filter_by(action="harvest.run").one()
        assert (run.object_type, run.object_id, run.summary) == ("harvest-job", job_id, "柳州")
    assert "missing-title" in job
    assert "the package has no title" not in job  # the harvester's English detail: not in zh
    added = admin.get(started.headers["Location"] + "?outcome=added").text
    assert "玉林市水质监测数据（第1期）" in added and "不提供链接" in added  # the ftp warning
    english = admin.get(started.headers["Location"] + "?lang=en").text
    assert "The record has no title." in english
    assert "the package has no title" in english

    dataset_link = re.search(r'href="(/dataset/[^"]+)">玉林市水质监测数据（第1期）', added).group(1)
    dataset_page = client.get(dataset_link + "?lang=zh").text
    assert "数据来源" in dataset_page and "柳州" in dataset_page
    remote_id = ckan_package(1)["id"]
    assert remote_id in dataset_page and f"{url}/dataset/{remote_id}" in dataset_page


def test_a_job_refused_while_another_runs(admin, source_server, new_source, services):
    url, site = source_server.ckan("/ckan")
    new_source("柳州", "ckan", url)
    with services.session_factory() as session, session.begin():
        source = session.query(HarvestSource).one()
        session.add(
            HarvestJob(source_id=source.id, status="running", started_at=utcnow(), notes=[])
        )
    page = admin.get("/admin/harvest/柳州")
    refused = admin.post(
        "/admin/harvest/柳州/run", data={"csrf_token": csrf(page.text)}, follow_redirects=True
    )
    assert "该来源的采集任务仍在运行" in refused.text


def test_a_failed_job_says_why_and_that_nothing_changed(admin, source_server, new_source):
    source_server.fault("/broken/", "500")  # every action under it answers 500
    new_source("坏", "ckan", source_server.url("/broken"))
    page = admin.get("/admin/harvest/坏")
    started = admin.post("/admin/harvest/坏/run", data={"csrf_token": csrf(page.text)})
    job = _wait_for(admin, started.headers["Location"])
    assert "失败" in job and "来源返回了错误" in job and "此次失败没有改动任何已发布的内容" in job


def test_a_pruned_job_says_so_and_keeps_its_counts(admin, source_server, new_source, harvest):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(1), ckan_package(2)]
    new_source("柳州", "ckan", url)
    first = harvest("柳州", keep_jobs=1).job_id
    harvest("柳州", full=True, keep_jobs=1)
    page = admin.get(f"/admin/harvest/jobs/{first}?outcome=added")
    assert "这次任务的逐条记录已按保留设置清理" in page.text
    assert '<span class="count">2</span>' in page.text
    assert "玉林市水质监测数据（第1期）" not in page.text


def test_a_job_that_does_not_start_in_time_is_explained(
    admin, source_server, new_source, monkeypatch
):
    url, _site = source_server.ckan("/ckan")
    new_source("柳州", "ckan", url)
    release = threading.Event()

    def stalled(*_args, **_kwargs):  # its row never written, as when the database is locked
        release.wait(10)

    monkeypatch.setattr(harvesting, "run_source", stalled)
    monkeypatch.setattr(harvesting, "START_WAIT", 0.2)
    page = admin.get("/admin/harvest/柳州")
    try:
        answer = admin.post(
            "/admin/harvest/柳州/run", data={"csrf_token": csrf(page.text)}, follow_redirects=True
        )
    finally:
        release.set()
    assert answer.status_code == 200
    assert "采集任务未能及时启动" in answer.text

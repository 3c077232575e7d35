"""The harvest administration pages: the token check, CSRF, adding a source, running a job in
the background and reading what it did, in Chinese; provenance on the dataset page."""

from __future__ import annotations

import re
import time

import pytest

from catalog.db import utcnow
from catalog.harvest.models import HarvestJob, HarvestSource

TOKEN = "令牌-test-token"


def package(n: int, **changes) -> dict:
    base = {
        "id": f"10000000-0000-0000-0000-{n:012d}",
        "name": f"bus-{n}",
        "title": f"柳州市公交站点（第{n}批）",
        "organization": {"name": "liuzhou-transport", "title": "柳州市交通运输局"},
        "metadata_modified": "2024-01-01T00:00:00",
        "resources": [{"id": f"r{n}", "name": "站点.csv", "url": f"https://x.example/{n}.csv"}],
    }
    base.update(changes)
    return base


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert found, "no CSRF token in the form"
    return found.group(1)


@pytest.fixture
def admin(app, client):
    app.config["ADMIN_TOKEN"] = TOKEN
    page = client.get("/admin/login")
    response = client.post("/admin/login", data={"token": TOKEN, "csrf_token": _csrf(page.text)})
    assert response.status_code == 302
    return client


def test_disabled_without_a_token(client):
    for path in ("/admin/harvest", "/admin/login", "/admin/harvest/x", "/admin/harvest/jobs/1"):
        response = client.get(path)
        assert response.status_code == 403
        assert "管理功能未启用" in response.text and "GXDATA_ADMIN_TOKEN" in response.text


def test_a_wrong_token_or_no_csrf_is_refused(app, client):
    app.config["ADMIN_TOKEN"] = TOKEN
    assert client.get("/admin/harvest").headers["Location"].startswith("/admin/login")
    page = client.get("/admin/login")
    wrong = client.post("/admin/login", data={"token": "guess", "csrf_token": _csrf(page.text)})
    assert wrong.status_code == 200 and "管理令牌不正确" in wrong.text
    assert client.post("/admin/login", data={"token": TOKEN}).status_code == 400  # no CSRF
    assert client.get("/admin/harvest").status_code == 302


def test_changing_the_token_signs_everybody_out(app, admin):
    assert admin.get("/admin/harvest").status_code == 200
    app.config["ADMIN_TOKEN"] = "a-new-token"
    assert admin.get("/admin/harvest").status_code == 302


def test_sign_in_redirects_only_inside_the_administration(app, client):
    app.config["ADMIN_TOKEN"] = TOKEN
    page = client.get("/admin/login")
    for target, expected in (
        ("/admin/harvest/x", "/admin/harvest/x"),
        ("//evil.example", "/admin/harvest"),
    ):
        response = client.post(
            f"/admin/login?next={target}", data={"token": TOKEN, "csrf_token": _csrf(page.text)}
        )
        assert response.headers["Location"] == expected


def test_add_a_source_and_refuse_bad_ones(admin):
    page = admin.get("/admin/harvest")
    assert "添加采集来源" in page.text
    form = {"csrf_token": _csrf(page.text), "kind": "ckan", "frequency": "daily", "department": ""}
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


def _wait_for(admin, location: str) -> str:
    for _ in range(100):
        page = admin.get(location)
        if 'http-equiv="refresh"' not in page.text:  # no longer running
            return page.text
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_run_a_job_and_read_its_rejected_records(admin, source_server, new_source, client):
    url, site = source_server.ckan("/ckan")
    site.packages = [package(1), package(2, title=""), package(3)]
    site.packages[2]["resources"][0]["url"] = "ftp://x.example/3.csv"
    new_source("柳州", "ckan", url)
    page = admin.get("/admin/harvest/柳州")
    started = admin.post("/admin/harvest/柳州/run", data={"csrf_token": _csrf(page.text)})
    assert started.status_code == 302 and "/admin/harvest/jobs/" in started.headers["Location"]
    job = _wait_for(admin, started.headers["Location"])
    assert "成功" in job and "记录缺少名称" in job  # the rejected record, with its reason
    assert "missing-title" in job
    added = admin.get(started.headers["Location"] + "?outcome=added").text
    assert "柳州市公交站点（第1批）" in added and "不提供链接" in added  # the ftp warning
    english = admin.get(started.headers["Location"] + "?lang=en").text
    assert "The record has no title." in english

    dataset_link = re.search(r'href="(/dataset/[^"]+)">柳州市公交站点（第1批）', added).group(1)
    dataset_page = client.get(dataset_link + "?lang=zh").text
    assert "数据来源" in dataset_page and "柳州" in dataset_page
    assert package(1)["id"] in dataset_page and f"{url}/dataset/{package(1)['id']}" in dataset_page


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
        "/admin/harvest/柳州/run", data={"csrf_token": _csrf(page.text)}, follow_redirects=True
    )
    assert "该来源的采集任务仍在运行" in refused.text


def test_a_failed_job_says_why_and_that_nothing_changed(admin, source_server, new_source):
    source_server.fault("/broken/", "500")  # every action under it answers 500
    new_source("坏", "ckan", source_server.url("/broken"))
    page = admin.get("/admin/harvest/坏")
    started = admin.post("/admin/harvest/坏/run", data={"csrf_token": _csrf(page.text)})
    job = _wait_for(admin, started.headers["Location"])
    assert "失败" in job and "来源返回了错误" in job and "此次失败没有改动任何已发布的内容" in job


def test_a_pruned_job_says_so_and_keeps_its_counts(admin, source_server, new_source, harvest):
    url, site = source_server.ckan("/ckan")
    site.packages = [package(1), package(2)]
    new_source("柳州", "ckan", url)
    first = harvest("柳州", keep_jobs=1).job_id
    harvest("柳州", full=True, keep_jobs=1)
    page = admin.get(f"/admin/harvest/jobs/{first}?outcome=added")
    assert "这次任务的逐条记录已按保留设置清理" in page.text
    assert '<span class="count">2</span>' in page.text
    assert "柳州市公交站点（第1批）" not in page.text

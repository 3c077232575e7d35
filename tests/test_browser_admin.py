"""An administrator in a real browser (Debian's chromium, driven by Playwright), signed in:
add a CKAN source, harvest it, read the job and a harvested dataset's provenance, then find
both acts in the audit log."""

from __future__ import annotations

import pytest
from browser_signing_in import sign_in_browser
from browsers import BROWSER_MARKS, launch_chromium, screenshot, serving
from signing_in import make_person

from catalog.models import Department

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture
def portal_url(app):
    """A fresh portal (not the shared demo) over real HTTP."""
    with serving(app) as url:
        yield url


@pytest.fixture
def page(app, portal_url):
    """A browser page of a platform administrator (second factor given)."""
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        sign_in_browser(app, context, portal_url, "admin@gx.test", "admin")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def _package(n: int, title: str) -> dict:
    return {
        "id": f"30000000-0000-0000-0000-{n:012d}",
        "name": f"weather-{n}",
        "title": title,
        "notes": "自动气象站逐小时观测数据。",
        "organization": {"name": "gx-weather", "title": "广西壮族自治区气象局"},
        "extras": [{"key": "frequency", "value": "每天"}],
        "metadata_modified": "2024-05-01T08:00:00",
        "resources": [{"id": f"m{n}", "name": "观测.csv", "format": "CSV",
                       "url": f"https://data.gxzf.example/weather/{n}.csv"}],
    }  # fmt: skip


def test_admin_adds_a_source_harvests_it_and_reads_the_job(page, portal_url, source_server):
    url, site = source_server.ckan("/ckan")
    site.packages = [
        _package(1, "南宁市自动气象站观测数据"),
        _package(2, "柳州市自动气象站观测数据"),
        _package(3, ""),  # rejected: no title
    ]
    page.goto(portal_url + "/admin/harvest")
    page.get_by_label("名称").fill("广西气象局CKAN")
    page.get_by_label("类型").select_option("ckan")
    page.get_by_label("地址（http 或 https）").fill(url)
    page.get_by_label("采集频率").select_option("daily")
    screenshot(page, "admin-sources-form")
    page.get_by_role("button", name="添加").click()
    page.wait_for_selector("text=已添加采集来源")
    screenshot(page, "admin-source")

    page.get_by_role("button", name="立即采集").click()
    page.wait_for_url("**/admin/harvest/jobs/*")
    page.wait_for_selector(".job-status .status-succeeded", timeout=30_000)
    assert "记录缺少名称" in page.locator("table.records").inner_text()
    screenshot(page, "admin-job-rejected")

    page.get_by_role("link", name="2 新增").click()
    page.wait_for_url("**outcome=added**")
    assert page.locator("table.records tbody tr").count() == 2
    screenshot(page, "admin-job-added")

    page.get_by_role("link", name="南宁市自动气象站观测数据").click()
    page.wait_for_selector("h1")
    provenance = page.locator("section.provenance").inner_text()
    assert "广西气象局CKAN" in provenance and _package(1, "")["id"] in provenance
    screenshot(page, "dataset-provenance")

    page.goto(portal_url + "/admin/harvest")
    assert "成功" in page.locator("table.admin-table").inner_text()
    screenshot(page, "admin-sources")

    page.get_by_role("link", name="审计日志").click()
    page.wait_for_url("**/admin/audit")
    log = page.locator("table.audit").inner_text()
    assert "添加采集来源" in log and "开始采集" in log and "admin@gx.test" in log
    assert "北京时间" in log
    screenshot(page, "admin-audit")


def test_the_administration_fits_a_phone(app, portal_url):
    """390 px: no page of the administration scrolls sideways (wide tables scroll in a box)."""
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.add(Department(slug="nn", name="南宁市大数据发展局（南宁市政务服务和数据管理局）"))
    make_person(app, "pub@gx.test", "publisher", "nn")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        sign_in_browser(app, context, portal_url, "admin@gx.test", "admin")
        phone = context.new_page()
        too_wide = {}
        try:
            for path in ("/admin/harvest", "/admin/users", "/admin/users/1", "/admin/departments",
                         "/admin/audit"):  # fmt: skip
                response = phone.goto(portal_url + path)
                assert response is not None and response.status == 200, path
                width = phone.evaluate("document.documentElement.scrollWidth")
                if width > phone.evaluate("window.innerWidth"):
                    too_wide[path] = width
                screenshot(phone, "phone-admin" + path.replace("/", "-"))
        finally:
            context.close()
            browser.close()
    assert too_wide == {}

"""A department publisher in a real browser (Debian's chromium, driven by Playwright): signed
in, creates a dataset, uploads an XLSX, publishes, finds it by search and previews it, edits it
and withdraws it.

The sign-in is the server-side session of :mod:`signing_in`, handed to the browser as its
cookie (the sign-in pages are the accounts feature's, tested there)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from browsers import BROWSER_MARKS, launch_chromium, screenshot, serving
from signing_in import make_person, sign_in_client

from catalog.accounts.models import PUBLISHER
from catalog.models import Department

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def portal_url(app):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.add(Department(slug="jtt", name="广西壮族自治区交通运输厅"))
    with serving(app) as url:
        yield url


def _session_cookie(app, url: str) -> dict:
    """A publisher's live session, as the cookie a real sign-in leaves."""
    client = app.test_client()
    sign_in_client(app, client, make_person(app, "publisher@jtt.example.org", PUBLISHER, "jtt"))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return {"name": cookie.key, "value": cookie.value, "url": url, "httpOnly": True}


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["线路", "起点", "站点数"])
    book.active.append(["1路", "火车站", 28])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def page(app, portal_url):
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.add_cookies([_session_cookie(app, portal_url)])
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_a_publisher_publishes_an_xlsx_finds_it_edits_and_withdraws_it(page, portal_url):
    page.goto(portal_url + "/")
    page.get_by_role("link", name="我的数据").click()
    page.wait_for_url("**/workspace")
    page.get_by_role("link", name="新建数据集").click()
    page.fill("#f-title", "南宁市公交线路站点")
    page.fill("#f-description", "南宁市公交线路及其站点。")
    page.fill("#f-keywords", "公交，站点")
    page.select_option("#f-category", "transport")
    page.select_option("#f-spatial", "450100")
    page.select_option("#f-update_frequency", "monthly")
    page.fill("#f-temporal_start", "2025-13-01")  # a wrong date first: refused, nothing lost
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_selector("text=请按 YYYY-MM-DD 填写日期")
    assert page.input_value("#f-title") == "南宁市公交线路站点"
    page.fill("#f-temporal_start", "2025-01-01")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_selector("text=已保存为草稿")
    screenshot(page, "publishing-draft")

    page.set_input_files(
        "#f-file", files=[{"name": "公交线路表.xlsx", "mimeType": XLSX, "buffer": _xlsx()}]
    )
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_selector("text=已添加文件“公交线路表.xlsx”")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_selector("text=数据集已发布")
    screenshot(page, "publishing-published")

    page.goto(portal_url + "/dataset?q=公交线路站点")
    page.get_by_role("link", name="南宁市公交线路站点").first.click()
    page.wait_for_url("**/dataset/*")
    page.get_by_role("link", name="公交线路表.xlsx").first.click()
    page.wait_for_url("**/resource/*")
    assert "火车站" in page.locator("main").inner_text()  # the preview shows the sheet
    screenshot(page, "publishing-preview")

    page.goto(portal_url + "/workspace")
    page.get_by_role("link", name="南宁市公交线路站点").click()
    page.fill("#f-title", "南宁市公交线路与站点")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_selector("text=已保存，数据集已发布")
    page.goto(portal_url + "/dataset?q=公交线路与站点")
    assert page.get_by_role("link", name="南宁市公交线路与站点").count() >= 1

    page.goto(portal_url + "/workspace")
    page.get_by_role("link", name="南宁市公交线路与站点").click()
    page.get_by_role("button", name="撤回").click()
    page.wait_for_selector("text=数据集已撤回，不再公开")
    page.goto(portal_url + "/dataset?q=公交线路与站点")
    assert page.get_by_role("link", name="南宁市公交线路与站点").count() == 0
    screenshot(page, "publishing-withdrawn")

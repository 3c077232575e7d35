"""The issue's walk in a real browser (Debian's chromium, driven by Playwright): a person
registers for a government body, confirms through the mail file the portal wrote, is made
the department's publisher, signs in at the sign-in page, creates a dataset, uploads an XLSX,
publishes, finds it by search and previews it, edits it and withdraws it; every act is in the
audit log."""

from __future__ import annotations

import io

import openpyxl
import pytest
from browser_signing_in import confirmation_path, sign_in_browser
from browsers import BROWSER_MARKS, launch_chromium, screenshot, serving
from sqlalchemy import select

from catalog import audit
from catalog.accounts import users
from catalog.accounts.models import AUDITOR, PUBLISHER
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


EMAIL = "wang@jtt.example.org"
PASSWORD = "Staff-pass-2026!"


def _make_publisher(app) -> None:
    """What an administrator does: the department's publisher role for the new account."""
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = users.find_by_email(db, EMAIL)
        assert user is not None and user.confirmed_at is not None
        department = db.scalar(select(Department).where(Department.slug == "jtt"))
        users.grant_role(db, user, PUBLISHER, department)


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
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_register_confirm_sign_in_publish_an_xlsx_find_edit_withdraw(app, page, portal_url):
    page.goto(portal_url + "/")
    page.get_by_role("link", name="注册").click()
    page.select_option("#kind", "government")
    page.fill("#email", EMAIL)
    page.fill("#phone", "13907710000")
    page.fill("#display_name", "王工")
    page.fill("#password", PASSWORD)
    page.select_option("#department", "jtt")
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url("**/account/mail-sent")
    page.goto(portal_url + confirmation_path(app))
    page.wait_for_url("**/account/sign-in**")
    _make_publisher(app)
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url("**/account/")
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
    with app.extensions["gxdata"].session_factory() as db:
        acts = list(db.scalars(select(audit.AuditEntry.action).order_by(audit.AuditEntry.seq)))
        assert audit.verify(db).ok
    walk = ["account.register", "account.confirm", "account.sign-in", "dataset.create",
            "file.upload", "dataset.publish", "dataset.edit", "dataset.withdraw"]  # fmt: skip
    assert [a for a in acts if a in walk] == walk, acts

    # the auditor reads each act in the audit log, the publisher named by their display name
    sign_in_browser(app, page.context, portal_url, "audit@example.org", AUDITOR)
    page.goto(portal_url + "/")
    page.get_by_role("link", name="管理").click()  # the header's link: the audit log
    page.wait_for_url("**/admin/audit")
    page.goto(portal_url + "/admin/audit?actor=" + EMAIL)
    log = page.locator("table.audit").inner_text()
    for label in (
        "注册账户",
        "登录",
        "创建数据集",
        "上传文件",
        "发布数据集",
        "编辑数据集",
        "撤回数据集",
    ):
        assert label in log, label
    assert "王工" in log
    screenshot(page, "publishing-audit-log")

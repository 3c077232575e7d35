"""The issue's walk of conditional opening in a real browser (Debian's chromium, driven by
Playwright), on the demo's 【示例】企业纳税信用评价结果 sample: a visitor reads its conditions
signed out, registers an enterprise and confirms through the mail file the portal wrote,
applies with a PDF and every commitment ticked; the department's reviewer asks for more
information, the applicant answers and resubmits, the reviewer approves; the applicant
downloads the masked CSV (a zip) and XLSX through signed links, whose contents are masked and
name the delivery logged, files a usage report and reads the history; an auditor finds every
step in the audit log; the reviewer revokes the grant, and the link already issued and a new
one are both refused.

Screenshots go to the test's tmp_path; with ``GXDATA_SHOTS`` set to a folder, the key ones
are copied there for people to look at."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from browser_signing_in import confirmation_path, sign_in_browser
from browsers import BROWSER_MARKS, launch_chromium, screenshot, serving
from signing_in import make_person
from sqlalchemy import select

from catalog import audit
from catalog.accounts import identity
from catalog.accounts.models import AUDITOR, REVIEWER
from catalog.applications.models import Delivery
from catalog.demo import samples, synthetic
from catalog.indexing import rebuild_index
from catalog.masking.rules import county_of, mask_middle
from catalog.models import Department

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

TITLE = "【示例】企业纳税信用评价结果"
DEPARTMENT = "国家税务总局广西壮族自治区税务局"
EMAIL = "credit@huaxin.example.com"
PASSWORD = "Enterprise-pass-2026!"
ORGANIZATION = "南宁华信征信服务有限公司"
REVIEWER_EMAIL = "reviewer@tax.example.gov.cn"
# The audit log's words for the acts of the walk up to the approval, on its reference.
STEPS = ("创建申请草稿", "上传申请附件", "提交申请", "开始审核申请", "要求补充申请材料", "修改申请",
         "重新提交申请", "批准申请", "授权生效")  # fmt: skip
SHOTS = os.environ.get("GXDATA_SHOTS")


def _credit_code() -> str:
    """A unified social credit code of a Nanning enterprise with its GB 32100 check character."""
    first17 = "91450100MA5K" + "R7T3P"
    return first17 + identity.credit_code_check_character(first17)


def _pdf() -> bytes:
    """A small real PDF of one empty page (its cross-reference offsets computed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    )
    return out.getvalue()


@pytest.fixture
def portal_url(app):
    """A fresh portal with the demo's sample datasets (not the shared demo: this walk changes
    what it shows), over real HTTP."""
    services = app.extensions["gxdata"]
    with services.session_factory() as db, db.begin():
        samples.load_samples(db, services.files, app.config["MAX_UPLOAD_BYTES"])
    with services.session_factory() as db:
        rebuild_index(db, services.search)
    with serving(app) as url:
        yield url


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def _window(browser: Any) -> Any:
    """A browser context of its own (one person) and its page."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.shared: list[Path] = []

    def take(self, page: Any, name: str, share: bool = False) -> None:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        screenshot(page, name)  # also into test-artifacts/ with GXDATA_SCREENSHOTS=1
        if share and SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.shared.append(Path(shutil.copy(path, Path(SHOTS) / path.name)))


def _department_slug(app) -> str:
    with app.extensions["gxdata"].session_factory() as db:
        slug = db.scalar(select(Department.slug).where(Department.name == DEPARTMENT))
    assert slug is not None
    return slug


def _download(page: Any, button: Any, folder: Path) -> tuple[Path, str, str]:
    """Click a download button: the saved file, the signed link followed and the response's
    X-Delivery-Id."""
    with page.expect_response(lambda r: "/grants/" in r.url) as answered:
        with page.expect_download() as started:
            button.click()
    download = started.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path, download.url, answered.value.headers["x-delivery-id"]


def _check_masked_rows(header: list[str], rows: list[list[str]]) -> None:
    """Every row masked as the conditions state, compared with the stored original."""
    original = synthetic.table("tax-credit")
    assert header == list(original.header)
    assert len(rows) == len(original.rows)
    column = {name: i for i, name in enumerate(header)}
    full = {row[column[name]] for row in original.rows for name in ("联系电话", "统一社会信用代码")}
    for masked, source in zip(rows, original.rows, strict=True):
        assert not full & set(masked), masked  # no full mobile number or credit code goes out
        get = dict(zip(header, source, strict=True))
        assert masked[column["联系电话"]] == mask_middle(get["联系电话"], 3, 4)
        assert re.fullmatch(r"1\d\d\*{4}\d{4}", masked[column["联系电话"]])
        assert masked[column["统一社会信用代码"]] == mask_middle(get["统一社会信用代码"], 8, 0)
        assert masked[column["法定代表人"]] == mask_middle(get["法定代表人"], 1, 0)
        assert masked[column["注册地址"]] == county_of(get["注册地址"])
        assert masked[column["企业名称"]] == get["企业名称"]  # provided unmasked


def _check_zip(path: Path, delivery_id: str) -> None:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        descriptor = json.loads(archive.read("datapackage.json"))
        member = next(name for name in names if name.endswith(".csv"))
        text = archive.read(member).decode("utf-8-sig")
    assert descriptor["id"] == delivery_id and descriptor["gxdata"]["delivery"] == delivery_id
    header, *rows = list(csv.reader(io.StringIO(text)))
    _check_masked_rows(header, rows)


def _check_xlsx(path: Path, delivery_id: str) -> None:
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.properties.identifier == delivery_id
    header, *rows = [
        ["" if cell is None else str(cell) for cell in row]
        for row in book.worksheets[0].iter_rows(values_only=True)
    ]
    book.close()
    _check_masked_rows(header, rows)


def test_an_enterprise_applies_is_granted_downloads_masked_copies_and_is_revoked(
    app, portal_url, browser, tmp_path
):
    shots = Shots(tmp_path)

    # --- signed out: the conditions are public; applying asks to sign in ------------------
    applicant = _window(browser)
    applicant.goto(portal_url + "/dataset?q=纳税信用")
    applicant.get_by_role("link", name=TITLE).first.click()
    applicant.wait_for_url("**/dataset/*")
    conditions = applicant.locator("#conditions").inner_text()
    for stated in ("企业", "营业执照或统一社会信用代码证明", "用于营销推广", "数据存储于境内服务器",
                   "365", "10 个工作日", "联系电话", "注册地址", "0771-5555001"):  # fmt: skip
        assert stated in conditions, stated
    shots.take(applicant, "01-conditions-signed-out")
    applicant.get_by_role("link", name="申请使用").click()
    applicant.wait_for_url("**/account/sign-in**")
    assert "apply" in applicant.url

    # --- register an enterprise, confirm through the mail, sign in ------------------------
    applicant.get_by_role("link", name="注册").first.click()
    applicant.wait_for_url("**/account/register**")
    applicant.select_option("#kind", "enterprise")
    applicant.fill("#email", EMAIL)
    applicant.fill("#phone", "13977112345")
    applicant.fill("#display_name", "华信征信")
    applicant.fill("#password", PASSWORD)
    applicant.fill("#credit_code", _credit_code())
    applicant.fill("#organization_name", ORGANIZATION)
    applicant.locator("form.admin-form button[type=submit]").click()
    applicant.wait_for_url("**/account/mail-sent")
    applicant.goto(portal_url + confirmation_path(app))
    applicant.wait_for_url("**/account/sign-in**")
    applicant.fill("#email", EMAIL)
    applicant.fill("#password", PASSWORD)
    applicant.locator("form.admin-form button[type=submit]").click()
    applicant.wait_for_url("**/account/")

    # --- apply: purpose, scenario, both files, every commitment, a PDF --------------------
    applicant.goto(portal_url + "/dataset?q=纳税信用")
    applicant.get_by_role("link", name=TITLE).first.click()
    applicant.get_by_role("link", name="申请使用").click()
    applicant.wait_for_url("**/apply")
    applicant.fill("#purpose", "为小微企业信贷审批评估借款企业的纳税信用。")
    applicant.fill("#scenario", "金融机构信贷审批")
    for box in applicant.locator("input[name=distribution_ids]").all():
        box.check()
    for box in applicant.locator("input[name=commitments]").all():
        box.check()
    assert applicant.locator("input[name=commitments]").count() == 3
    pdf = tmp_path / "营业执照.pdf"
    pdf.write_bytes(_pdf())
    applicant.set_input_files("#file", str(pdf))
    shots.take(applicant, "02-apply-form", share=True)
    applicant.get_by_role("button", name="提交申请").click()
    applicant.wait_for_selector("text=申请已提交")
    reference = applicant.locator("h1").inner_text().split()[-1]
    assert "营业执照.pdf" in applicant.locator("main").inner_text()

    # --- the department's reviewer: the queue, then asks for more information -------------
    make_person(app, REVIEWER_EMAIL, REVIEWER, _department_slug(app))
    reviewer = _window(browser)
    sign_in_browser(app, reviewer.context, portal_url, REVIEWER_EMAIL, REVIEWER,
                    _department_slug(app))  # fmt: skip
    reviewer.goto(portal_url + "/review/applications")
    queue = reviewer.locator("table.review-queue").inner_text()
    assert reference in queue and TITLE in queue and ORGANIZATION in queue
    shots.take(reviewer, "03-reviewer-queue", share=True)
    reviewer.get_by_role("link", name=reference).click()
    reviewer.wait_for_url(f"**/review/applications/{reference}")
    assert "营业执照.pdf" in reviewer.locator("main").inner_text()
    reviewer.get_by_role("button", name="开始审核").click()
    reviewer.wait_for_selector("text=已开始审核")
    reviewer.fill("#reason-request_info", "请补充加盖公章的数据使用承诺书。")
    reviewer.get_by_role("button", name="要求补充材料").click()
    reviewer.wait_for_selector("text=已要求补充材料，并已邮件通知申请人。")
    shots.take(reviewer, "04-reviewer-detail", share=True)

    # --- the applicant answers and resubmits ----------------------------------------------
    applicant.goto(portal_url + f"/account/applications/{reference}")
    assert "待补充材料" in applicant.locator("main").inner_text()
    applicant.get_by_role("link", name="补充并修改").click()
    applicant.wait_for_selector("text=请补充加盖公章的数据使用承诺书。")
    promise = tmp_path / "数据使用承诺书.pdf"
    promise.write_bytes(_pdf())
    applicant.set_input_files("#file", str(promise))
    applicant.fill("#scenario", "金融机构信贷审批；已补充加盖公章的数据使用承诺书。")
    applicant.get_by_role("button", name="重新提交").click()
    applicant.wait_for_selector("text=申请已提交")
    assert "数据使用承诺书.pdf" in applicant.locator("main").inner_text()

    # --- the reviewer approves -------------------------------------------------------------
    reviewer.reload()
    assert "数据使用承诺书.pdf" in reviewer.locator("main").inner_text()
    if reviewer.get_by_role("button", name="开始审核").count():
        reviewer.get_by_role("button", name="开始审核").click()
        reviewer.wait_for_selector("text=已开始审核")
    reviewer.fill("#reason-approve", "材料齐全，同意。")
    reviewer.get_by_role("button", name="批准", exact=True).click()
    reviewer.wait_for_selector("text=已批准：授权已生效")

    # --- the applicant downloads the masked copies through signed links -------------------
    applicant.goto(portal_url + f"/account/applications/{reference}")
    assert "已授权，使用中" in applicant.locator("main").inner_text()
    shots.take(applicant, "05-applicant-grant", share=True)
    files = applicant.locator("li.distribution")
    csv_item = files.filter(has_text="CSV")
    xlsx_item = files.filter(has_text="XLSX")
    zipped, link, zip_delivery = _download(applicant, csv_item.get_by_role("button"), tmp_path)
    assert zipped.suffix == ".zip" and zip_delivery in zipped.name
    _check_zip(zipped, zip_delivery)
    sheet, _, xlsx_delivery = _download(applicant, xlsx_item.get_by_role("button"), tmp_path)
    assert sheet.suffix == ".xlsx" and xlsx_delivery in sheet.name
    _check_xlsx(sheet, xlsx_delivery)
    assert zip_delivery != xlsx_delivery
    with app.extensions["gxdata"].session_factory() as db:
        logged = {row.id: row.channel for row in db.scalars(select(Delivery))}
    assert logged == {zip_delivery: "link", xlsx_delivery: "link"}

    # --- a usage report, and the history ---------------------------------------------------
    applicant.fill("#what_built", "信贷审批系统中的纳税信用核验模块")
    applicant.fill("#results", "试运行一个月，审批时长缩短三成")
    applicant.get_by_role("button", name="提交报告").click()
    applicant.wait_for_selector("text=报告已提交")
    main = applicant.locator("main").inner_text()
    assert "信贷审批系统中的纳税信用核验模块" in main
    history = applicant.locator("section[aria-labelledby=history-title]").inner_text()
    for step in ("已提交", "开始审核", "待补充材料", "请补充加盖公章的数据使用承诺书。",
                 "已重新提交", "已批准"):  # fmt: skip
        assert step in history, step
    shots.take(applicant, "06-applicant-history")

    # --- the auditor reads every step in the audit log ------------------------------------
    auditor = _window(browser)
    sign_in_browser(app, auditor.context, portal_url, "audit@example.org", AUDITOR)
    auditor.goto(portal_url + f"/admin/audit?object={reference}")
    log = auditor.locator("table.audit").inner_text()
    for label in STEPS:
        assert label in log, label
    assert "application." not in log  # every act in words, none as its code
    assert "华信征信" in log and REVIEWER_EMAIL in log
    shots.take(auditor, "07-audit-log", share=True)
    auditor.goto(portal_url + "/admin/audit?action=grant.deliver")
    deliveries = auditor.locator("table.audit").inner_text()
    assert zip_delivery in deliveries and xlsx_delivery in deliveries
    assert "交付脱敏副本" in deliveries
    auditor.goto(portal_url + "/admin/audit?action=usage-report.file")
    reports = auditor.locator("table.audit").inner_text()
    assert reference in reports and "提交使用情况报告" in reports
    with app.extensions["gxdata"].session_factory() as db:
        assert audit.verify(db).ok

    # --- revoked: the link issued before and a new one are both refused -------------------
    drawn = applicant.context.new_page()  # the grant's page, drawn before the revocation
    drawn.goto(portal_url + f"/account/applications/{reference}")
    reviewer.reload()
    reviewer.fill("#reason-revoke", "发现超范围使用，撤销授权。")
    reviewer.get_by_role("button", name="撤销授权").click()
    reviewer.wait_for_selector("text=授权已撤销：下载即时停止")
    refused = "您没有涵盖此文件的有效授权"
    answer = applicant.goto(link)  # the signed link issued before, still within its ten minutes
    assert answer is not None and answer.status == 403
    assert refused in applicant.locator("main").inner_text()
    shots.take(applicant, "08-download-refused", share=True)
    with drawn.expect_navigation():  # a new link asked for from its download button
        drawn.locator("li.distribution").filter(has_text="CSV").get_by_role("button").click()
    assert "/grants/" in drawn.url and refused in drawn.locator("main").inner_text()
    drawn.close()
    applicant.goto(portal_url + f"/account/applications/{reference}")
    main = applicant.locator("main").inner_text()
    assert (
        "授权已撤销" in main and applicant.get_by_role("button", name="下载脱敏副本").count() == 0
    )
    assert "发现超范围使用，撤销授权。" in main
    shots.take(applicant, "09-applicant-revoked")
    auditor.goto(portal_url + f"/admin/audit?object={reference}&action=application.revoke")
    assert "授权已撤销" in auditor.locator("table.audit").inner_text()
    with app.extensions["gxdata"].session_factory() as db:
        assert set(db.scalars(select(Delivery.id))) == {zip_delivery, xlsx_delivery}
    assert not SHOTS or len(shots.shared) >= 5

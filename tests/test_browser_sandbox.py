"""The issue's walk of the sandbox (可用不可见) in a real browser (Debian's chromium, driven by
Playwright), on the demo's 【示例】医疗机构门急诊诊疗人次 sample, whose conditions state the
sandbox channel: the grant holder (a research institution, granted through the domain) opens
the sandbox from the application page, runs an aggregate query and sees small groups
suppressed, is refused a query that lists records, asks for the result's export; the health
commission's reviewer finds it in the queue, sees the query, the result and its row counts,
and approves it; the holder downloads the CSV once, under the delivery identifier logged.

With ``GXDATA_SHOTS`` set to a folder, the key screenshots are copied there."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from browser_signing_in import sign_in_browser
from browsers import BROWSER_MARKS, launch_chromium, serving
from sqlalchemy import select
from test_application_pages import PDF
from test_browser_applications import _window

from catalog.accounts.models import INSTITUTION, REVIEWER, User
from catalog.applications import acts, grants
from catalog.applications.models import Delivery
from catalog.demo import samples
from catalog.models import Dataset, Department
from catalog.permissions import actor_for
from catalog.sandbox.models import SandboxQuery

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

DEPARTMENT = "广西壮族自治区卫生健康委员会"
HOLDER, REVIEWER_EMAIL = "research@gxmu.example.edu.cn", "reviewer@wsjkw.example.gov.cn"
QUERY = "SELECT 医疗机构, count(*) AS 人次 FROM data GROUP BY 医疗机构 ORDER BY 人次 DESC"
SHOTS = os.environ.get("GXDATA_SHOTS")


@pytest.fixture
def portal_url(app):
    services = app.extensions["gxdata"]
    with services.session_factory() as db, db.begin():
        samples.load_samples(db, services.files, app.config["MAX_UPLOAD_BYTES"])
    with serving(app) as url:
        yield url


def _shot(page: Any, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SHOTS) / path.name)


def _granted(app, holder_id: int, reviewer_id: int) -> str:
    """The holder's application for the sample, approved (the application pages have their own
    browser walk)."""
    services = app.extensions["gxdata"]
    with services.session_factory() as db, db.begin():
        dataset = db.scalar(
            select(Dataset).where(Dataset.identifier == "gxdata-sample-clinic-visits")
        )
        user = db.get(User, holder_id)
        user.kind = INSTITUTION
        holder = actor_for(user)
        stated = acts.conditions_of(dataset)
        application = acts.create_application(db, holder, dataset, {
            "purpose": "研究南宁各医疗机构门急诊负荷", "scenario": "医疗资源规划研究",
            "distribution_ids": [d.id for d in dataset.distributions if d.stored_file],
            "commitments": list(stated.security_requirements),
        })  # fmt: skip
        acts.add_attachment(db, holder, application, services.files, stream=io.BytesIO(PDF),
                            file_name="研究方案.pdf")  # fmt: skip
        acts.submit(db, holder, application)
        reviewer = actor_for(db.get(User, reviewer_id), two_factor=True)
        acts.start_review(db, reviewer, application)
        grants.approve(db, reviewer, application)
        return application.reference


@pytest.fixture
def chromium():
    with sync_api.sync_playwright() as playwright:
        found = launch_chromium(playwright)
        yield found
        found.close()


def test_a_holder_queries_the_sandbox_and_takes_a_reviewed_result_away(
    app, portal_url, chromium, tmp_path
):
    with app.extensions["gxdata"].session_factory() as db:
        slug = db.scalar(select(Department.slug).where(Department.name == DEPARTMENT))
    holder_page, reviewer_page = _window(chromium), _window(chromium)
    holder_id = sign_in_browser(app, holder_page.context, portal_url, HOLDER)
    reviewer_id = sign_in_browser(app, reviewer_page.context, portal_url, REVIEWER_EMAIL,
                                  REVIEWER, slug)  # fmt: skip
    reference = _granted(app, holder_id, reviewer_id)

    # --- the holder: the application page leads to the sandbox, not to a download ---------
    holder = holder_page
    holder.goto(portal_url + f"/account/applications/{reference}")
    assert holder.get_by_role("button", name="下载脱敏副本").count() == 0
    holder.get_by_role("link", name="进入数据沙箱").click()
    holder.wait_for_url(f"**/account/applications/{reference}/sandbox")
    tables = holder.locator("#tables-title + h3").inner_text()
    assert "data" in tables and "400 行" in tables
    assert "标识字段：仅可计数" in holder.locator("main").inner_text()

    # --- an aggregate: small groups suppressed ---------------------------------------------
    holder.fill("#sql", QUERY)
    holder.get_by_role("button", name="执行查询").click()
    holder.wait_for_selector("#answer")
    answer = holder.locator("#answer").inner_text()
    assert "行因代表的记录少于 5 条而隐藏" in answer
    counts = [int(c) for c in holder.locator("#answer tbody tr td:nth-child(2)").all_inner_texts()]
    assert counts and min(counts) >= 5
    suppressed = int(answer.split("；")[1].split(" 行因")[0])
    assert suppressed > 0 and sum(counts) < 400
    _shot(holder, tmp_path, "sandbox-01-aggregate")

    # --- a query that lists records is refused, in words ------------------------------------
    holder.fill("#sql", "SELECT 患者姓名, 诊断 FROM data")
    holder.get_by_role("button", name="执行查询").click()
    holder.wait_for_selector(".sandbox-refusal")
    assert "只回答汇总结果" in holder.locator(".sandbox-refusal").inner_text()
    _shot(holder, tmp_path, "sandbox-02-refused")

    # --- ask to export the aggregate ---------------------------------------------------------
    answered = holder.locator("tr.sandbox-answered").first
    answered.get_by_role("button", name="申请导出此结果").click()
    holder.wait_for_selector("text=结果已提交审核")
    assert "导出待审核" in holder.locator("tr.sandbox-answered").first.inner_text()

    # --- the reviewer approves ---------------------------------------------------------------
    reviewer = reviewer_page
    reviewer.goto(portal_url + "/review/applications")
    reviewer.get_by_role("link", name="沙箱导出审核").first.click()
    reviewer.wait_for_url("**/review/sandbox-exports")
    assert reference in reviewer.locator("table.export-queue").inner_text()
    reviewer.locator("table.export-queue a").first.click()
    page_text = reviewer.locator("main").inner_text()
    assert "GROUP BY 医疗机构" in page_text and "读取源记录 400 条" in page_text
    assert "SELECT 患者姓名, 诊断 FROM data" in page_text  # the grant's log, refusals too
    _shot(reviewer, tmp_path, "sandbox-03-review")
    reviewer.fill("#reason", "结果为汇总数据，同意导出。")
    reviewer.get_by_role("button", name="批准导出").click()
    reviewer.wait_for_selector("text=已批准导出")

    # --- the holder downloads it once ----------------------------------------------------------
    holder.reload()
    with holder.expect_download() as started:
        holder.get_by_role("button", name="下载结果（仅一次）").click()
    download = started.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert rows[0] == ["医疗机构", "人次", "delivery"]
    assert [int(r[1]) for r in rows[1:]] == counts
    delivery_id = rows[1][2]
    assert delivery_id.startswith("dlv-") and delivery_id in path.name
    holder.reload()
    assert holder.get_by_role("button", name="下载结果（仅一次）").count() == 0
    assert delivery_id in holder.locator("#queries").inner_text()
    _shot(holder, tmp_path, "sandbox-04-downloaded")
    with app.extensions["gxdata"].session_factory() as db:
        assert db.get(Delivery, delivery_id).channel == "sandbox"
        logged = list(db.scalars(select(SandboxQuery).order_by(SandboxQuery.id)))
    assert [(q.state, q.rows_touched) for q in logged] == [("answered", 400), ("refused", None)]
